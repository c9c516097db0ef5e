// Python bindings of trajcore/comfort.hpp: conversion and validation only.
#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/comfort.hpp"
#include "trajcore/error.hpp"

namespace trajcore::bindings {
namespace {

ComfortParams comfort_params_from_py(py::handle obj) {
  ComfortParams p;
  auto get = [&](const char* name) { return obj.attr(name); };
  p.max_lon_accel = get("max_lon_accel").cast<double>();
  p.min_lon_accel = get("min_lon_accel").cast<double>();
  p.max_abs_lat_accel = get("max_abs_lat_accel").cast<double>();
  p.max_abs_jerk = get("max_abs_jerk").cast<double>();
  p.max_abs_lon_jerk = get("max_abs_lon_jerk").cast<double>();
  p.max_abs_yaw_accel = get("max_abs_yaw_accel").cast<double>();
  p.max_abs_yaw_rate = get("max_abs_yaw_rate").cast<double>();
  p.lon_accel_window = get("lon_accel_window").cast<int32_t>();
  p.jerk_smoothing_window = get("jerk_smoothing_window").cast<int32_t>();
  p.jerk_window = get("jerk_window").cast<int32_t>();
  p.yaw_rate_window = get("yaw_rate_window").cast<int32_t>();
  p.yaw_accel_window = get("yaw_accel_window").cast<int32_t>();
  p.decimals = get("decimals").cast<int32_t>();
  const std::string lateral = get("lateral_acceleration").cast<std::string>();
  if (lateral == "zero") {
    p.lateral = LateralAcceleration::kZero;
  } else if (lateral == "speed_times_yaw_rate") {
    p.lateral = LateralAcceleration::kSpeedTimesYawRate;
  } else {
    throw Error("comfort.lateral_acceleration is '" + lateral +
                "', expected 'zero' or 'speed_times_yaw_rate'");
  }
  return p;
}

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

}  // namespace

void bind_comfort(py::module_& m) {
  m.def("_comfort", &comfort_py, py::arg("states"), py::arg("dt"), py::arg("params"),
        py::arg("with_series"));
}

}  // namespace trajcore::bindings
