// Scoring: the metrics of one profile and their aggregation.
#include "trajcore/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "trajcore/collision.hpp"
#include "trajcore/collision_metrics.hpp"
#include "parallel.hpp"
#include "score_aggregate.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

void check_weight(double w, const char* name) {
  if (!(w >= 0) || !std::isfinite(w)) {
    throw Error(std::string("profile.") + name + " is " + detail::value_str(w) +
                ", expected a finite weight >= 0");
  }
}

template <class T>
void resize(Tensor<T>& t, const Shape& shape) {
  if (!t.defined() || t.shape() != shape) t.resize(shape);
}

// nuPlan's own derivative estimation (state_extractors.py), which NAVSIM v2's comfort copies:
// accelerations smoothed over 8 steps, jerks over 15, yaw rate and acceleration over 5.
ComfortParams nuplan_comfort() {
  ComfortParams c;
  c.lon_accel_window = 8;
  c.jerk_smoothing_window = 8;
  c.jerk_window = 15;
  c.yaw_rate_window = 5;
  c.yaw_accel_window = 5;
  c.lateral = LateralAcceleration::kSpeedTimesYawRate;
  return c;
}

}  // namespace

ScoringProfile ScoringProfile::named(const std::string& name) {
  ScoringProfile p;
  p.name = name;
  if (name == "pdm_closed") return p;
  if (name == "navsim_pdms") {
    p.gate_driving_direction = false;
    p.progress_threshold = 5.0;
    p.clip_progress = true;
    return p;
  }
  if (name == "navsim_epdms") {
    p.gate_traffic_light = true;
    p.direction_window = 10;  // int(1.0 s / 0.1 s)
    p.direction_skip_intersections = true;
    p.progress_threshold = 5.0;
    p.clip_progress = true;
    p.weight_comfort = 2.0;  // history comfort
    p.weight_lane_keeping = 2.0;
    p.weight_extended_comfort = 2.0;
    p.comfort_with_history = true;
    p.comfort = nuplan_comfort();
    p.comfort.lateral = LateralAcceleration::kZero;
    p.human_filter = true;
    return p;
  }
  if (name == "nuplan_cls") {
    p.gate_making_progress = true;
    p.drivable_tolerance = 0.3;
    p.direction_rule = DirectionRule::kLaneProgress;
    p.direction_window = 10;  // 1 s at 0.1 s
    p.progress_rule = ProgressRule::kExpertRatio;
    p.collision_scoring = AtFaultScoring::kNuplanCounts;
    p.ttc_rule = TtcRule::kConstantVelocity;
    p.weight_speed_limit = 4.0;
    p.comfort = nuplan_comfort();
    return p;
  }
  if (name == "trajcore_default") {
    p.use_probabilities = true;
    p.gate_safe_distance = true;
    p.gate_traffic_light = true;  // with the scene's red lanes
    p.red_light_margin = 1.0;
    p.drivable_tolerance = 0.3;  // nuPlan's: recorded maps and logs disagree by that much
    p.margin_vehicle = 0.2;
    p.margin_large_vehicle = 0.3;
    p.margin_pedestrian = 0.5;
    p.margin_bicycle = 0.4;
    p.margin_object = 0.2;
    // A sideways contact with a pedestrian or cyclist is the moving ego's: it gives them room.
    p.collision_vru_lateral_at_fault = true;
    p.clip_progress = true;
    p.weight_speed_limit = 4.0;  // nuPlan's: the lane's limit is a rule, not a suggestion
    p.comfort.lateral = LateralAcceleration::kSpeedTimesYawRate;
    return p;
  }
  throw Error("profile is '" + name +
              "', expected one of 'pdm_closed', 'navsim_pdms', 'navsim_epdms', 'nuplan_cls', "
              "'trajcore_default'");
}

