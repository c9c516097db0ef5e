// Python bindings of trajcore/reference_line.hpp: conversion and validation only.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/error.hpp"
#include "trajcore/reference_line.hpp"

namespace trajcore::bindings {
namespace {

ReferenceLine make_line(py::handle points, double spacing, double smoothing) {
  Call call;
  Array a = Array::import(points, "points");
  const ReferenceLineOptions options{spacing, smoothing};
  if (a.dtype == DType::kFloat64) {
    Array d = call.input_doubles(points, "points");
    return ReferenceLine(d.view<const double>(), options);
  }
  Array f = call.input_floats(points, "points");
  return ReferenceLine(f.view<const float>(), options);
}

template <void (ReferenceLine::*kOp)(TensorView<const float>, TensorView<float>) const>
py::object pairs_py(const ReferenceLine& line, py::handle in, const char* in_name,
                    const char* out_name) {
  Call call;
  Array a = call.input_floats(in, in_name);
  Array out = call.output(py::none(), out_name, a.shape, DType::kFloat32);
  {
    py::gil_scoped_release nogil;
    (line.*kOp)(a.view<const float>(), out.view<float>());
  }
  return out.object;
}

py::object evaluate_py(const ReferenceLine& line, py::handle s) {
  Call call;
  Array a = call.input_floats(s, "s");
  Shape shape = a.shape;
  shape.push_back(4);
  Array out = call.output(py::none(), "pose", shape, DType::kFloat32);
  {
    py::gil_scoped_release nogil;
    line.evaluate(a.view<const float>(), out.view<float>());
  }
  return out.object;
}

}  // namespace

void bind_reference_line(py::module_& m) {
  py::class_<ReferenceLine>(m, "_ReferenceLine")
      .def(py::init(&make_line), py::arg("points"), py::arg("spacing"), py::arg("smoothing"))
      .def_property_readonly("length", &ReferenceLine::length)
      .def_property_readonly("spacing", &ReferenceLine::spacing)
      .def("samples",
           [](const ReferenceLine& l) {
             return py::make_tuple(l.sample_x(), l.sample_y(), l.sample_heading(),
                                   l.sample_curvature());
           })
      .def("project", [](const ReferenceLine& l, py::handle xy) {
        return pairs_py<&ReferenceLine::project>(l, xy, "xy", "sd");
      })
      .def("to_cartesian", [](const ReferenceLine& l, py::handle sd) {
        return pairs_py<&ReferenceLine::to_cartesian>(l, sd, "sd", "xy");
      })
      .def("evaluate", &evaluate_py);
}

}  // namespace trajcore::bindings
