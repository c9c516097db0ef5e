// Copies of trajcore's owned results (Tensor, ScoreResult) into new numpy arrays, for the
// bindings of objects whose results live in C++ (score, Planner).
#pragma once

#include <pybind11/numpy.h>

#include <algorithm>
#include <vector>

#include "bindings.hpp"
#include "trajcore/scoring.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore::bindings {

template <class T>
py::array_t<T> to_numpy(const Tensor<T>& t) {
  std::vector<py::ssize_t> dims;
  for (int d = 0; d < t.shape().rank(); ++d) dims.push_back(t.shape()[d]);
  py::array_t<T> a(dims);
  std::copy(t.data(), t.data() + t.numel(), a.mutable_data());
  return a;
}

inline py::dict score_result_dict(const ScoreResult& r) {
  py::dict d;
  d["total"] = to_numpy(r.total);
  d["no_collision"] = to_numpy(r.no_collision);
  d["drivable_area"] = to_numpy(r.drivable_area);
  d["driving_direction"] = to_numpy(r.driving_direction);
  d["progress"] = to_numpy(r.progress);
  d["progress_m"] = to_numpy(r.progress_m);
  d["ttc"] = to_numpy(r.ttc);
  d["comfort"] = to_numpy(r.comfort);
  d["traffic_light"] = to_numpy(r.traffic_light);
  d["making_progress"] = to_numpy(r.making_progress);
  d["speed_limit"] = to_numpy(r.speed_limit);
  d["lane_keeping"] = to_numpy(r.lane_keeping);
  d["extended_comfort"] = to_numpy(r.extended_comfort);
  d["collision_step"] = to_numpy(r.collision_step);
  d["drivable_area_step"] = to_numpy(r.drivable_area_step);
  d["driving_direction_step"] = to_numpy(r.driving_direction_step);
  d["ttc_step"] = to_numpy(r.ttc_step);
  d["comfort_step"] = to_numpy(r.comfort_step);
  d["traffic_light_step"] = to_numpy(r.traffic_light_step);
  d["speed_limit_step"] = to_numpy(r.speed_limit_step);
  d["lane_keeping_step"] = to_numpy(r.lane_keeping_step);
  d["safe_distance"] = to_numpy(r.safe_distance);
  d["safe_distance_step"] = to_numpy(r.safe_distance_step);
  d["areas"] = to_numpy(r.areas);
  d["collision_type"] = to_numpy(r.collision_type);
  d["comfort_failed"] = to_numpy(r.comfort_failed);
  return d;
}

}  // namespace trajcore::bindings
