// Scene files (trajcore/scene.hpp): the entries of schema version 2 and their checks.
#include "trajcore/scene.hpp"

#include "trajcore/array_file.hpp"
#include "trajcore/error.hpp"

namespace trajcore {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// Entry access with the dtype and shape checked; -1 in `expected` matches any size.
class Entries {
 public:
  Entries(const ArrayFile& file, const std::string& path) : file_(file), path_(path) {}

  template <typename T>
  std::vector<T> get(const std::string& name, const std::vector<int64_t>& expected) const {
    if (!file_.contains(name)) throw Error(path_ + ": entry '" + name + "' is missing");
    const auto& a = file_.at(name);
    bool ok = a.shape.size() == expected.size();
    for (size_t i = 0; ok && i < expected.size(); ++i) {
      ok = expected[i] < 0 || expected[i] == a.shape[i];
    }
    if (!ok) {
      throw Error(path_ + ": entry '" + name + "' has shape " + shape_text(a.shape) +
                  ", expected " + shape_text(expected) + " (-1: any size)");
    }
    try {
      return a.values<T>();
    } catch (const Error& e) {
      throw Error(path_ + ": " + e.what(), ErrorKind::kInvalidType);
    }
  }
  int64_t dim(const std::string& name, size_t axis) const {
    if (!file_.contains(name)) throw Error(path_ + ": entry '" + name + "' is missing");
    const auto& shape = file_.at(name).shape;
    if (axis >= shape.size()) {
      throw Error(path_ + ": entry '" + name + "' has shape " + shape_text(shape) + ", expected " +
                  std::to_string(axis + 1) + "+ dimensions");
    }
    return shape[axis];
  }

 private:
  const ArrayFile& file_;
  const std::string& path_;
};

// Splits flat rows by offsets (L+1, from 0 to the row count, non-decreasing).
template <typename T>
std::vector<std::vector<T>> split(const std::vector<T>& values, const std::vector<int64_t>& offsets,
                                  int64_t row_width, const std::string& path,
                                  const std::string& what) {
  const auto rows = static_cast<int64_t>(values.size()) / row_width;
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != rows) {
    throw Error(path + ": " + what + " offsets must start at 0 and end at " + std::to_string(rows));
  }
  std::vector<std::vector<T>> out;
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    if (offsets[i + 1] < offsets[i]) throw Error(path + ": " + what + " offsets decrease");
    out.emplace_back(values.begin() + offsets[i] * row_width,
                     values.begin() + offsets[i + 1] * row_width);
  }
  return out;
}

}  // namespace