void validate(const ScoringProfile& p) {
  validate(p.safe_distance);
  for (const auto& [v, name] : {std::pair{p.margin_vehicle, "margin_vehicle"},
                                {p.margin_large_vehicle, "margin_large_vehicle"},
                                {p.margin_pedestrian, "margin_pedestrian"},
                                {p.margin_bicycle, "margin_bicycle"},
                                {p.margin_object, "margin_object"},
                                {p.large_vehicle_length, "large_vehicle_length"},
                                {p.red_light_margin, "red_light_margin"}}) {
    if (!(v >= 0) || !std::isfinite(v)) {
      throw Error(std::string("profile.") + name + " is " + detail::value_str(v) +
                  ", expected >= 0 metres");
    }
  }
  check_weight(p.weight_progress, "weight_progress");
  check_weight(p.weight_ttc, "weight_ttc");
  check_weight(p.weight_comfort, "weight_comfort");
  check_weight(p.weight_speed_limit, "weight_speed_limit");
  check_weight(p.weight_lane_keeping, "weight_lane_keeping");
  check_weight(p.weight_extended_comfort, "weight_extended_comfort");
  if (p.weight_progress + p.weight_ttc + p.weight_comfort + p.weight_speed_limit +
          p.weight_lane_keeping + p.weight_extended_comfort <=
      0) {
    throw Error("profile weights are all 0, expected at least one positive weight");
  }
  auto non_negative = [](double v, const char* name, const char* unit) {
    if (!(v >= 0) || !std::isfinite(v)) {
      throw Error(std::string("profile.") + name + " is " + detail::value_str(v) +
                  ", expected >= 0 " + unit);
    }
  };
  non_negative(p.expert_progress_threshold, "expert_progress_threshold", "metres");
  non_negative(p.making_progress_threshold, "making_progress_threshold", "(a progress ratio)");
  non_negative(p.max_overspeed, "max_overspeed", "m/s");
  non_negative(p.lane_keeping_deviation, "lane_keeping_deviation", "metres");
  if (!(p.lane_keeping_window > 0) || !std::isfinite(p.lane_keeping_window)) {
    throw Error("profile.lane_keeping_window is " + detail::value_str(p.lane_keeping_window) +
                ", expected > 0 seconds");
  }
  if (!(p.drivable_tolerance >= 0)) {
    throw Error("profile.drivable_tolerance is " + detail::value_str(p.drivable_tolerance) +
                ", expected >= 0 metres");
  }
  if (!(p.progress_threshold >= 0)) {
    throw Error("profile.progress_threshold is " + detail::value_str(p.progress_threshold) +
                ", expected >= 0 metres");
  }
}

namespace {

// Buffers and sub-requests of score, kept per thread so that warm calls do not allocate.
struct ScoreBuffers {
  std::vector<float> wrong_way, uniform, at_fault_prob, ttc_prob, safe_prob, overspeed, padded;
  std::vector<float> inflated;  // agent extents grown by the profile's class margins
  EgoAreaRequest areas;
  TtcRequest ttc;
  CollisionWorkspace workspace;
  CollisionResult contacts;
};

// The expert scored alone for the human filter (its own thread_local: score runs inside score).
thread_local ScoreResult human_scores;

// (B) or () shape check of an optional per-scene trajectory (B, T', S) or (T', S).
void check_scene_states(const TensorView<const float>& v, const char* name, bool batched, int64_t B,
                        int64_t steps, int64_t S, const char* meaning) {
  const Shape& got = v.shape;
  const bool ok = got.rank() == (batched ? 3 : 2) && (!batched || got[0] == B) && got.back() == S &&
                  (steps < 0 ? got[got.rank() - 2] >= 1 : got[got.rank() - 2] == steps);
  if (!ok) {
    throw Error(std::string(name) + " has shape " + got.str() + ", expected " + meaning +
                " with the states' B and S");
  }
  const bool finite = detail::all_finite(v.data, v.numel());
  for (int64_t i = 0; i < v.numel() && !finite; ++i) {
    if (i % S < 5 && !std::isfinite(v.data[i])) {
      throw Error(std::string(name) + detail::index_str(got, i) + " is " +
                  detail::value_str(v.data[i]) + ", expected a finite value");
    }
  }
}

void fill(Tensor<float>& t, float v) { std::fill(t.data(), t.data() + t.numel(), v); }
void fill(Tensor<int32_t>& t, int32_t v) { std::fill(t.data(), t.data() + t.numel(), v); }

}  // namespace

