// One step of closed-loop replay, as Python's trajcore.sim.replay and the vehicle program run it:
//   predictor_window(scene)      the predictor's seven inputs (agents nearest the scene's centre,
//                                the ego last as context, lane segments near them);
//   planner_agents(...)          the predictor's outputs as the planner's agents;
//   ego_history_row(state)       a planner state as the ego's next history entry.
// Each computes exactly what its Python twin (trajcore.sim.predictor_window, planner_agents,
// ego_history_row) computes, bit for bit (tests/test_scene_files.py), so a scene predicts and
// plans identically in both languages. docs/replay.md.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "trajcore/scene.hpp"

namespace trajcore {

// trajcore.data.WindowConfig's agent and lane-segment limits.
struct WindowSpec {
  int64_t max_agents = 128;
  int64_t max_lane_segments = 256;
  double lane_radius = 60.0;  // m: segments farther than this from every kept agent are dropped
};

// The predictor's inputs for one scene (A = max_agents slots, L = max_lane_segments slots),
// positions relative to `origin` (the mean position of the agents present, the ego included).
struct PredictorWindow {
  std::array<double, 2> origin{};
  int64_t agents = 0, history = 0;               // A, H
  int64_t segments = 0, points_per_segment = 0;  // L, P
  std::vector<int32_t> agent_index;  // (A) the scene's agent row; agent_count: the ego; -1 empty
  std::vector<float> states;         // (A, H+1, 5)
  std::vector<uint8_t> valid;        // (A, H+1)
  std::vector<int64_t> agent_type;   // (A) -1 in empty slots
  std::vector<float> agent_extent;   // (A, 2)
  std::vector<float> lane_points;    // (L, P, 2)
  std::vector<uint8_t> lane_point_valid;  // (L, P)
  std::vector<float> lane_attributes;     // (L, 3)
};

PredictorWindow predictor_window(const SceneFrame& scene, const WindowSpec& spec = {});

// The scene's M agents over the planner's `steps`: poses (M, K, steps+1, 3) (step 0 the current
// pose), probabilities (M, K) (uniform for agents not predicted) and validity (M).
struct PlannerAgents {
  std::vector<float> poses;
  std::vector<float> probabilities;
  std::vector<uint8_t> valid;  // 0 / 1 (the planner reads it as bool)
};

// trajectories (A, K, F, 3) and probabilities (A, K): the predictor's outputs for `window`
// (batch 1). Agents of a class outside `agent_types` (the classes the model was trained on,
// PredictorConfig::agent_types; empty: all) count as not predicted: the physics modes alone
// stand for them. Throws trajcore::Error when steps > F.
PlannerAgents planner_agents(const SceneFrame& scene, const PredictorWindow& window,
                             const float* trajectories, const float* probabilities, int64_t modes,
                             int64_t future, int64_t steps,
                             const std::vector<int64_t>& agent_types = {});

// x, y, yaw, vx, vy of a planner state (x, y, yaw, v, ...): the velocity in double precision
// through the C library's cosine and sine.
std::array<double, 5> ego_history_row(const float* state);

}  // namespace trajcore
