// Python bindings of trajcore/vehicle.hpp and trajcore/rollout.hpp: conversion and validation
// only (see boundary.hpp). Vehicle parameters cross as any object with the C++ field names as
// attributes (the frozen dataclass trajcore.VehicleParams).
#include <optional>

#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/error.hpp"
#include "trajcore/rollout.hpp"
#include "trajcore/vehicle.hpp"
#include "params.hpp"

namespace trajcore::bindings {
namespace {

py::dict params_to_py(const VehicleParams& p) {
  py::dict d;
  d["length"] = p.length;
  d["width"] = p.width;
  d["wheelbase"] = p.wheelbase;
  d["rear_axle_to_center"] = p.rear_axle_to_center;
  d["max_acceleration"] = p.max_acceleration;
  d["max_deceleration"] = p.max_deceleration;
  d["max_jerk"] = p.max_jerk;
  d["max_steering_angle"] = p.max_steering_angle;
  d["max_steering_rate"] = p.max_steering_rate;
  d["max_lateral_acceleration"] = p.max_lateral_acceleration;
  if (p.has_trailer) {
    py::dict t;
    t["length"] = p.trailer.length;
    t["width"] = p.trailer.width;
    t["wheelbase"] = p.trailer.wheelbase;
    t["axle_to_center"] = p.trailer.axle_to_center;
    t["hitch_offset"] = p.trailer.hitch_offset;
    t["max_articulation"] = p.trailer.max_articulation;
    d["trailer"] = t;
  } else {
    d["trailer"] = py::none();
  }
  return d;
}

py::dict vehicle_preset(const std::string& name) {
  if (name == "passenger_car") return params_to_py(VehicleParams::passenger_car());
  if (name == "semi_truck") return params_to_py(VehicleParams::semi_truck());
  throw Error("preset is '" + name + "', expected 'passenger_car' or 'semi_truck'");
}

template <class Real>
py::tuple rollout_py(py::handle state0, py::handle controls, py::handle params, double dt,
                     py::handle articulation0) {
  constexpr bool kDouble = std::is_same_v<Real, double>;
  constexpr DType kType = kDouble ? DType::kFloat64 : DType::kFloat32;
  Call call;
  auto input = [&](py::handle obj, const char* name) {
    return kDouble ? call.input_doubles(obj, name) : call.input_floats(obj, name);
  };
  Array a_state = input(state0, "state0");
  Array a_controls = input(controls, "controls");
  std::optional<Array> a_art;
  if (!articulation0.is_none()) a_art = input(articulation0, "articulation0");

  BasicRolloutRequest<Real> request;
  request.state0 = a_state.view<const Real>();
  request.controls = a_controls.view<const Real>();
  if (a_art) request.articulation0 = a_art->view<const Real>();
  request.params = vehicle_params_from_py(params);
  request.dt = dt;
  const RolloutShapes shapes = rollout_shapes(request);
  Array states = call.output(py::none(), "states", shapes.states, kType);
  Array saturation = call.output(py::none(), "saturation", shapes.saturation, DType::kInt32);
  std::optional<Array> trailer;
  if (request.params.has_trailer) trailer = call.output(py::none(), "trailer", shapes.trailer, kType);
  BasicRolloutOutputs<Real> out{states.view<Real>(), saturation.view<int32_t>(),
                                trailer ? trailer->view<Real>() : TensorView<Real>{}};
  {
    py::gil_scoped_release nogil;
    rollout(request, out, call.stream());
  }
  return py::make_tuple(states.object, saturation.object, trailer ? trailer->object : py::none());
}

py::tuple rollout_backward_py(py::handle state0, py::handle controls, py::handle params, double dt,
                              py::handle articulation0, py::handle grad_states,
                              py::handle grad_trailer) {
  Call call;
  Array a_state = call.input_doubles(state0, "state0");
  Array a_controls = call.input_doubles(controls, "controls");
  std::optional<Array> a_art, a_gt;
  if (!articulation0.is_none()) a_art = call.input_doubles(articulation0, "articulation0");
  Array a_gs = call.input_doubles(grad_states, "grad_states");
  if (!grad_trailer.is_none()) a_gt = call.input_doubles(grad_trailer, "grad_trailer");

  BasicRolloutRequest<double> request;
  request.state0 = a_state.view<const double>();
  request.controls = a_controls.view<const double>();
  if (a_art) request.articulation0 = a_art->view<const double>();
  request.params = vehicle_params_from_py(params);
  request.dt = dt;
  const RolloutShapes shapes = rollout_shapes(request);
  const Shape per_candidate = shapes.saturation.without_last();
  Shape state_shape = per_candidate;
  state_shape.push_back(6);
  Shape control_shape = shapes.saturation;
  control_shape.push_back(2);
  Array g_state = call.output(py::none(), "grad_state0", state_shape, DType::kFloat64);
  Array g_controls = call.output(py::none(), "grad_controls", control_shape, DType::kFloat64);
  std::optional<Array> g_art;
  if (request.params.has_trailer) {
    g_art = call.output(py::none(), "grad_articulation0", per_candidate, DType::kFloat64);
  }
  RolloutGradients grads{g_state.view<double>(), g_controls.view<double>(),
                         g_art ? g_art->view<double>() : TensorView<double>{}};
  {
    py::gil_scoped_release nogil;
    rollout_backward(request, a_gs.view<const double>(),
                     a_gt ? a_gt->view<const double>() : TensorView<const double>{}, grads);
  }
  return py::make_tuple(g_state.object, g_controls.object, g_art ? g_art->object : py::none());
}

}  // namespace

void bind_rollout(py::module_& m) {
  m.def("_vehicle_preset", &vehicle_preset, py::arg("name"),
        "Fields of a C++ VehicleParams preset ('passenger_car' or 'semi_truck') as a dict.");
  m.def("_validate_vehicle_params", [](py::handle params) { vehicle_params_from_py(params); },
        py::arg("params"), "Raises ValueError naming the first invalid field.");
  m.def("_rollout", &rollout_py<float>, py::arg("state0"), py::arg("controls"), py::arg("params"),
        py::arg("dt"), py::arg("articulation0"),
        "float32 rollout: (states, saturation, trailer or None). Use trajcore.rollout.");
  m.def("_rollout_f64", &rollout_py<double>, py::arg("state0"), py::arg("controls"),
        py::arg("params"), py::arg("dt"), py::arg("articulation0"),
        "float64 rollout (inputs must be float64): (states, saturation, trailer or None).");
  m.def("_rollout_backward", &rollout_backward_py, py::arg("state0"), py::arg("controls"),
        py::arg("params"), py::arg("dt"), py::arg("articulation0"), py::arg("grad_states"),
        py::arg("grad_trailer"),
        "Vector-Jacobian product of the float64 rollout: (grad_state0 per candidate (..., N, 6), "
        "grad_controls, grad_articulation0 per candidate or None).");
}

}  // namespace trajcore::bindings