void score(const ScoreRequest& rq, ScoreResult& out) {
  thread_local ScoreBuffers buf;
  validate(rq.profile);
  const ScoringProfile& pr = rq.profile;
  if (rq.road_map == nullptr) throw Error("road_map is null, expected a RoadMap");
  if (rq.centerline == nullptr) throw Error("centerline is null, expected a ReferenceLine");
  const Shape& s = rq.states.shape;
  if (rq.states.data == nullptr || (s.rank() != 3 && s.rank() != 4) || s.back() < 5) {
    throw Error("states has shape " + s.str() + ", expected (B, N, T+1, S) with S >= 5");
  }
  const bool batched = s.rank() == 4;
  const int64_t B = batched ? s[0] : 1, N = s[s.rank() - 3], T1 = s[s.rank() - 2], S = s.back();
  const Shape per_candidate = s.without_last().without_last();
  const Shape per_step = s.without_last();
  const bool has_expert = rq.expert.data != nullptr;
  if (has_expert) {
    check_scene_states(rq.expert, "expert", batched, B, T1, S, "(B, T+1, S)");
  }
  if (rq.history.data != nullptr) {
    check_scene_states(rq.history, "history", batched, B, -1, S, "(B, H, S)");
  }
  if (!has_expert && pr.progress_rule == ProgressRule::kExpertRatio) {
    throw Error("profile.progress_rule is expert_ratio, which needs expert, not given");
  }
  if (!has_expert && pr.gate_making_progress) {
    throw Error("profile.gate_making_progress needs expert, not given");
  }
  if (!has_expert && pr.human_filter) {
    throw Error("profile.human_filter needs expert (the human trajectory), not given");
  }

  // Map metrics.
  resize(out.areas, per_step);
  EgoAreaRequest& area_rq = buf.areas;  // assigning reuses route_lanes' capacity
  area_rq.states = rq.states;
  area_rq.length = rq.length;
  area_rq.width = rq.width;
  area_rq.road_map = rq.road_map;
  area_rq.route_lanes = rq.route_lanes;
  area_rq.drivable_tolerance = pr.drivable_tolerance;
  ego_areas(area_rq, out.areas.view());
  for (auto* t :
       {&out.total, &out.no_collision, &out.drivable_area, &out.driving_direction, &out.progress,
        &out.progress_m, &out.ttc, &out.comfort, &out.traffic_light, &out.making_progress,
        &out.speed_limit, &out.lane_keeping, &out.extended_comfort, &out.safe_distance}) {
    resize(*t, per_candidate);
  }
  for (auto* t : {&out.collision_step, &out.drivable_area_step, &out.driving_direction_step,
                  &out.ttc_step, &out.comfort_step, &out.comfort_failed, &out.traffic_light_step,
                  &out.speed_limit_step, &out.lane_keeping_step, &out.safe_distance_step}) {
    resize(*t, per_candidate);
  }
  const TensorView<const int32_t> areas{out.areas.data(), per_step, {}};
  drivable_area_compliance(areas, out.drivable_area.view(), out.drivable_area_step.view());
  DrivingDirectionRequest ddc;
  ddc.states = rq.states;
  ddc.areas = areas;
  ddc.road_map = rq.road_map;
  ddc.rule = pr.direction_rule;
  ddc.window = pr.direction_window;
  ddc.skip_intersections = pr.direction_skip_intersections;
  ddc.compliance_threshold = pr.direction_compliance_threshold;
  ddc.violation_threshold = pr.direction_violation_threshold;
  std::vector<float>& wrong_way = buf.wrong_way;
  wrong_way.resize(static_cast<size_t>(B * N));
  driving_direction_compliance(ddc, {out.driving_direction.view(),
                                     {wrong_way.data(), per_candidate, {}},
                                     out.driving_direction_step.view()});
  if (pr.gate_traffic_light && rq.red_lights.data != nullptr) {
    TrafficLightRequest tl;
    tl.states = rq.states;
    tl.length = rq.length;
    tl.width = rq.width;
    tl.road_map = rq.road_map;
    tl.red_lights = rq.red_lights;
    tl.front_margin = pr.red_light_margin;
    traffic_light_compliance(tl, out.traffic_light.view(), out.traffic_light_step.view());
  } else {
    fill(out.traffic_light, 1.0f);
    fill(out.traffic_light_step, -1);
  }
  if (pr.weight_speed_limit > 0) {
    buf.overspeed.resize(static_cast<size_t>(B * N));
    speed_limit_compliance(rq.states, *rq.road_map, pr.max_overspeed,
                           {out.speed_limit.view(),
                            {buf.overspeed.data(), per_candidate, {}},
                            out.speed_limit_step.view()});
  } else {
    fill(out.speed_limit, 1.0f);
    fill(out.speed_limit_step, -1);
  }
  if (pr.weight_lane_keeping > 0) {
    LaneKeepingRequest lk;
    lk.states = rq.states;
    lk.areas = areas;
    lk.centerline = rq.centerline;
    lk.max_deviation = pr.lane_keeping_deviation;
    lk.steps = static_cast<int32_t>(std::ceil(pr.lane_keeping_window / rq.dt));
    lane_keeping(lk, out.lane_keeping.view(), out.lane_keeping_step.view());
  } else {
    fill(out.lane_keeping, 1.0f);
    fill(out.lane_keeping_step, -1);
  }

  // Agents' boxes grown by the class margins (the extents as given without margins).
  TensorView<const float> agent_extent = rq.agent_extent;
  if (pr.margin_vehicle > 0 || pr.margin_large_vehicle > 0 || pr.margin_pedestrian > 0 ||
      pr.margin_bicycle > 0 || pr.margin_object > 0) {
    const int64_t count = rq.agent_extent.numel() / 2;
    if (rq.agent_extent.data != nullptr && rq.agent_type.data != nullptr &&
        rq.agent_type.numel() == count) {
      buf.inflated.assign(rq.agent_extent.data, rq.agent_extent.data + count * 2);
      for (int64_t i = 0; i < count; ++i) {
        float* e = buf.inflated.data() + i * 2;
        double margin = 0;
        switch (rq.agent_type.data[i]) {
          case int32_t(AgentType::kVehicle):
            margin = e[0] > pr.large_vehicle_length ? pr.margin_large_vehicle : pr.margin_vehicle;
            break;
          case int32_t(AgentType::kPedestrian): margin = pr.margin_pedestrian; break;
          case int32_t(AgentType::kBicycle): margin = pr.margin_bicycle; break;
          case int32_t(AgentType::kObject): margin = pr.margin_object; break;
          default: break;  // refused by the at-fault checks below
        }
        if (std::isfinite(e[0]) && std::isfinite(e[1])) {
          e[0] = static_cast<float>(e[0] + 2 * margin);
          e[1] = static_cast<float>(e[1] + 2 * margin);
        }
      }
      agent_extent = {buf.inflated.data(), rq.agent_extent.shape, rq.agent_extent.device};
    }
  }

  // Collisions: first contacts, then nuPlan's classification; time to collision.
  const float extent[2] = {rq.length, rq.width};
  CollisionRequest cr;
  cr.ego = rq.states;
  cr.ego_extent = {extent, Shape{2}, {}};
  cr.agents = rq.agents;
  cr.agent_extent = agent_extent;
  cr.agent_prob = rq.agent_prob;
  cr.agent_valid = rq.agent_valid;
  cr.options.min_clearance = false;
  CollisionResult& contacts = buf.contacts;
  check_collisions(cr, contacts, buf.workspace);
  const Shape& a = rq.agents.shape;
  const int64_t M = a[a.rank() - 4], K = a[a.rank() - 3];
  // Mode probabilities for the probabilistic sub-scores: given, or uniform over the modes.
  std::vector<float>& uniform = buf.uniform;
  TensorView<const float> prob = rq.agent_prob;
  if (prob.data == nullptr) {
    // (At least one element: a scene without agents still needs a non-null view.)
    uniform.assign(static_cast<size_t>(std::max<int64_t>(B * M * K, 1)),
                   K > 0 ? 1.0f / static_cast<float>(K) : 0.0f);
    Shape ps;
    if (batched) ps.push_back(B);
    ps.push_back(M);
    ps.push_back(K);
    prob = {uniform.data(), ps, {}};
  }
  Shape types = per_candidate;
  types.push_back(M);
  types.push_back(K);
  resize(out.collision_type, types);
  std::vector<float>& at_fault_prob = buf.at_fault_prob;
  std::vector<float>& ttc_prob = buf.ttc_prob;
  at_fault_prob.resize(static_cast<size_t>(B * N));
  ttc_prob.resize(static_cast<size_t>(B * N));
  const TensorView<const int32_t> first_contacts{
      contacts.agent_first_step.data(), contacts.agent_first_step.shape(), {}};
  AtFaultRequest af;
  af.states = rq.states;
  af.areas = areas;
  af.agents = rq.agents;
  af.agent_extent = agent_extent;
  af.agent_type = rq.agent_type;
  af.agent_first_step = first_contacts;
  af.agent_prob = prob;
  af.agent_speed = rq.agent_speed;
  af.ignored = rq.ignored;
  af.length = rq.length;
  af.width = rq.width;
  af.rear_axle_to_center = rq.rear_axle_to_center;
  af.dt = rq.dt;
  af.stopped_speed = pr.collision_stopped_speed;
  af.scoring = pr.collision_scoring;
  af.vru_lateral_at_fault = pr.collision_vru_lateral_at_fault;
  at_fault_collisions(af, {out.no_collision.view(),
                           {at_fault_prob.data(), per_candidate, {}},
                           out.collision_step.view(),
                           out.collision_type.view()});
  if (pr.ttc_rule == TtcRule::kConstantVelocity) {
    NuplanTtcRequest nt;
    nt.states = rq.states;
    nt.areas = areas;
    nt.agents = rq.agents;
    nt.agent_extent = agent_extent;
    nt.agent_type = rq.agent_type;
    nt.agent_speed = rq.agent_speed;
    nt.agent_prob = prob;
    nt.agent_valid = rq.agent_valid;
    nt.ignored = rq.ignored;
    nt.agent_first_step = first_contacts;
    nt.at_fault_step = {out.collision_step.data(), per_candidate, {}};
    nt.length = rq.length;
    nt.width = rq.width;
    nt.rear_axle_to_center = rq.rear_axle_to_center;
    nt.dt = rq.dt;
    nt.time_step = pr.ttc_time_step;
    nt.time_horizon = pr.ttc_time_horizon;
    nt.least_min_ttc = pr.ttc_least_min_ttc;
    nt.stopped_speed = pr.ttc_stopped_speed;
    nuplan_time_to_collision(
        nt, {out.ttc.view(), {ttc_prob.data(), per_candidate, {}}, out.ttc_step.view(), {}});
  } else {
    TtcRequest& ttc = buf.ttc;  // assigning reuses projection_steps' capacity
    ttc.states = rq.states;
    ttc.areas = areas;
    ttc.agents = rq.agents;
    ttc.agent_extent = agent_extent;
    ttc.agent_prob = prob;
    ttc.agent_valid = rq.agent_valid;
    ttc.ignored = rq.ignored;
    ttc.length = rq.length;
    ttc.width = rq.width;
    ttc.rear_axle_to_center = rq.rear_axle_to_center;
    ttc.dt = rq.dt;
    ttc.projection_steps = pr.ttc_projection_steps;
    ttc.agent_first_step = first_contacts;  // projection 0's pass, when no contact is standing
    ttc.stopped_speed = pr.ttc_stopped_speed;
    time_to_collision(ttc,
                      {out.ttc.view(), {ttc_prob.data(), per_candidate, {}}, out.ttc_step.view()});
  }
  if (pr.gate_safe_distance) {
    SafeDistanceRequest sd;
    sd.states = rq.states;
    sd.agents = rq.agents;
    sd.agent_extent = agent_extent;
    sd.agent_prob = prob;
    sd.agent_valid = rq.agent_valid;
    sd.ignored = rq.ignored;
    sd.length = rq.length;
    sd.width = rq.width;
    sd.dt = rq.dt;
    sd.params = pr.safe_distance;
    buf.safe_prob.resize(static_cast<size_t>(B * N));
    safe_distance(sd, {out.safe_distance.view(),
                       {buf.safe_prob.data(), per_candidate, {}},
                       out.safe_distance_step.view()});
  } else {
    fill(out.safe_distance, 1.0f);
    fill(out.safe_distance_step, -1);
  }
  if (pr.use_probabilities) {
    for (int64_t i = 0; i < B * N; ++i) {
      out.no_collision.data()[i] = 1.0f - at_fault_prob[i];
      out.ttc.data()[i] = 1.0f - ttc_prob[i];
      if (pr.gate_safe_distance) out.safe_distance.data()[i] = 1.0f - buf.safe_prob[i];
    }
  }

  // Comfort, on the history followed by the candidate when the profile asks for it.
  if (pr.comfort_with_history && rq.history.data != nullptr) {
    const Shape& hs = rq.history.shape;
    const int64_t H = hs[hs.rank() - 2], L = H + T1;
    std::vector<float>& padded = buf.padded;
    padded.resize(static_cast<size_t>(B * N * L * S));
    for (int64_t bn = 0; bn < B * N; ++bn) {
      float* dst = padded.data() + bn * L * S;
      const float* past = rq.history.data + (bn / N) * H * S;
      std::copy(past, past + H * S, dst);
      std::copy(rq.states.data + bn * T1 * S, rq.states.data + (bn + 1) * T1 * S, dst + H * S);
    }
    Shape ps = per_candidate;
    ps.push_back(L);
    ps.push_back(S);
    comfort({padded.data(), ps, {}}, rq.dt, pr.comfort,
            {out.comfort.view(), out.comfort_failed.view(), out.comfort_step.view(), {}});
    // Steps count from the candidate's first state; an infraction in the history gives 0.
    for (int64_t i = 0; i < B * N; ++i) {
      int32_t& step = out.comfort_step.data()[i];
      if (step >= 0) step = static_cast<int32_t>(std::max<int64_t>(step - H, 0));
    }
  } else {
    comfort(rq.states, rq.dt, pr.comfort,
            {out.comfort.view(), out.comfort_failed.view(), out.comfort_step.view(), {}});
  }
  if (pr.weight_extended_comfort > 0 && rq.previous.data != nullptr) {
    extended_comfort(rq.states, rq.previous, rq.previous_shift, rq.dt, pr.extended_comfort,
                     out.extended_comfort.view());
  } else {
    fill(out.extended_comfort, 1.0f);
  }

  // Progress along the centreline, projections clamped to it.
  if (rq.progress_reference.data != nullptr) {
    Shape want;
    if (batched) want.push_back(B);
    if (rq.progress_reference.shape != (batched ? want : Shape{})) {
      throw Error("progress_reference has shape " + rq.progress_reference.shape.str() +
                  ", expected " + (batched ? want.str() : std::string("()")) + " = (B)");
    }
  }
  const double length = rq.centerline->length();
  auto station = [&](const float* st) {
    double sx, dx;
    rq.centerline->project(st[0], st[1], &sx, &dx);
    return std::clamp(sx, 0.0, length);
  };
  auto advance = [&](const float* trajectory) {
    return station(trajectory + (T1 - 1) * S) - station(trajectory);
  };
  const float* states = rq.states.data;
  float* progress_m = out.progress_m.data();
  detail::parallel_for(B * N, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      progress_m[i] = static_cast<float>(advance(states + i * T1 * S));
    }
  });
  if (has_expert) {
    // nuPlan's ego_progress_along_expert_route and ego_is_making_progress.
    const double th = pr.expert_progress_threshold;
    for (int64_t b = 0; b < B; ++b) {
      const double expert = advance(rq.expert.data + b * T1 * S);
      for (int64_t n = 0; n < N; ++n) {
        const int64_t i = b * N + n;
        const double ego = progress_m[i];
        const double ratio =
            ego < -th ? 0.0 : std::min(1.0, std::max(ego, th) / std::max(expert, th));
        out.making_progress.data()[i] = ratio >= pr.making_progress_threshold ? 1.0f : 0.0f;
        if (pr.progress_rule == ProgressRule::kExpertRatio) {
          out.progress.data()[i] = static_cast<float>(ratio);
        }
      }
    }
  } else {
    fill(out.making_progress, 1.0f);
  }

  const ScoreResult* human = nullptr;
  if (pr.human_filter) {
    // NAVSIM scores the human trajectory alone with the same scorer, then overwrites the
    // agent's sub-scores where the human's are 0.
    ScoreRequest hr = rq;
    Shape es;
    if (batched) es.push_back(B);
    for (int64_t v : {int64_t(1), T1, S}) es.push_back(v);
    hr.states = {rq.expert.data, es, {}};
    hr.progress_reference = {};
    hr.profile.human_filter = false;
    score(hr, human_scores);
    human = &human_scores;
  }
  aggregate_scores(pr, rq.progress_reference, out, -1, human);
}