SceneFrame read_scene(const std::string& path) {
  const ArrayFile file = read_arrays(path, "scene", kSceneVersion);
  const Entries e(file, path);
  SceneFrame s;
  const auto name = e.get<uint8_t>("meta/name", {-1});
  s.name.assign(name.begin(), name.end());
  s.step = e.get<int64_t>("meta/step", {1})[0];
  s.dt = e.get<double>("meta/dt", {1})[0];
  if (!(s.dt > 0)) throw Error(path + ": meta/dt is " + std::to_string(s.dt) + ", expected > 0");
  const auto ego_state = e.get<float>("ego/state", {6});
  for (int i = 0; i < 6; ++i) s.ego_state[i] = ego_state[i];
  const auto extent = e.get<double>("ego/extent", {2});
  s.ego_extent = {extent[0], extent[1]};
  const int64_t h1 = e.dim("ego/history", 0);
  if (h1 < 1) throw Error(path + ": ego/history has no rows, expected H+1 >= 1");
  s.history = h1 - 1;
  s.ego_history = e.get<double>("ego/history", {h1, 5});
  s.ego_history_valid = e.get<uint8_t>("ego/history_valid", {h1});
  if (!s.ego_history_valid.back()) {
    throw Error(path + ": the ego's current state (last history row) must be valid");
  }
  s.agent_count = e.dim("agents/index", 0);
  const int64_t m = s.agent_count;
  s.agent_index = e.get<int32_t>("agents/index", {m});
  s.agent_history = e.get<double>("agents/history", {m, h1, 5});
  s.agent_history_valid = e.get<uint8_t>("agents/history_valid", {m, h1});
  s.agent_type = e.get<int32_t>("agents/type", {m});
  s.agent_extent = e.get<double>("agents/extent", {m, 2});

  std::vector<std::vector<double>> parts[3];
  const char* names[3] = {"centerline", "left", "right"};
  for (int p = 0; p < 3; ++p) {
    const std::string base = std::string("map/lane_") + names[p];
    parts[p] = split(e.get<double>(base + "_points", {-1, 2}),
                     e.get<int64_t>(base + "_offsets", {-1}), 2, path, base);
  }
  const auto lane_count = static_cast<int64_t>(parts[0].size());
  const auto limits = e.get<double>("map/lane_speed_limit", {lane_count});
  const auto junction = e.get<uint8_t>("map/lane_in_intersection", {lane_count});
  const auto successors = split(e.get<int32_t>("map/lane_successors", {-1}),
                                e.get<int64_t>("map/lane_successor_offsets", {lane_count + 1}), 1,
                                path, "map/lane_successors");
  if (static_cast<int64_t>(parts[1].size()) != lane_count ||
      static_cast<int64_t>(parts[2].size()) != lane_count) {
    throw Error(path + ": the lane entries disagree on the number of lanes (" +
                std::to_string(lane_count) + ")");
  }
  for (int64_t i = 0; i < lane_count; ++i) {
    s.lanes.push_back(
        {parts[0][i], parts[1][i], parts[2][i], limits[i], successors[i], junction[i] != 0});
  }
  s.drivable_areas = split(e.get<double>("map/drivable_points", {-1, 2}),
                           e.get<int64_t>("map/drivable_offsets", {-1}), 2, path, "map/drivable");
  s.segment_count = e.dim("map/segment_valid", 0);
  s.segment_points_per = e.dim("map/segment_valid", 1);
  s.segment_points =
      e.get<double>("map/segment_points", {s.segment_count, s.segment_points_per, 2});
  s.segment_valid = e.get<uint8_t>("map/segment_valid", {s.segment_count, s.segment_points_per});
  s.segment_attributes = e.get<float>("map/segment_attributes", {s.segment_count, 3});
  s.route_lanes = e.get<int32_t>("route/lanes", {-1});
  s.red_lanes = e.get<int32_t>("map/red_lanes", {-1});
  for (const int32_t lane : s.red_lanes) {
    if (lane < 0 || lane >= lane_count) {
      throw Error(path + ": map/red_lanes holds " + std::to_string(lane) +
                  ", expected lane indices in [0, " + std::to_string(lane_count) + ")");
    }
  }
  s.reference_points = e.get<double>("route/reference_points", {-1, 2});
  const auto options = e.get<double>("route/reference_options", {2});
  s.reference_spacing = options[0];
  s.reference_smoothing = options[1];
  return s;
}

RoadMapSpec SceneFrame::road_map_spec(double cell_size) const {
  auto view = [](const std::vector<double>& xy) {
    return TensorView<const double>{xy.data(), Shape{static_cast<int64_t>(xy.size() / 2), 2},
                                    Device{}};
  };
  RoadMapSpec spec;
  for (const auto& lane : lanes) {
    spec.lanes.push_back({view(lane.centerline), view(lane.left), view(lane.right),
                          lane.speed_limit, lane.successors, lane.in_intersection});
  }
  for (const auto& area : drivable_areas) spec.drivable_areas.push_back(view(area));
  spec.cell_size = cell_size;
  return spec;
}

ReferenceLine SceneFrame::reference_line() const {
  return ReferenceLine(
      TensorView<const double>{reference_points.data(),
                               Shape{static_cast<int64_t>(reference_points.size() / 2), 2},
                               Device{}},
      ReferenceLineOptions{reference_spacing, reference_smoothing});
}

}  // namespace trajcore
