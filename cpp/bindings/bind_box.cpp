// Python bindings of trajcore/box.hpp: conversion and validation only (see boundary.hpp).
#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/box.hpp"

namespace trajcore::bindings {
namespace {

py::object box_corners_py(py::handle boxes, py::handle out) {
  Call call;
  Array in = call.input_floats(boxes, "boxes");
  Array result = call.output(out, "out", box_corners_shape(in.shape), DType::kFloat32);
  {
    py::gil_scoped_release nogil;
    box_corners(in.view<const float>(), result.view<float>(), call.stream());
  }
  return result.object;
}

template <DType kOut, class T, void (*kOp)(TensorView<const float>, TensorView<const float>,
                                           TensorView<T>, Stream)>
py::object box_pair_py(py::handle a, py::handle b, py::handle out) {
  Call call;
  Array ia = call.input_floats(a, "a");
  Array ib = call.input_floats(b, "b");
  Array result = call.output(out, "out", box_pair_shape(ia.shape, ib.shape), kOut);
  {
    py::gil_scoped_release nogil;
    kOp(ia.view<const float>(), ib.view<const float>(), result.view<T>(), call.stream());
  }
  return result.object;
}

}  // namespace

void bind_box(py::module_& m) {
  m.def("box_corners", &box_corners_py, py::arg("boxes"), py::kw_only(), py::arg("out") = py::none(),
        R"doc(Corners of boxes (..., 5) = (x, y, yaw, length, width) as (..., 4, 2).

Counter-clockwise from front-left: front-left, rear-left, rear-right, front-right.)doc");
  m.def("box_overlap", &box_pair_py<DType::kBool, bool, box_overlap>, py::arg("a"), py::arg("b"),
        py::kw_only(), py::arg("out") = py::none(),
        R"doc(Whether oriented boxes a (..., 5) and b (..., 5) overlap (separating-axis test).

Touching counts as overlap. Leading dimensions broadcast; the result is bool.)doc");
  m.def("box_distance", &box_pair_py<DType::kFloat32, float, box_distance>, py::arg("a"),
        py::arg("b"), py::kw_only(), py::arg("out") = py::none(),
        R"doc(Signed distance between oriented boxes a (..., 5) and b (..., 5).

The Euclidean gap between the rectangles when apart, 0 when they touch, minus the penetration
depth (the shortest separating translation) when they overlap. Leading dimensions broadcast.)doc");
}

}  // namespace trajcore::bindings
