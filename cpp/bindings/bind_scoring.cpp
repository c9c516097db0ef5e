// Python bindings of trajcore/scoring.hpp: conversion and validation only.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "boundary.hpp"
#include "numpy_copy.hpp"
#include "params.hpp"
#include "trajcore/error.hpp"
#include "trajcore/scoring.hpp"

namespace trajcore::bindings {
namespace {

py::dict score_py(py::handle states, py::handle agents, py::handle agent_extent,
                  py::handle agent_type, py::handle agent_prob, py::handle agent_valid,
                  py::handle ignored, py::handle progress_reference, py::handle agent_speed,
                  py::handle expert, py::handle history, py::handle previous,
                  int32_t previous_shift, py::handle red_lights, float length, float width,
                  float rear_axle_to_center, double dt, const RoadMap& road_map,
                  std::vector<int32_t> route_lanes, const ReferenceLine& centerline,
                  py::handle profile) {
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
  Array pr = call.optional_floats(agent_prob, "agent_prob");
  Array va = call.optional_bools(agent_valid, "agent_valid");
  Array ig = call.optional_bools(ignored, "ignored");
  Array ref = call.optional_floats(progress_reference, "progress_reference");
  rq.agent_prob = pr.view<const float>();
  rq.agent_valid = va.view<const bool>();
  rq.ignored = ig.view<const bool>();
  rq.progress_reference = ref.view<const float>();
  Array sp = call.optional_floats(agent_speed, "agent_speed");
  Array xp = call.optional_floats(expert, "expert");
  Array hi = call.optional_floats(history, "history");
  Array pv = call.optional_floats(previous, "previous");
  Array rl;
  if (!red_lights.is_none()) rl = call.input_ints(red_lights, "red_lights", "lane indices");
  rq.agent_speed = sp.view<const float>();
  rq.expert = xp.view<const float>();
  rq.history = hi.view<const float>();
  rq.previous = pv.view<const float>();
  rq.previous_shift = previous_shift;
  if (!red_lights.is_none()) rq.red_lights = rl.view<const int32_t>();
  rq.length = length;
  rq.width = width;
  rq.rear_axle_to_center = rear_axle_to_center;
  rq.dt = dt;
  rq.road_map = &road_map;
  rq.route_lanes = std::move(route_lanes);
  rq.centerline = &centerline;
  rq.profile = scoring_profile_from_py(profile);
  ScoreResult r;
  {
    py::gil_scoped_release nogil;
    score(rq, r);
  }
  return score_result_dict(r);
}

}  // namespace

void bind_scoring(py::module_& m) {
  m.def("_score", &score_py, py::arg("states"), py::arg("agents"), py::arg("agent_extent"),
        py::arg("agent_type"), py::arg("agent_prob"), py::arg("agent_valid"), py::arg("ignored"),
        py::arg("progress_reference"), py::arg("agent_speed"), py::arg("expert"),
        py::arg("history"), py::arg("previous"), py::arg("previous_shift"), py::arg("red_lights"),
        py::arg("length"), py::arg("width"), py::arg("rear_axle_to_center"), py::arg("dt"),
        py::arg("road_map"), py::arg("route_lanes"), py::arg("centerline"), py::arg("profile"));
  m.def(
      "_validate_scoring_profile",
      [](py::handle profile) { validate(scoring_profile_from_py(profile)); }, py::arg("profile"));
}

}  // namespace trajcore::bindings
