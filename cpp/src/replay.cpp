// One replay step's conversions (trajcore/replay.hpp). Each mirrors the numpy code of its Python
// twin operation by operation (trajcore/data/windows.py: _window; trajcore/sim/replay.py), in
// double precision with the same rounding points, so the two agree bit for bit.
#include "trajcore/replay.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "trajcore/error.hpp"

namespace trajcore {

PredictorWindow predictor_window(const SceneFrame& scene, const WindowSpec& spec) {
  const int64_t m = scene.agent_count, h1 = scene.history + 1, rows = m + 1;
  // The agents, then the ego as one more agent (a vehicle): row m.
  auto state = [&](int64_t row, int64_t k) -> const double* {
    return row < m ? &scene.agent_history[(row * h1 + k) * 5] : &scene.ego_history[k * 5];
  };
  auto valid = [&](int64_t row, int64_t k) {
    return (row < m ? scene.agent_history_valid[row * h1 + k] : scene.ego_history_valid[k]) != 0;
  };
  const int64_t now = scene.history;
  std::vector<int64_t> present;
  for (int64_t r = 0; r < rows; ++r) {
    if (valid(r, now)) present.push_back(r);
  }
  if (present.empty()) throw Error("scene '" + scene.name + "': nobody is present");
  PredictorWindow w;
  // numpy's mean over axis 0: a running sum in row order, then one division.
  double sx = 0, sy = 0;
  for (auto r : present) {
    sx += state(r, now)[0];
    sy += state(r, now)[1];
  }
  const double n = static_cast<double>(present.size());
  w.origin = {sx / n, sy / n};
  std::vector<double> distance(present.size());
  for (size_t i = 0; i < present.size(); ++i) {
    distance[i] = std::hypot(state(present[i], now)[0] - w.origin[0],
                             state(present[i], now)[1] - w.origin[1]);
  }
  std::vector<size_t> order(present.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return distance[a] < distance[b]; });
  const auto kept = std::min<int64_t>(spec.max_agents, static_cast<int64_t>(order.size()));

  const int64_t a = spec.max_agents;
  w.agents = a;
  w.history = scene.history;
  w.agent_index.assign(a, -1);
  w.states.assign(a * h1 * 5, 0.0f);
  w.valid.assign(a * h1, 0);
  w.agent_type.assign(a, -1);
  w.agent_extent.assign(a * 2, 0.0f);
  for (int64_t slot = 0; slot < kept; ++slot) {
    const int64_t r = present[order[slot]];
    w.agent_index[slot] = static_cast<int32_t>(r);
    for (int64_t k = 0; k < h1; ++k) {
      if (!valid(r, k)) continue;
      const double* s = state(r, k);
      float* out = &w.states[(slot * h1 + k) * 5];
      out[0] = static_cast<float>(s[0] - w.origin[0]);
      out[1] = static_cast<float>(s[1] - w.origin[1]);
      for (int f = 2; f < 5; ++f) out[f] = static_cast<float>(s[f]);
      w.valid[slot * h1 + k] = 1;
    }
    w.agent_type[slot] = r < m ? scene.agent_type[r] : 0;
    for (int f = 0; f < 2; ++f) {
      w.agent_extent[slot * 2 + f] =
          static_cast<float>(r < m ? scene.agent_extent[r * 2 + f] : scene.ego_extent[f]);
    }
  }

