// Python bindings of trajcore/agents.hpp: conversion and validation only (see boundary.hpp).
#include <optional>
#include <string>

#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/agents.hpp"
#include "trajcore/error.hpp"

namespace trajcore::bindings {
namespace {

MotionModel model_from_name(const std::string& name) {
  if (name == "cv") return MotionModel::kConstantVelocity;
  if (name == "ctrv") return MotionModel::kConstantTurnRate;
  throw Error("model is '" + name + "', expected 'cv' or 'ctrv'");
}

py::object propagate_agents_py(py::handle states, int64_t steps, double dt,
                               const std::string& model, py::handle valid) {
  const MotionModel m = model_from_name(model);
  Call call;
  Array a_states = call.input_floats(states, "states");
  std::optional<Array> a_valid;
  if (!valid.is_none()) a_valid = call.input_bools(valid, "valid");
  Array out = call.output(py::none(), "out", propagate_agents_shape(a_states.shape, steps, dt, m),
                          DType::kFloat32);
  {
    py::gil_scoped_release nogil;
    propagate_agents(a_states.view<const float>(),
                     a_valid ? a_valid->view<const bool>() : TensorView<const bool>{}, steps, dt, m,
                     out.view<float>(), call.stream());
  }
  return out.object;
}

PhysicsModes physics_modes_from_py(py::handle obj) {
  PhysicsModes m;
  m.constant_velocity = obj.attr("constant_velocity").cast<double>();
  m.constant_turn_rate = obj.attr("constant_turn_rate").cast<double>();
  m.hold = obj.attr("hold").cast<double>();
  m.hold_speed = obj.attr("hold_speed").cast<double>();
  m.standing_speed = obj.attr("standing_speed").cast<double>();
  m.standing_learned = obj.attr("standing_learned").cast<double>();
  m.standing_window = obj.attr("standing_window").cast<int64_t>();
  m.yaw_rate_window = obj.attr("yaw_rate_window").cast<int64_t>();
  m.heading_speed = obj.attr("heading_speed").cast<double>();
  m.max_curvature = obj.attr("max_curvature").cast<double>();
  return m;
}

py::tuple add_physics_modes_py(py::handle agents, py::handle agent_prob, py::handle predicted,
                               py::handle history, py::handle history_valid, double dt,
                               py::handle modes) {
  PhysicsModesRequest rq;
  rq.modes = physics_modes_from_py(modes);
  Call call;
  Array a = call.input_floats(agents, "agents");
  Array p = call.input_floats(agent_prob, "agent_prob");
  Array d = call.input_bools(predicted, "predicted");
  Array h = call.input_doubles(history, "history");
  Array hv = call.input_bools(history_valid, "history_valid");
  for (const Array* in : {&a, &p, &d, &h, &hv}) {
    if (in->device.is_cuda()) {
      throw Error(std::string(in->name) + " is on " + in->device.str() +
                  ", expected a CPU array: add_physics_modes runs on the CPU");
    }
  }
  rq.agents = a.view<const float>();
  rq.agent_prob = p.view<const float>();
  rq.predicted = d.view<const bool>();
  rq.history = h.view<const double>();
  rq.history_valid = hv.view<const bool>();
  rq.dt = dt;
  Shape shape_agents = a.shape, shape_prob = p.shape;
  if (shape_agents.rank() == 4) shape_agents[1] += 3;
  if (shape_prob.rank() == 2) shape_prob[1] += 3;
  Array out_agents = call.output(py::none(), "out_agents", shape_agents, DType::kFloat32);
  Array out_prob = call.output(py::none(), "out_prob", shape_prob, DType::kFloat32);
  Array out_valid = call.output(py::none(), "out_valid", Shape{shape_agents.rank() ? shape_agents[0] : 0}, DType::kBool);
  {
    py::gil_scoped_release nogil;
    add_physics_modes(rq, out_agents.view<float>(), out_prob.view<float>(),
                      out_valid.view<bool>());
  }
  return py::make_tuple(out_agents.object, out_prob.object, out_valid.object);
}

}  // namespace

void bind_agents(py::module_& m) {
  m.def("_propagate_agents", &propagate_agents_py, py::arg("states"), py::arg("T"), py::arg("dt"),
        py::arg("model"), py::arg("valid"), "Use trajcore.propagate_agents.");
  m.def("_add_physics_modes", &add_physics_modes_py, py::arg("agents"), py::arg("agent_prob"),
        py::arg("predicted"), py::arg("history"), py::arg("history_valid"), py::arg("dt"),
        py::arg("modes"), "Use trajcore.add_physics_modes.");
  m.def(
      "_validate_physics_modes", [](py::handle modes) { validate(physics_modes_from_py(modes)); },
      py::arg("modes"));
}

}  // namespace trajcore::bindings
