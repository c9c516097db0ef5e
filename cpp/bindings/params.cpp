// Conversion of the parameter dataclasses (see params.hpp).
#include "params.hpp"

#include <pybind11/stl.h>

#include <string>
#include <type_traits>
#include <vector>

#include "trajcore/error.hpp"

namespace trajcore::bindings {
namespace {

template <class T = float>
T field(py::handle obj, const char* owner, const char* name,
        const char* kind = "trajcore.VehicleParams") {
  if (!py::hasattr(obj, name)) {
    throw Error(std::string(owner) + " has no field " + name + ", expected a " + kind,
                ErrorKind::kInvalidType);
  }
  py::object value = obj.attr(name);
  try {
    return value.cast<T>();
  } catch (const py::cast_error&) {
    throw Error(
        std::string(owner) + "." + name + " is a " +
            py::str(py::type::handle_of(value).attr("__name__")).cast<std::string>() +
            (std::is_same_v<T, std::string> ? ", expected a string" : ", expected a number"),
        ErrorKind::kInvalidType);
  }
}

}  // namespace

VehicleParams vehicle_params_from_py(py::handle obj) {
  VehicleParams p;
  p.length = field(obj, "params", "length");
  p.width = field(obj, "params", "width");
  p.wheelbase = field(obj, "params", "wheelbase");
  p.rear_axle_to_center = field(obj, "params", "rear_axle_to_center");
  p.max_acceleration = field(obj, "params", "max_acceleration");
  p.max_deceleration = field(obj, "params", "max_deceleration");
  p.max_jerk = field(obj, "params", "max_jerk");
  p.max_steering_angle = field(obj, "params", "max_steering_angle");
  p.max_steering_rate = field(obj, "params", "max_steering_rate");
  p.max_lateral_acceleration = field(obj, "params", "max_lateral_acceleration");
  py::object trailer = py::none();
  if (py::hasattr(obj, "trailer")) trailer = obj.attr("trailer");
  p.has_trailer = !trailer.is_none();
  if (p.has_trailer) {
    p.trailer.length = field(trailer, "params.trailer", "length");
    p.trailer.width = field(trailer, "params.trailer", "width");
    p.trailer.wheelbase = field(trailer, "params.trailer", "wheelbase");
    p.trailer.axle_to_center = field(trailer, "params.trailer", "axle_to_center");
    p.trailer.hitch_offset = field(trailer, "params.trailer", "hitch_offset");
    p.trailer.max_articulation = field(trailer, "params.trailer", "max_articulation");
  }
  validate(p);
  return p;
}

TrackerParams tracker_params_from_py(py::handle obj) {
  const char* kind = "trajcore.TrackerParams";
  TrackerParams t;
  const std::string controller = field<std::string>(obj, "tracker", "controller", kind);
  if (controller == "lqr") {
    t.controller = TrackingController::kLqr;
  } else if (controller == "pure_pursuit") {
    t.controller = TrackingController::kPurePursuit;
  } else {
    throw Error("tracker.controller is '" + controller + "', expected 'lqr' or 'pure_pursuit'");
  }
  t.q_longitudinal = field<double>(obj, "tracker", "q_longitudinal", kind);
  t.r_longitudinal = field<double>(obj, "tracker", "r_longitudinal", kind);
  t.q_lateral_error = field<double>(obj, "tracker", "q_lateral_error", kind);
  t.q_heading_error = field<double>(obj, "tracker", "q_heading_error", kind);
  t.q_steering_angle = field<double>(obj, "tracker", "q_steering_angle", kind);
  t.r_lateral = field<double>(obj, "tracker", "r_lateral", kind);
  t.horizon = field<int32_t>(obj, "tracker", "horizon", kind);
  t.stopping_gain = field<double>(obj, "tracker", "stopping_gain", kind);
  t.stopping_speed = field<double>(obj, "tracker", "stopping_speed", kind);
  t.acceleration_lag = field<double>(obj, "tracker", "acceleration_lag", kind);
  t.steering_lag = field<double>(obj, "tracker", "steering_lag", kind);
  t.lookahead_time = field<double>(obj, "tracker", "lookahead_time", kind);
  t.min_lookahead = field<double>(obj, "tracker", "min_lookahead", kind);
  validate(t);
  return t;
}

// The fields of a Python trajcore.ComfortParams.
namespace {

LateralAcceleration lateral_from_py(py::handle value, const char* owner) {
  const std::string lateral = value.cast<std::string>();
  if (lateral == "zero") return LateralAcceleration::kZero;
  if (lateral == "speed_times_yaw_rate") return LateralAcceleration::kSpeedTimesYawRate;
  throw Error(std::string(owner) + ".lateral_acceleration is '" + lateral +
              "', expected 'zero' or 'speed_times_yaw_rate'");
}

}  // namespace

ComfortParams comfort_params_from_py(py::handle obj) {
  ComfortParams p;
  auto get = [&](const char* name) { return obj.attr(name); };
  p.max_lon_accel = get("max_lon_accel").cast<double>();
  p.min_lon_accel = get("min_lon_accel").cast<double>();
  p.max_abs_lat_accel = get("max_abs_lat_accel").cast<double>();
  p.max_abs_jerk = get("max_abs_jerk").cast<double>();
  p.max_abs_lon_jerk = get("max_abs_lon_jerk").cast<double>();
  p.max_abs_yaw_accel = get("max_abs_yaw_accel").cast<double>();
  p.max_abs_yaw_rate = get("max_abs_yaw_rate").cast<double>();
  p.lon_accel_window = get("lon_accel_window").cast<int32_t>();
  p.jerk_smoothing_window = get("jerk_smoothing_window").cast<int32_t>();
  p.jerk_window = get("jerk_window").cast<int32_t>();
  p.yaw_rate_window = get("yaw_rate_window").cast<int32_t>();
  p.yaw_accel_window = get("yaw_accel_window").cast<int32_t>();
  p.decimals = get("decimals").cast<int32_t>();
  p.lateral = lateral_from_py(get("lateral_acceleration"), "comfort");
  return p;
}

// The fields of a Python trajcore.ScoringProfile (its comfort field included).
ExtendedComfortParams extended_comfort_params_from_py(py::handle obj) {
  ExtendedComfortParams p;
  auto get = [&](const char* name) { return obj.attr(name); };
  p.max_rms_accel = get("max_rms_accel").cast<double>();
  p.max_rms_jerk = get("max_rms_jerk").cast<double>();
  p.max_rms_yaw_rate = get("max_rms_yaw_rate").cast<double>();
  p.max_rms_yaw_accel = get("max_rms_yaw_accel").cast<double>();
  p.accel_window = get("accel_window").cast<int32_t>();
  p.jerk_window = get("jerk_window").cast<int32_t>();
  p.yaw_window = get("yaw_window").cast<int32_t>();
  p.decimals = get("decimals").cast<int32_t>();
  p.lateral = lateral_from_py(get("lateral_acceleration"), "extended_comfort");
  return p;
}

IdmParams idm_params_from_py(py::handle obj) {
  IdmParams p;
  p.min_gap = obj.attr("min_gap").cast<double>();
  p.headway = obj.attr("headway").cast<double>();
  p.max_acceleration = obj.attr("max_acceleration").cast<double>();
  p.comfortable_braking = obj.attr("comfortable_braking").cast<double>();
  p.exponent = obj.attr("exponent").cast<double>();
  return p;
}

SafeDistanceParams safe_distance_params_from_py(py::handle obj) {
  SafeDistanceParams p;
  auto get = [&](const char* name) { return obj.attr(name).cast<double>(); };
  p.reaction_time = get("reaction_time");
  p.ego_brake = get("ego_brake");
  p.agent_brake = get("agent_brake");
  p.min_gap = get("min_gap");
  p.recovery_rate = get("recovery_rate");
  p.tolerance = get("tolerance");
  p.lateral_margin = get("lateral_margin");
  p.stopped_speed = get("stopped_speed");
  p.horizon = get("horizon");
  return p;
}

ScoringProfile scoring_profile_from_py(py::handle obj) {
  ScoringProfile p;
  auto get = [&](const char* name) { return obj.attr(name); };
  p.name = get("name").cast<std::string>();
  p.gate_collision = get("gate_collision").cast<bool>();
  p.gate_drivable_area = get("gate_drivable_area").cast<bool>();
  p.gate_driving_direction = get("gate_driving_direction").cast<bool>();
  p.gate_traffic_light = get("gate_traffic_light").cast<bool>();
  p.gate_making_progress = get("gate_making_progress").cast<bool>();
  p.gate_safe_distance = get("gate_safe_distance").cast<bool>();
  p.weight_progress = get("weight_progress").cast<double>();
  p.weight_ttc = get("weight_ttc").cast<double>();
  p.weight_comfort = get("weight_comfort").cast<double>();
  p.weight_speed_limit = get("weight_speed_limit").cast<double>();
  p.weight_lane_keeping = get("weight_lane_keeping").cast<double>();
  p.weight_extended_comfort = get("weight_extended_comfort").cast<double>();
  p.drivable_tolerance = get("drivable_tolerance").cast<double>();
  const std::string rule = get("direction_rule").cast<std::string>();
  if (rule == "lane_progress") {
    p.direction_rule = DirectionRule::kLaneProgress;
  } else if (rule == "off_route") {
    p.direction_rule = DirectionRule::kOffRouteDistance;
  } else {
    throw Error("profile.direction_rule is '" + rule +
                "', expected 'lane_progress' or 'off_route'");
  }
  p.direction_window = get("direction_window").cast<int32_t>();
  p.direction_skip_intersections = get("direction_skip_intersections").cast<bool>();
  p.direction_compliance_threshold = get("direction_compliance_threshold").cast<double>();
  p.direction_violation_threshold = get("direction_violation_threshold").cast<double>();
  p.progress_threshold = get("progress_threshold").cast<double>();
  p.clip_progress = get("clip_progress").cast<bool>();
  const std::string progress = get("progress_rule").cast<std::string>();
  if (progress == "scene_best") {
    p.progress_rule = ProgressRule::kSceneBest;
  } else if (progress == "expert_ratio") {
    p.progress_rule = ProgressRule::kExpertRatio;
  } else {
    throw Error("profile.progress_rule is '" + progress +
                "', expected 'scene_best' or 'expert_ratio'");
  }
  p.expert_progress_threshold = get("expert_progress_threshold").cast<double>();
  p.making_progress_threshold = get("making_progress_threshold").cast<double>();
  p.collision_stopped_speed = get("collision_stopped_speed").cast<double>();
  const std::string scoring = get("collision_scoring").cast<std::string>();
  if (scoring == "worst_collision") {
    p.collision_scoring = AtFaultScoring::kWorstCollision;
  } else if (scoring == "nuplan_counts") {
    p.collision_scoring = AtFaultScoring::kNuplanCounts;
  } else {
    throw Error("profile.collision_scoring is '" + scoring +
                "', expected 'worst_collision' or 'nuplan_counts'");
  }
  p.collision_vru_lateral_at_fault = get("collision_vru_lateral_at_fault").cast<bool>();
  const std::string ttc = get("ttc_rule").cast<std::string>();
  if (ttc == "shifted_box") {
    p.ttc_rule = TtcRule::kShiftedBox;
  } else if (ttc == "constant_velocity") {
    p.ttc_rule = TtcRule::kConstantVelocity;
  } else {
    throw Error("profile.ttc_rule is '" + ttc + "', expected 'shifted_box' or 'constant_velocity'");
  }
  p.ttc_projection_steps = get("ttc_projection_steps").cast<std::vector<int32_t>>();
  p.ttc_stopped_speed = get("ttc_stopped_speed").cast<double>();
  p.ttc_time_step = get("ttc_time_step").cast<double>();
  p.ttc_time_horizon = get("ttc_time_horizon").cast<double>();
  p.ttc_least_min_ttc = get("ttc_least_min_ttc").cast<double>();
  p.max_overspeed = get("max_overspeed").cast<double>();
  p.lane_keeping_deviation = get("lane_keeping_deviation").cast<double>();
  p.lane_keeping_window = get("lane_keeping_window").cast<double>();
  p.use_probabilities = get("use_probabilities").cast<bool>();
  p.comfort = comfort_params_from_py(get("comfort"));
  p.comfort_with_history = get("comfort_with_history").cast<bool>();
  py::handle ec = get("extended_comfort");
  p.extended_comfort = extended_comfort_params_from_py(ec);
  p.human_filter = get("human_filter").cast<bool>();
  p.safe_distance = safe_distance_params_from_py(get("safe_distance"));
  p.margin_vehicle = get("margin_vehicle").cast<double>();
  p.margin_large_vehicle = get("margin_large_vehicle").cast<double>();
  p.margin_pedestrian = get("margin_pedestrian").cast<double>();
  p.margin_bicycle = get("margin_bicycle").cast<double>();
  p.margin_object = get("margin_object").cast<double>();
  p.large_vehicle_length = get("large_vehicle_length").cast<double>();
  p.red_light_margin = get("red_light_margin").cast<double>();
  return p;
}

}  // namespace trajcore::bindings