  // Lane segments nearest to some kept agent, within the radius, nearest first.
  const int64_t slots = spec.max_lane_segments, p = scene.segment_points_per;
  w.segments = slots;
  w.points_per_segment = p;
  w.lane_points.assign(slots * p * 2, 0.0f);
  w.lane_point_valid.assign(slots * p, 0);
  w.lane_attributes.assign(slots * 3, 0.0f);
  const int64_t segment_count = scene.segment_count;
  std::vector<double> gap(segment_count, std::numeric_limits<double>::infinity());
  for (int64_t g = 0; g < segment_count; ++g) {
    for (int64_t q = 0; q < p; ++q) {
      if (!scene.segment_valid[g * p + q]) continue;
      const double* xy = &scene.segment_points[(g * p + q) * 2];
      for (int64_t slot = 0; slot < kept; ++slot) {
        const double* s = state(present[order[slot]], now);
        gap[g] = std::min(gap[g], std::hypot(xy[0] - s[0], xy[1] - s[1]));
      }
    }
  }
  std::vector<int64_t> near;
  for (int64_t g = 0; g < segment_count; ++g) {
    if (gap[g] <= spec.lane_radius) near.push_back(g);
  }
  std::stable_sort(near.begin(), near.end(), [&](int64_t x, int64_t y) { return gap[x] < gap[y]; });
  const auto used = std::min<int64_t>(slots, static_cast<int64_t>(near.size()));
  for (int64_t slot = 0; slot < used; ++slot) {
    const int64_t g = near[slot];
    for (int64_t q = 0; q < p; ++q) {
      if (!scene.segment_valid[g * p + q]) continue;
      for (int f = 0; f < 2; ++f) {
        w.lane_points[(slot * p + q) * 2 + f] =
            static_cast<float>(scene.segment_points[(g * p + q) * 2 + f] - w.origin[f]);
      }
      w.lane_point_valid[slot * p + q] = 1;
    }
    for (int f = 0; f < 3; ++f)
      w.lane_attributes[slot * 3 + f] = scene.segment_attributes[g * 3 + f];
  }
  return w;
}

PlannerAgents planner_agents(const SceneFrame& scene, const PredictorWindow& window,
                             const float* trajectories, const float* probabilities, int64_t modes,
                             int64_t future, int64_t steps,
                             const std::vector<int64_t>& agent_types) {
  if (steps > future) {
    throw Error("steps is " + std::to_string(steps) + ", expected at most the predictor's " +
                std::to_string(future) + " predicted steps");
  }
  const int64_t m = scene.agent_count, k = modes, t1 = steps + 1, h1 = scene.history + 1;
  PlannerAgents out;
  out.poses.assign(m * k * t1 * 3, 0.0f);
  out.probabilities.assign(m * k, 1.0f / static_cast<float>(k));
  out.valid.assign(m, 0);
  for (int64_t slot = 0; slot < window.agents; ++slot) {
    const int64_t index = window.agent_index[slot];
    if (index < 0 || index >= m) continue;  // empty, or the ego (context only)
    if (!agent_types.empty() && std::find(agent_types.begin(), agent_types.end(),
                                          window.agent_type[slot]) == agent_types.end()) {
      continue;
    }
    const double* now = &scene.agent_history[(index * h1 + scene.history) * 5];
    for (int64_t mode = 0; mode < k; ++mode) {
      float* pose = &out.poses[(index * k + mode) * t1 * 3];
      for (int f = 0; f < 3; ++f) pose[f] = static_cast<float>(now[f]);
      const float* predicted = &trajectories[((slot * k + mode) * future) * 3];
      for (int64_t step = 1; step < t1; ++step) {
        const float* in = &predicted[(step - 1) * 3];
        float* o = &pose[step * 3];
        // numpy adds the float64 origin to the float32 prediction in float64, then rounds.
        o[0] = static_cast<float>(static_cast<double>(in[0]) + window.origin[0]);
        o[1] = static_cast<float>(static_cast<double>(in[1]) + window.origin[1]);
        o[2] = in[2];
      }
      out.probabilities[index * k + mode] = probabilities[slot * k + mode];
    }
    out.valid[index] = 1;
  }
  return out;
}

std::array<double, 5> ego_history_row(const float* state) {
  const double x = state[0], y = state[1], yaw = state[2], v = state[3];
  return {x, y, yaw, v * std::cos(yaw), v * std::sin(yaw)};
}

}  // namespace trajcore
