// Scene files: one planning scene at one step (the ego's state and history, the agents present
// and their history, the map, the route), as Python's trajcore.sim.write_scene writes them.
// read_scene checks the file (trajcore/array_file.hpp) and every entry's dtype and shape.
// docs/scene_files.md lists the entries; the Python twins are trajcore.sim.read_scene /
// SceneFrame.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "trajcore/reference_line.hpp"
#include "trajcore/road_map.hpp"

namespace trajcore {

// The schema version read_scene accepts (the Python writer's SCENE_VERSION).
constexpr uint32_t kSceneVersion = 2;

struct SceneLane {
  std::vector<double> centerline, left, right;  // (P, 2) each, in the driving direction
  double speed_limit = 0;                       // m/s, NaN: unknown
  std::vector<int32_t> successors;
  bool in_intersection = false;
};

struct SceneFrame {
  std::string name;
  int64_t step = 0;
  double dt = 0;
  std::array<float, 6> ego_state{};  // x, y, yaw, v, a, steering
  std::array<double, 2> ego_extent{};
  int64_t history = 0;                       // H: histories hold H+1 states, the last is current
  std::vector<double> ego_history;           // (H+1, 5) x, y, yaw, vx, vy
  std::vector<uint8_t> ego_history_valid;    // (H+1)
  int64_t agent_count = 0;                   // M: the agents present at this step
  std::vector<int32_t> agent_index;          // (M) index in the recording
  std::vector<double> agent_history;         // (M, H+1, 5)
  std::vector<uint8_t> agent_history_valid;  // (M, H+1)
  std::vector<int32_t> agent_type;           // (M) AgentType
  std::vector<double> agent_extent;          // (M, 2)
  std::vector<SceneLane> lanes;
  std::vector<std::vector<double>> drivable_areas;  // (V, 2) polygons
  // The predictor's lane layer: S segments of P points.
  int64_t segment_count = 0, segment_points_per = 0;
  std::vector<double> segment_points;     // (S, P, 2)
  std::vector<uint8_t> segment_valid;     // (S, P)
  std::vector<float> segment_attributes;  // (S, 3)
  std::vector<int32_t> route_lanes;       // empty: every lane
  std::vector<int32_t> red_lanes;         // lanes whose traffic light is red (PlanScene's)
  std::vector<double> reference_points;   // (Q, 2)
  double reference_spacing = 0.5, reference_smoothing = 1.0;

  // The map's spec, viewing this scene's arrays (valid while the scene lives, unchanged).
  RoadMapSpec road_map_spec(double cell_size = 2.0) const;
  ReferenceLine reference_line() const;
};

// Reads and checks a scene file; throws trajcore::Error naming the path and the defect (wrong
// kind or version, truncated or damaged file, a missing entry, a wrong dtype or shape).
SceneFrame read_scene(const std::string& path);

}  // namespace trajcore
