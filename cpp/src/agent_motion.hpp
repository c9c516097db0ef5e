// Small per-pair quantities the collision metrics share: an agent's speed estimated from its
// poses, and where an agent lies relative to the ego heading.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace trajcore::detail {

// |p(t+1) - p(t)| / dt over one mode's (T+1, 3) poses; the last step repeats the one before.
inline double estimated_agent_speed(const float* poses, int64_t T1, int64_t t, double dt) {
  const int64_t t0 = t + 1 < T1 ? t : std::max<int64_t>(t - 1, 0);
  const int64_t t1 = std::min<int64_t>(t0 + 1, T1 - 1);
  const float* p0 = poses + t0 * 3;
  const float* p1 = poses + t1 * 3;
  return std::hypot(double(p1[0]) - p0[0], double(p1[1]) - p0[1]) / dt;
}

// Angle (rad, in [0, pi]) between the ego heading and the direction from the ego rear axle to the
// agent's centre; `ego` is a box-centre state (x, y, yaw, ...). nuPlan's is_agent_ahead /
// is_agent_behind compare it with 30 and 150 degrees.
inline double angle_from_rear_axle(const float* ego, double rear_axle_to_center,
                                   const float* agent) {
  const double c = std::cos(ego[2]), s = std::sin(ego[2]);
  const double to_x = agent[0] - (ego[0] - rear_axle_to_center * c);
  const double to_y = agent[1] - (ego[1] - rear_axle_to_center * s);
  return std::acos(std::clamp((c * to_x + s * to_y) / std::hypot(to_x, to_y), -1.0, 1.0));
}

}  // namespace trajcore::detail
