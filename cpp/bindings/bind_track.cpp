// Python bindings of trajcore/track.hpp: conversion and validation only (see boundary.hpp).
#include <optional>

#include "bindings.hpp"
#include "boundary.hpp"
#include "params.hpp"
#include "trajcore/track.hpp"

namespace trajcore::bindings {
namespace {

template <class Real>
py::tuple track_py(py::handle state0, py::handle references, py::handle params,
                   py::handle tracker, double dt, py::handle articulation0) {
  constexpr bool kDouble = std::is_same_v<Real, double>;
  constexpr DType kType = kDouble ? DType::kFloat64 : DType::kFloat32;
  Call call;
  auto input = [&](py::handle obj, const char* name) {
    return kDouble ? call.input_doubles(obj, name) : call.input_floats(obj, name);
  };
  Array a_state = input(state0, "state0");
  Array a_refs = input(references, "references");
  std::optional<Array> a_art;
  if (!articulation0.is_none()) a_art = input(articulation0, "articulation0");

  BasicTrackRequest<Real> request;
  request.state0 = a_state.view<const Real>();
  request.references = a_refs.view<const Real>();
  if (a_art) request.articulation0 = a_art->view<const Real>();
  request.params = vehicle_params_from_py(params);
  request.tracker = tracker_params_from_py(tracker);
  request.dt = dt;
  const TrackShapes shapes = track_shapes(request);
  Array states = call.output(py::none(), "states", shapes.states, kType);
  Array saturation = call.output(py::none(), "saturation", shapes.saturation, DType::kInt32);
  Array controls = call.output(py::none(), "controls", shapes.controls, kType);
  std::optional<Array> trailer;
  if (request.params.has_trailer) trailer = call.output(py::none(), "trailer", shapes.trailer, kType);
  BasicTrackOutputs<Real> out{states.view<Real>(), saturation.view<int32_t>(),
                              controls.view<Real>(),
                              trailer ? trailer->view<Real>() : TensorView<Real>{}};
  {
    py::gil_scoped_release nogil;
    track(request, out, call.stream());
  }
  return py::make_tuple(states.object, saturation.object, controls.object,
                        trailer ? trailer->object : py::none());
}

}  // namespace

void bind_track(py::module_& m) {
  m.def("_validate_tracker_params", [](py::handle tracker) { tracker_params_from_py(tracker); },
        py::arg("tracker"), "Raises ValueError naming the first invalid field.");
  m.def("_track", &track_py<float>, py::arg("state0"), py::arg("references"), py::arg("params"),
        py::arg("tracker"), py::arg("dt"), py::arg("articulation0"),
        "float32 tracking: (states, saturation, controls, trailer or None). Use trajcore.track.");
  m.def("_track_f64", &track_py<double>, py::arg("state0"), py::arg("references"),
        py::arg("params"), py::arg("tracker"), py::arg("dt"), py::arg("articulation0"),
        "float64 tracking (inputs must be float64): (states, saturation, controls, trailer).");
}

}  // namespace trajcore::bindings
