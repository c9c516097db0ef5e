// Python bindings of trajcore/road_map.hpp: conversion and validation only.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/error.hpp"
#include "trajcore/road_map.hpp"

namespace trajcore::bindings {
namespace {

// lanes: sequence of (centerline, left, right, speed_limit, successors, in_intersection) with
// float64 arrays.
std::unique_ptr<RoadMap> make_map(py::sequence lanes, py::sequence drivable_areas,
                                  double cell_size) {
  Call call;
  std::vector<Array> keep;  // the imported arrays stay alive until the map is built
  RoadMapSpec spec;
  spec.cell_size = cell_size;
  auto points = [&](py::handle obj, const std::string& name) {
    keep.push_back(call.input_doubles(obj, name.c_str()));
    return keep.back().view<const double>();
  };
  keep.reserve(3 * py::len(lanes) + py::len(drivable_areas));
  for (size_t i = 0; i < py::len(lanes); ++i) {
    const py::tuple lane = lanes[i].cast<py::tuple>();
    const std::string name = "lanes[" + std::to_string(i) + "]";
    LaneSpec spec_lane;
    spec_lane.centerline = points(lane[0], name + ".centerline");
    spec_lane.left = points(lane[1], name + ".left");
    spec_lane.right = points(lane[2], name + ".right");
    spec_lane.speed_limit = lane[3].cast<double>();
    spec_lane.successors = lane[4].cast<std::vector<int32_t>>();
    spec_lane.in_intersection = lane[5].cast<bool>();
    spec.lanes.push_back(std::move(spec_lane));
  }
  for (size_t i = 0; i < py::len(drivable_areas); ++i) {
    spec.drivable_areas.push_back(
        points(drivable_areas[i], "drivable_areas[" + std::to_string(i) + "]"));
  }
  py::gil_scoped_release nogil;
  return std::make_unique<RoadMap>(spec);
}

py::object distance_py(const RoadMap& map, py::handle points, py::handle out) {
  Call call;
  Array p = call.input_floats(points, "points");
  Array d = call.output(out, "out", p.shape.without_last(), DType::kFloat32);
  {
    py::gil_scoped_release nogil;
    map.drivable_area_distance(p.view<const float>(), d.view<float>());
  }
  return d.object;
}

py::tuple locate_py(const RoadMap& map, py::handle poses) {
  Call call;
  Array p = call.input_floats(poses, "poses");
  const Shape lead = p.shape.without_last();
  Shape station = lead;
  station.push_back(2);
  Array lane = call.output(py::none(), "lane", lead, DType::kInt32);
  Array count = call.output(py::none(), "lane_count", lead, DType::kInt32);
  Array st = call.output(py::none(), "station", station, DType::kFloat32);
  Array limit = call.output(py::none(), "speed_limit", lead, DType::kFloat32);
  {
    py::gil_scoped_release nogil;
    map.locate_lanes(p.view<const float>(),
                     LaneQueryOutputs{lane.view<int32_t>(), count.view<int32_t>(), st.view<float>(),
                                      limit.view<float>()});
  }
  return py::make_tuple(lane.object, count.object, st.object, limit.object);
}

}  // namespace

void bind_road_map(py::module_& m) {
  py::class_<RoadMap>(m, "_RoadMap")
      .def(py::init(&make_map), py::arg("lanes"), py::arg("drivable_areas"), py::arg("cell_size"))
      .def_property_readonly("lane_count", &RoadMap::lane_count)
      .def("speed_limit", &RoadMap::speed_limit, py::arg("lane"))
      .def("successors", &RoadMap::successors, py::arg("lane"))
      .def("predecessors", &RoadMap::predecessors, py::arg("lane"))
      .def("lane_length", &RoadMap::lane_length, py::arg("lane"))
      .def("in_intersection", &RoadMap::in_intersection, py::arg("lane"))
      .def("drivable_area_distance", &distance_py, py::arg("points"), py::arg("out"))
      .def("locate_lanes", &locate_py, py::arg("poses"))
      .def(
          "lane_meets_convex",
          [](const RoadMap& map, int64_t lane, py::array_t<double, py::array::c_style> xy) {
            if (xy.ndim() != 2 || xy.shape(1) != 2) {
              throw Error("polygon has " + std::to_string(xy.ndim()) +
                          " dimensions or a last dimension other than 2, expected (V, 2) x, y");
            }
            return map.lane_meets_convex(lane, xy.data(), static_cast<int>(xy.shape(0)));
          },
          py::arg("lane"), py::arg("polygon"));
}

}  // namespace trajcore::bindings
