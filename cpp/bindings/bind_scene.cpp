// Python bindings of trajcore/array_file.hpp, scene.hpp and replay.hpp: the C++ reader and
// writer and the C++ predictor window, so tests can hold them against their Python twins.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>

#include "bindings.hpp"
#include "trajcore/array_file.hpp"
#include "trajcore/error.hpp"
#include "trajcore/replay.hpp"
#include "trajcore/scene.hpp"

namespace trajcore::bindings {
namespace {

template <class T>
py::array_t<T> copy(const std::vector<T>& values, std::vector<py::ssize_t> dims) {
  py::array_t<T> a(dims);
  std::copy(values.begin(), values.end(), a.mutable_data());
  return a;
}

py::tuple read_arrays_py(const std::string& path, const std::string& kind, uint32_t version) {
  ArrayFile file;
  {
    py::gil_scoped_release nogil;
    file = read_arrays(path, kind, version);
  }
  py::list entries;
  for (const auto& a : file.arrays) {
    entries.append(
        py::make_tuple(a.name, static_cast<int>(a.dtype), a.shape,
                       py::bytes(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size())));
  }
  return py::make_tuple(file.kind, file.version, entries);
}

void write_arrays_py(
    const std::string& path, const std::string& kind, uint32_t version,
    const std::vector<std::tuple<std::string, int, std::vector<int64_t>, std::string>>& entries) {
  ArrayFile file;
  file.kind = kind;
  file.version = version;
  for (const auto& [name, code, shape, bytes] : entries) {
    NamedArray a;
    a.name = name;
    a.dtype = static_cast<ArrayDType>(code);
    a.shape = shape;
    a.bytes.assign(bytes.begin(), bytes.end());
    file.arrays.push_back(std::move(a));
  }
  py::gil_scoped_release nogil;
  write_arrays(path, file);
}

py::dict scene_window_py(const std::string& path, int64_t max_agents, int64_t max_lane_segments,
                         double lane_radius) {
  const SceneFrame scene = read_scene(path);
  const PredictorWindow w =
      predictor_window(scene, WindowSpec{max_agents, max_lane_segments, lane_radius});
  const py::ssize_t a = w.agents, h1 = w.history + 1, l = w.segments, p = w.points_per_segment;
  py::dict d;
  d["origin"] = copy(std::vector<double>(w.origin.begin(), w.origin.end()), {2});
  d["agent_index"] = copy(w.agent_index, {a});
  d["states"] = copy(w.states, {a, h1, 5});
  d["valid"] = copy(w.valid, {a, h1});
  d["agent_type"] = copy(w.agent_type, {a});
  d["agent_extent"] = copy(w.agent_extent, {a, 2});
  d["lane_points"] = copy(w.lane_points, {l, p, 2});
  d["lane_point_valid"] = copy(w.lane_point_valid, {l, p});
  d["lane_attributes"] = copy(w.lane_attributes, {l, 3});
  return d;
}

}  // namespace

void bind_scene(py::module_& m) {
  m.def("_read_arrays", &read_arrays_py, py::arg("path"), py::arg("kind"), py::arg("version"));
  m.def("_write_arrays", &write_arrays_py, py::arg("path"), py::arg("kind"), py::arg("version"),
        py::arg("entries"));
  m.def("_scene_predictor_window", &scene_window_py, py::arg("path"), py::arg("max_agents"),
        py::arg("max_lane_segments"), py::arg("lane_radius"));
  m.def(
      "_ego_history_row",
      [](const std::vector<float>& state) {
        if (state.size() < 4)
          throw Error("state has " + std::to_string(state.size()) +
                      " values, expected at least 4 (x, y, yaw, v)");
        return ego_history_row(state.data());
      },
      py::arg("state"));
}

}  // namespace trajcore::bindings
