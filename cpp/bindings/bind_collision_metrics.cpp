// Python bindings of trajcore/collision_metrics.hpp: conversion and validation only.
#include <pybind11/stl.h>

#include <vector>

#include "bindings.hpp"
#include "boundary.hpp"
#include "params.hpp"
#include "trajcore/collision_metrics.hpp"
#include "trajcore/error.hpp"

namespace trajcore::bindings {
namespace {

py::tuple at_fault_py(py::handle states, py::handle areas, py::handle agents,
                      py::handle agent_extent, py::handle agent_type, py::handle agent_first_step,
                      py::handle agent_prob, py::handle agent_speed, py::handle ignored,
                      float length, float width, float rear_axle_to_center, double dt,
                      double stopped_speed, double behind_angle, int32_t scoring,
                      bool vru_lateral_at_fault) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array ar = call.input_ints(areas, "areas", "the flags from ego_areas");
  Array ag = call.input_floats(agents, "agents");
  Array ex = call.input_floats(agent_extent, "agent_extent");
  Array ty = call.input_ints(agent_type, "agent_type", "AgentType values");
  Array fs = call.input_ints(agent_first_step, "agent_first_step", "from check_collisions");
  AtFaultRequest rq;
  rq.states = st.view<const float>();
  rq.areas = ar.view<const int32_t>();
  rq.agents = ag.view<const float>();
  rq.agent_extent = ex.view<const float>();
  rq.agent_type = ty.view<const int32_t>();
  rq.agent_first_step = fs.view<const int32_t>();
  Array pr = call.optional_floats(agent_prob, "agent_prob");
  Array sp = call.optional_floats(agent_speed, "agent_speed");
  Array ig = call.optional_bools(ignored, "ignored");
  rq.agent_prob = pr.view<const float>();
  rq.agent_speed = sp.view<const float>();
  rq.ignored = ig.view<const bool>();
  rq.length = length;
  rq.width = width;
  rq.rear_axle_to_center = rear_axle_to_center;
  rq.dt = dt;
  rq.stopped_speed = stopped_speed;
  rq.behind_angle = behind_angle;
  rq.scoring = static_cast<AtFaultScoring>(scoring);
  rq.vru_lateral_at_fault = vru_lateral_at_fault;
  const Shape per_candidate = st.shape.without_last().without_last();
  Shape types = per_candidate;
  const Shape& a = ag.shape;
  if (a.rank() >= 4) {
    types.push_back(a[a.rank() - 4]);
    types.push_back(a[a.rank() - 3]);
  }
  Array score = call.output(py::none(), "score", per_candidate, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", per_candidate, DType::kInt32);
  Array kind = call.output(py::none(), "collision_type", types, DType::kInt32);
  Array prob;
  AtFaultOutputs out{score.view<float>(), {}, first.view<int32_t>(), kind.view<int32_t>()};
  if (!agent_prob.is_none()) {
    prob = call.output(py::none(), "at_fault_prob", per_candidate, DType::kFloat32);
    out.at_fault_prob = prob.view<float>();
  }
  {
    py::gil_scoped_release nogil;
    at_fault_collisions(rq, out);
  }
  return py::make_tuple(score.object, agent_prob.is_none() ? py::none() : prob.object, first.object,
                        kind.object);
}

py::tuple ttc_py(py::handle states, py::handle areas, py::handle agents, py::handle agent_extent,
                 py::handle agent_prob, py::handle agent_valid, py::handle ignored,
                 py::handle agent_first_step, float length, float width, float rear_axle_to_center,
                 double dt, std::vector<int32_t> projection_steps, double stopped_speed,
                 double ahead_angle, double behind_angle) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array ar = call.input_ints(areas, "areas", "the flags from ego_areas");
  Array ag = call.input_floats(agents, "agents");
  Array ex = call.input_floats(agent_extent, "agent_extent");
  TtcRequest rq;
  rq.states = st.view<const float>();
  rq.areas = ar.view<const int32_t>();
  rq.agents = ag.view<const float>();
  rq.agent_extent = ex.view<const float>();
  Array pr = call.optional_floats(agent_prob, "agent_prob");
  Array va = call.optional_bools(agent_valid, "agent_valid");
  Array ig = call.optional_bools(ignored, "ignored");
  rq.agent_prob = pr.view<const float>();
  rq.agent_valid = va.view<const bool>();
  rq.ignored = ig.view<const bool>();
  Array fs;
  if (!agent_first_step.is_none()) {
    fs = call.input_ints(agent_first_step, "agent_first_step", "from check_collisions");
    rq.agent_first_step = fs.view<const int32_t>();
  }
  rq.length = length;
  rq.width = width;
  rq.rear_axle_to_center = rear_axle_to_center;
  rq.dt = dt;
  rq.projection_steps = std::move(projection_steps);
  rq.stopped_speed = stopped_speed;
  rq.ahead_angle = ahead_angle;
  rq.behind_angle = behind_angle;
  const Shape per_candidate = st.shape.without_last().without_last();
  Array score = call.output(py::none(), "score", per_candidate, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", per_candidate, DType::kInt32);
  Array prob;
  TtcOutputs out{score.view<float>(), {}, first.view<int32_t>()};
  if (!agent_prob.is_none()) {
    prob = call.output(py::none(), "violation_prob", per_candidate, DType::kFloat32);
    out.violation_prob = prob.view<float>();
  }
  {
    py::gil_scoped_release nogil;
    time_to_collision(rq, out);
  }
  return py::make_tuple(score.object, agent_prob.is_none() ? py::none() : prob.object,
                        first.object);
}

py::tuple nuplan_ttc_py(py::handle states, py::handle areas, py::handle agents,
                        py::handle agent_extent, py::handle agent_type, py::handle agent_speed,
                        py::handle agent_prob, py::handle agent_valid, py::handle ignored,
                        py::handle agent_first_step, py::handle at_fault_step, float length,
                        float width, float rear_axle_to_center, double dt, double time_step,
                        double time_horizon, double least_min_ttc, double stopped_speed,
                        double ahead_angle, double behind_angle) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array ar = call.input_ints(areas, "areas", "the flags from ego_areas");
  Array ag = call.input_floats(agents, "agents");
  Array ex = call.input_floats(agent_extent, "agent_extent");
  Array ty = call.input_ints(agent_type, "agent_type", "AgentType values");
  Array sp = call.optional_floats(agent_speed, "agent_speed");
  Array pr = call.optional_floats(agent_prob, "agent_prob");
  Array va = call.optional_bools(agent_valid, "agent_valid");
  Array ig = call.optional_bools(ignored, "ignored");
  Array fs;
  Array af;
  if (!agent_first_step.is_none())
    fs = call.input_ints(agent_first_step, "agent_first_step", "from check_collisions");
  if (!at_fault_step.is_none())
    af = call.input_ints(at_fault_step, "at_fault_step", "from at_fault_collisions");
  NuplanTtcRequest rq;
  rq.states = st.view<const float>();
  rq.areas = ar.view<const int32_t>();
  rq.agents = ag.view<const float>();
  rq.agent_extent = ex.view<const float>();
  rq.agent_type = ty.view<const int32_t>();
  rq.agent_speed = sp.view<const float>();
  rq.agent_prob = pr.view<const float>();
  rq.agent_valid = va.view<const bool>();
  rq.ignored = ig.view<const bool>();
  if (!agent_first_step.is_none()) rq.agent_first_step = fs.view<const int32_t>();
  if (!at_fault_step.is_none()) rq.at_fault_step = af.view<const int32_t>();
  rq.length = length;
  rq.width = width;
  rq.rear_axle_to_center = rear_axle_to_center;
  rq.dt = dt;
  rq.time_step = time_step;
  rq.time_horizon = time_horizon;
  rq.least_min_ttc = least_min_ttc;
  rq.stopped_speed = stopped_speed;
  rq.ahead_angle = ahead_angle;
  rq.behind_angle = behind_angle;
  const Shape per_candidate = st.shape.without_last().without_last();
  Array score = call.output(py::none(), "score", per_candidate, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", per_candidate, DType::kInt32);
  Array min_ttc = call.output(py::none(), "min_ttc", per_candidate, DType::kFloat32);
  Array prob;
  NuplanTtcOutputs out{score.view<float>(), {}, first.view<int32_t>(), min_ttc.view<float>()};
  if (!agent_prob.is_none()) {
    prob = call.output(py::none(), "violation_prob", per_candidate, DType::kFloat32);
    out.violation_prob = prob.view<float>();
  }
  {
    py::gil_scoped_release nogil;
    nuplan_time_to_collision(rq, out);
  }
  return py::make_tuple(score.object, agent_prob.is_none() ? py::none() : prob.object, first.object,
                        min_ttc.object);
}

py::tuple safe_distance_py(py::handle states, py::handle agents, py::handle agent_extent,
                           py::handle agent_prob, py::handle agent_valid, py::handle ignored,
                           float length, float width, double dt, py::handle params) {
  SafeDistanceRequest rq;
  rq.params = safe_distance_params_from_py(params);
  Call call;
  Array st = call.input_floats(states, "states");
  Array ag = call.input_floats(agents, "agents");
  Array ex = call.input_floats(agent_extent, "agent_extent");
  Array pr = call.optional_floats(agent_prob, "agent_prob");
  Array va = call.optional_bools(agent_valid, "agent_valid");
  Array ig = call.optional_bools(ignored, "ignored");
  rq.states = st.view<const float>();
  rq.agents = ag.view<const float>();
  rq.agent_extent = ex.view<const float>();
  rq.agent_prob = pr.view<const float>();
  rq.agent_valid = va.view<const bool>();
  rq.ignored = ig.view<const bool>();
  rq.length = length;
  rq.width = width;
  rq.dt = dt;
  const Shape per_candidate = st.shape.rank() >= 2 ? st.shape.without_last().without_last()
                                                   : Shape{};
  Array score = call.output(py::none(), "score", per_candidate, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", per_candidate, DType::kInt32);
  Array prob;
  SafeDistanceOutputs out{score.view<float>(), {}, first.view<int32_t>()};
  if (!agent_prob.is_none()) {
    prob = call.output(py::none(), "violation_prob", per_candidate, DType::kFloat32);
    out.violation_prob = prob.view<float>();
  }
  {
    py::gil_scoped_release nogil;
    safe_distance(rq, out);
  }
  return py::make_tuple(score.object, agent_prob.is_none() ? py::none() : prob.object,
                        first.object);
}

}  // namespace

void bind_collision_metrics(py::module_& m) {
  m.def("_safe_distance", &safe_distance_py, py::arg("states"), py::arg("agents"),
        py::arg("agent_extent"), py::arg("agent_prob"), py::arg("agent_valid"), py::arg("ignored"),
        py::arg("length"), py::arg("width"), py::arg("dt"), py::arg("params"));
  m.def(
      "_validate_safe_distance_params",
      [](py::handle params) { validate(safe_distance_params_from_py(params)); },
      py::arg("params"));
  m.def("_nuplan_time_to_collision", &nuplan_ttc_py, py::arg("states"), py::arg("areas"),
        py::arg("agents"), py::arg("agent_extent"), py::arg("agent_type"), py::arg("agent_speed"),
        py::arg("agent_prob"), py::arg("agent_valid"), py::arg("ignored"),
        py::arg("agent_first_step"), py::arg("at_fault_step"), py::arg("length"), py::arg("width"),
        py::arg("rear_axle_to_center"), py::arg("dt"), py::arg("time_step"),
        py::arg("time_horizon"), py::arg("least_min_ttc"), py::arg("stopped_speed"),
        py::arg("ahead_angle"), py::arg("behind_angle"));
  m.def("_time_to_collision", &ttc_py, py::arg("states"), py::arg("areas"), py::arg("agents"),
        py::arg("agent_extent"), py::arg("agent_prob"), py::arg("agent_valid"), py::arg("ignored"),
        py::arg("agent_first_step"), py::arg("length"), py::arg("width"),
        py::arg("rear_axle_to_center"), py::arg("dt"), py::arg("projection_steps"),
        py::arg("stopped_speed"), py::arg("ahead_angle"), py::arg("behind_angle"));
  m.def("_at_fault_collisions", &at_fault_py, py::arg("states"), py::arg("areas"),
        py::arg("agents"), py::arg("agent_extent"), py::arg("agent_type"),
        py::arg("agent_first_step"), py::arg("agent_prob"), py::arg("agent_speed"),
        py::arg("ignored"), py::arg("length"), py::arg("width"), py::arg("rear_axle_to_center"),
        py::arg("dt"), py::arg("stopped_speed"), py::arg("behind_angle"), py::arg("scoring"),
        py::arg("vru_lateral_at_fault"));
}

}  // namespace trajcore::bindings
