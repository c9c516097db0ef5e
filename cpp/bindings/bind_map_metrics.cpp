// Python bindings of trajcore/map_metrics.hpp: conversion and validation only.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/error.hpp"
#include "trajcore/map_metrics.hpp"

namespace trajcore::bindings {
namespace {

py::object ego_areas_py(py::handle states, float length, float width, const RoadMap& map,
                        std::vector<int32_t> route_lanes, double tolerance) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array areas = call.output(py::none(), "areas", st.shape.without_last(), DType::kInt32);
  EgoAreaRequest rq;
  rq.states = st.view<const float>();
  rq.length = length;
  rq.width = width;
  rq.road_map = &map;
  rq.route_lanes = std::move(route_lanes);
  rq.drivable_tolerance = tolerance;
  {
    py::gil_scoped_release nogil;
    ego_areas(rq, areas.view<int32_t>());
  }
  return areas.object;
}

Array input_areas(Call& call, py::handle obj) {
  return call.input_ints(obj, "areas", "the flags from ego_areas");
}

py::tuple dac_py(py::handle areas) {
  Call call;
  Array a = input_areas(call, areas);
  const Shape lead = a.shape.without_last();
  Array score = call.output(py::none(), "score", lead, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", lead, DType::kInt32);
  {
    py::gil_scoped_release nogil;
    drivable_area_compliance(a.view<const int32_t>(), score.view<float>(), first.view<int32_t>());
  }
  return py::make_tuple(score.object, first.object);
}

py::tuple ddc_py(py::handle states, py::handle areas, const RoadMap* map, int32_t rule,
                 int32_t window, bool skip_intersections, double compliance, double violation) {
  Call call;
  Array st = call.input_floats(states, "states");
  DrivingDirectionRequest rq;
  rq.states = st.view<const float>();
  Array a;
  if (!areas.is_none()) {
    a = input_areas(call, areas);
    rq.areas = a.view<const int32_t>();
  }
  rq.road_map = map;
  rq.rule = static_cast<DirectionRule>(rule);
  rq.window = window;
  rq.skip_intersections = skip_intersections;
  rq.compliance_threshold = compliance;
  rq.violation_threshold = violation;
  const Shape lead = st.shape.without_last().without_last();
  Array score = call.output(py::none(), "score", lead, DType::kFloat32);
  Array wrong = call.output(py::none(), "wrong_way", lead, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", lead, DType::kInt32);
  {
    py::gil_scoped_release nogil;
    driving_direction_compliance(
        rq,
        DrivingDirectionOutputs{score.view<float>(), wrong.view<float>(), first.view<int32_t>()});
  }
  return py::make_tuple(score.object, wrong.object, first.object);
}

py::tuple speed_limit_py(py::handle states, const RoadMap& map, double max_overspeed) {
  Call call;
  Array st = call.input_floats(states, "states");
  const Shape lead = st.shape.rank() >= 2 ? st.shape.without_last().without_last() : Shape{};
  Array score = call.output(py::none(), "score", lead, DType::kFloat32);
  Array worst = call.output(py::none(), "max_overspeed", lead, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", lead, DType::kInt32);
  {
    py::gil_scoped_release nogil;
    speed_limit_compliance(st.view<const float>(), map, max_overspeed,
                           {score.view<float>(), worst.view<float>(), first.view<int32_t>()});
  }
  return py::make_tuple(score.object, worst.object, first.object);
}

py::tuple lane_keeping_py(py::handle states, py::handle areas, const ReferenceLine& centerline,
                          double max_deviation, int32_t steps) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array ar = call.input_ints(areas, "areas", "the flags from ego_areas");
  const Shape lead = st.shape.rank() >= 2 ? st.shape.without_last().without_last() : Shape{};
  Array score = call.output(py::none(), "score", lead, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", lead, DType::kInt32);
  LaneKeepingRequest rq;
  rq.states = st.view<const float>();
  rq.areas = ar.view<const int32_t>();
  rq.centerline = &centerline;
  rq.max_deviation = max_deviation;
  rq.steps = steps;
  {
    py::gil_scoped_release nogil;
    lane_keeping(rq, score.view<float>(), first.view<int32_t>());
  }
  return py::make_tuple(score.object, first.object);
}

py::tuple traffic_light_py(py::handle states, float length, float width, const RoadMap& map,
                           py::handle red_lights, double front_margin) {
  Call call;
  Array st = call.input_floats(states, "states");
  Array red = call.input_ints(red_lights, "red_lights", "lane indices, -1 padding");
  const Shape lead = st.shape.rank() >= 2 ? st.shape.without_last().without_last() : Shape{};
  Array score = call.output(py::none(), "score", lead, DType::kFloat32);
  Array first = call.output(py::none(), "first_step", lead, DType::kInt32);
  TrafficLightRequest rq;
  rq.states = st.view<const float>();
  rq.length = length;
  rq.width = width;
  rq.road_map = &map;
  rq.red_lights = red.view<const int32_t>();
  rq.front_margin = front_margin;
  {
    py::gil_scoped_release nogil;
    traffic_light_compliance(rq, score.view<float>(), first.view<int32_t>());
  }
  return py::make_tuple(score.object, first.object);
}

}  // namespace

void bind_map_metrics(py::module_& m) {
  m.def("_lane_keeping", &lane_keeping_py, py::arg("states"), py::arg("areas"),
        py::arg("centerline"), py::arg("max_deviation"), py::arg("steps"));
  m.def("_traffic_light_compliance", &traffic_light_py, py::arg("states"), py::arg("length"),
        py::arg("width"), py::arg("road_map"), py::arg("red_lights"), py::arg("front_margin"));
  m.def("_speed_limit_compliance", &speed_limit_py, py::arg("states"), py::arg("road_map"),
        py::arg("max_overspeed"));
  m.def("_ego_areas", &ego_areas_py, py::arg("states"), py::arg("length"), py::arg("width"),
        py::arg("road_map"), py::arg("route_lanes"), py::arg("drivable_tolerance"));
  m.def("_drivable_area_compliance", &dac_py, py::arg("areas"));
  m.def("_driving_direction_compliance", &ddc_py, py::arg("states"), py::arg("areas"),
        py::arg("road_map"), py::arg("rule"), py::arg("window"), py::arg("skip_intersections"),
        py::arg("compliance_threshold"), py::arg("violation_threshold"));
}

}  // namespace trajcore::bindings
