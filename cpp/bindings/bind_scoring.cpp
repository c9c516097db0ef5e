// Python bindings of trajcore/scoring.hpp: conversion and validation only.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "boundary.hpp"
#include "params.hpp"
#include "trajcore/error.hpp"
#include "trajcore/scoring.hpp"

namespace trajcore::bindings {
namespace {

ScoringProfile profile_from_py(py::handle obj) {
  ScoringProfile p;
  auto get = [&](const char* name) { return obj.attr(name); };
  p.name = get("name").cast<std::string>();
  p.gate_collision = get("gate_collision").cast<bool>();
  p.gate_drivable_area = get("gate_drivable_area").cast<bool>();
  p.gate_driving_direction = get("gate_driving_direction").cast<bool>();
  p.weight_progress = get("weight_progress").cast<double>();
  p.weight_ttc = get("weight_ttc").cast<double>();
  p.weight_comfort = get("weight_comfort").cast<double>();
  p.drivable_tolerance = get("drivable_tolerance").cast<double>();
  const std::string rule = get("direction_rule").cast<std::string>();
  if (rule == "lane_progress") {
    p.direction_rule = DirectionRule::kLaneProgress;
  } else if (rule == "off_route") {
    p.direction_rule = DirectionRule::kOffRouteDistance;
  } else {
    throw Error("profile.direction_rule is '" + rule + "', expected 'lane_progress' or 'off_route'");
  }
  p.direction_window = get("direction_window").cast<int32_t>();
  p.direction_skip_intersections = get("direction_skip_intersections").cast<bool>();
  p.direction_compliance_threshold = get("direction_compliance_threshold").cast<double>();
  p.direction_violation_threshold = get("direction_violation_threshold").cast<double>();
  p.progress_threshold = get("progress_threshold").cast<double>();
  p.clip_progress = get("clip_progress").cast<bool>();
  p.collision_stopped_speed = get("collision_stopped_speed").cast<double>();
  p.ttc_projection_steps = get("ttc_projection_steps").cast<std::vector<int32_t>>();
  p.ttc_stopped_speed = get("ttc_stopped_speed").cast<double>();
  p.use_probabilities = get("use_probabilities").cast<bool>();
  return p;
}

template <class T>
py::array_t<T> to_numpy(const Tensor<T>& t) {
  std::vector<py::ssize_t> dims;
  for (int d = 0; d < t.shape().rank(); ++d) dims.push_back(t.shape()[d]);
  py::array_t<T> a(dims);
  std::copy(t.data(), t.data() + t.numel(), a.mutable_data());
  return a;
}

py::dict score_py(py::handle states, py::handle agents, py::handle agent_extent,
                  py::handle agent_type, py::handle agent_prob, py::handle agent_valid,
                  py::handle ignored, py::handle progress_reference, float length, float width,
                  float rear_axle_to_center, double dt, const RoadMap& road_map,
                  std::vector<int32_t> route_lanes, const ReferenceLine& centerline,
                  py::handle profile, py::handle comfort_params) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array ag = call.input_floats(agents, "agents");
  Array ex = call.input_floats(agent_extent, "agent_extent");
  Array ty = call.input_ints(agent_type, "agent_type", "AgentType values");
  ScoreRequest rq;
  rq.states = st.view<const float>();
  rq.agents = ag.view<const float>();
  rq.agent_extent = ex.view<const float>();
  rq.agent_type = ty.view<const int32_t>();
  Array pr, va, ig, ref;
  if (!agent_prob.is_none()) {
    pr = call.input_floats(agent_prob, "agent_prob");
    rq.agent_prob = pr.view<const float>();
  }
  if (!agent_valid.is_none()) {
    va = call.input_bools(agent_valid, "agent_valid");
    rq.agent_valid = va.view<const bool>();
  }
  if (!ignored.is_none()) {
    ig = call.input_bools(ignored, "ignored");
    rq.ignored = ig.view<const bool>();
  }
  if (!progress_reference.is_none()) {
    ref = call.input_floats(progress_reference, "progress_reference");
    rq.progress_reference = ref.view<const float>();
  }
  rq.length = length;
  rq.width = width;
  rq.rear_axle_to_center = rear_axle_to_center;
  rq.dt = dt;
  rq.road_map = &road_map;
  rq.route_lanes = std::move(route_lanes);
  rq.centerline = &centerline;
  rq.profile = profile_from_py(profile);
  rq.profile.comfort = comfort_params_from_py(comfort_params);
  ScoreResult r;
  {
    py::gil_scoped_release nogil;
    score(rq, r);
  }
  py::dict d;
  d["total"] = to_numpy(r.total);
  d["no_collision"] = to_numpy(r.no_collision);
  d["drivable_area"] = to_numpy(r.drivable_area);
  d["driving_direction"] = to_numpy(r.driving_direction);
  d["progress"] = to_numpy(r.progress);
  d["progress_m"] = to_numpy(r.progress_m);
  d["ttc"] = to_numpy(r.ttc);
  d["comfort"] = to_numpy(r.comfort);
  d["collision_step"] = to_numpy(r.collision_step);
  d["drivable_area_step"] = to_numpy(r.drivable_area_step);
  d["driving_direction_step"] = to_numpy(r.driving_direction_step);
  d["ttc_step"] = to_numpy(r.ttc_step);
  d["comfort_step"] = to_numpy(r.comfort_step);
  d["areas"] = to_numpy(r.areas);
  d["collision_type"] = to_numpy(r.collision_type);
  d["comfort_failed"] = to_numpy(r.comfort_failed);
  return d;
}

}  // namespace

void bind_scoring(py::module_& m) {
  m.def("_score", &score_py, py::arg("states"), py::arg("agents"), py::arg("agent_extent"),
        py::arg("agent_type"), py::arg("agent_prob"), py::arg("agent_valid"), py::arg("ignored"),
        py::arg("progress_reference"), py::arg("length"), py::arg("width"),
        py::arg("rear_axle_to_center"), py::arg("dt"), py::arg("road_map"),
        py::arg("route_lanes"), py::arg("centerline"), py::arg("profile"),
        py::arg("comfort_params"));
  m.def("_validate_scoring_profile", [](py::handle profile) { validate(profile_from_py(profile)); },
        py::arg("profile"));
}

}  // namespace trajcore::bindings
