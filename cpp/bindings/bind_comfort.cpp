// Python bindings of trajcore/comfort.hpp: conversion and validation only.
#include "bindings.hpp"
#include "params.hpp"
#include "boundary.hpp"
#include "trajcore/comfort.hpp"
#include "trajcore/error.hpp"

namespace trajcore::bindings {
namespace {

py::tuple comfort_py(py::handle states, double dt, py::handle params, bool with_series) {
  Call call;
  Array st = call.input_floats(states, "states");
  const ComfortParams p = comfort_params_from_py(params);
  const Shape lead = st.shape.rank() >= 2 ? st.shape.without_last().without_last() : Shape{};
  Array score = call.output(py::none(), "score", lead, DType::kFloat32);
  Array failed = call.output(py::none(), "failed", lead, DType::kInt32);
  Array first = call.output(py::none(), "first_step", lead, DType::kInt32);
  Array series;
  ComfortOutputs out{score.view<float>(), failed.view<int32_t>(), first.view<int32_t>(), {}};
  if (with_series) {
    Shape shape = lead;
    shape.push_back(6);
    shape.push_back(st.shape.rank() >= 2 ? st.shape[st.shape.rank() - 2] : 0);
    series = call.output(py::none(), "series", shape, DType::kFloat32);
    out.series = series.view<float>();
  }
  {
    py::gil_scoped_release nogil;
    comfort(st.view<const float>(), dt, p, out);
  }
  return py::make_tuple(score.object, failed.object, first.object,
                        with_series ? series.object : py::none());
}

py::object extended_comfort_py(py::handle states, py::handle previous, int32_t shift, double dt,
                               py::handle params) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array pv = call.input_floats(previous, "previous");
  const ExtendedComfortParams p = extended_comfort_params_from_py(params);
  const Shape lead = st.shape.rank() >= 2 ? st.shape.without_last().without_last() : Shape{};
  Array score = call.output(py::none(), "score", lead, DType::kFloat32);
  {
    py::gil_scoped_release nogil;
    extended_comfort(st.view<const float>(), pv.view<const float>(), shift, dt, p,
                     score.view<float>());
  }
  return score.object;
}

}  // namespace

void bind_comfort(py::module_& m) {
  m.def("_extended_comfort", &extended_comfort_py, py::arg("states"), py::arg("previous"),
        py::arg("shift"), py::arg("dt"), py::arg("params"));
  m.def("_comfort", &comfort_py, py::arg("states"), py::arg("dt"), py::arg("params"),
        py::arg("with_series"));
}

}  // namespace trajcore::bindings
