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

}  // namespace

void bind_agents(py::module_& m) {
  m.def("_propagate_agents", &propagate_agents_py, py::arg("states"), py::arg("T"), py::arg("dt"),
        py::arg("model"), py::arg("valid"), "Use trajcore.propagate_agents.");
}

}  // namespace trajcore::bindings