void aggregate_scores(const ScoringProfile& pr, TensorView<const float> progress_reference,
                      ScoreResult& out, int64_t scored, const ScoreResult* human) {
  const Shape& shape = out.total.shape();
  if (!out.total.defined() || shape.rank() < 1) {
    throw Error("aggregate_scores needs a result whose metrics have run (total is undefined)");
  }
  const int64_t N = shape[shape.rank() - 1], B = shape.numel() / std::max<int64_t>(N, 1);
  const int64_t count = scored < 0 ? N : std::min(scored, N);
  thread_local std::vector<double> gates_storage, gated_storage;
  std::vector<double>& gates = gates_storage;
  std::vector<double>& gated = gated_storage;
  gates.resize(static_cast<size_t>(N));
  gated.resize(static_cast<size_t>(N));
  const double wsum = pr.weight_progress + pr.weight_ttc + pr.weight_comfort +
                      pr.weight_speed_limit + pr.weight_lane_keeping + pr.weight_extended_comfort;
  auto gate_product = [&](int64_t i) {
    double g = 1.0;
    if (pr.gate_collision) g *= out.no_collision.data()[i];
    if (pr.gate_drivable_area) g *= out.drivable_area.data()[i];
    if (pr.gate_driving_direction) g *= out.driving_direction.data()[i];
    if (pr.gate_traffic_light) g *= out.traffic_light.data()[i];
    if (pr.gate_making_progress) g *= out.making_progress.data()[i];
    if (pr.gate_safe_distance) g *= out.safe_distance.data()[i];
    return g;
  };
  Tensor<float> ScoreResult::* const columns[] = {
      &ScoreResult::no_collision,  &ScoreResult::drivable_area,   &ScoreResult::driving_direction,
      &ScoreResult::traffic_light, &ScoreResult::making_progress, &ScoreResult::progress,
      &ScoreResult::ttc,           &ScoreResult::comfort,         &ScoreResult::speed_limit,
      &ScoreResult::lane_keeping,  &ScoreResult::extended_comfort, &ScoreResult::safe_distance};
  for (int64_t b = 0; b < B; ++b) {
    if (pr.progress_rule == ProgressRule::kSceneBest) {
      double best = progress_reference.data != nullptr ? progress_reference.data[b]
                                                       : -std::numeric_limits<double>::infinity();
      for (int64_t n = 0; n < count; ++n) {
        const int64_t i = b * N + n;
        const double raw = out.progress_m.data()[i];
        gates[n] = gate_product(i);
        gated[n] = (pr.clip_progress ? std::max(raw, 0.0) : raw) * gates[n];
        best = std::max(best, gated[n]);
      }
      for (int64_t n = 0; n < count; ++n) {
        double progress;
        if (best > pr.progress_threshold) {
          progress = gated[n] / best;
          if (pr.clip_progress) progress = std::clamp(progress, 0.0, 1.0);
        } else {
          progress = gates[n] == 0.0 ? 0.0 : 1.0;
        }
        out.progress.data()[b * N + n] = static_cast<float>(progress);
      }
    }
    for (int64_t n = 0; n < count; ++n) {
      const int64_t i = b * N + n;
      if (human != nullptr) {
        for (auto column : columns) {
          if ((human->*column).data()[b] == 0.0f) (out.*column).data()[i] = 1.0f;
        }
      }
      const double weighted =
          (pr.weight_progress * out.progress.data()[i] + pr.weight_ttc * out.ttc.data()[i] +
           pr.weight_comfort * out.comfort.data()[i] +
           pr.weight_speed_limit * out.speed_limit.data()[i] +
           pr.weight_lane_keeping * out.lane_keeping.data()[i] +
           pr.weight_extended_comfort * out.extended_comfort.data()[i]) /
          wsum;
      out.total.data()[i] = static_cast<float>(gate_product(i) * weighted);
    }
  }
}

}  // namespace trajcore
