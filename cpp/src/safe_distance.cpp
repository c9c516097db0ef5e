// Safe following distance, RSS-style (trajcore/collision_metrics.hpp, safe_distance).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "agent_motion.hpp"
#include "collision_plan.hpp"
#include "parallel.hpp"
#include "trajcore/collision_metrics.hpp"
#include "trajcore/detail/bicycle_step.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

constexpr int64_t kGrain = 4;  // candidates per chunk

struct Dims {
  int64_t B, N, T1, S, M, K;
};

// One ego step as the rule sees it: position, heading, corridor curvature, speed.
struct EgoStep {
  double x, y, c, s, curvature, v;
};

// One agent pose: position, heading, speed (estimated from the mode's poses).
struct AgentStep {
  double x, y, c, s, speed;
};

// An axis-aligned box around points (empty until the first).
struct Bounds {
  double min_x = std::numeric_limits<double>::infinity(), min_y = min_x;
  double max_x = -std::numeric_limits<double>::infinity(), max_y = max_x;
  void add(double x, double y) {
    min_x = std::min(min_x, x), max_x = std::max(max_x, x);
    min_y = std::min(min_y, y), max_y = std::max(max_y, y);
  }
  // Squared distance between two boxes; +inf when either is empty.
  double distance2(const Bounds& o) const {
    if (!(min_x <= max_x) || !(o.min_x <= o.max_x)) return std::numeric_limits<double>::infinity();
    const double dx = std::max({0.0, o.min_x - max_x, min_x - o.max_x});
    const double dy = std::max({0.0, o.min_y - max_y, min_y - o.max_y});
    return dx * dx + dy * dy;
  }
};

double d_safe(const SafeDistanceParams& p, double v_e, double v_a) {
  return std::max(0.0, v_e * p.reaction_time + v_e * v_e / (2.0 * p.ego_brake) -
                           v_a * v_a / (2.0 * p.agent_brake)) +
         p.min_gap;
}

// The margin gap - d_safe of an agent at (lon, lat) in the ego's frame (lat measured from the
// corridor's arc), and whether it is in the ego's path.
struct Seen {
  double margin;
  bool in_path;
};

Seen seen(const EgoStep& e, double lon, double lat, const AgentStep& a, const float* extent,
          double ego_length, double ego_width, const SafeDistanceParams& p) {
  const double cos_dyaw = a.c * e.c + a.s * e.s;  // cos and |sin| of the relative heading
  const double cd = std::fabs(cos_dyaw), sd = std::fabs(a.s * e.c - a.c * e.s);
  const double half_long = 0.5 * (extent[0] * cd + extent[1] * sd);
  const double half_lat = 0.5 * (extent[0] * sd + extent[1] * cd);
  const double gap = lon - 0.5 * ego_length - half_long;
  const double v_a = std::max(a.speed * cos_dyaw, 0.0);
  const bool in_path = lon > 0 && std::fabs(lat) < 0.5 * ego_width + half_lat + p.lateral_margin;
  return {gap - d_safe(p, e.v, v_a), in_path};
}

// Curvature the candidate drives from step t to t+1 (the last step repeats the one before).
double step_curvature(const float* states, int64_t T1, int64_t S, int64_t t) {
  const int64_t t0 = t + 1 < T1 ? t : std::max<int64_t>(t - 1, 0);
  const int64_t t1 = std::min<int64_t>(t0 + 1, T1 - 1);
  const float* a = states + t0 * S;
  const float* b = states + t1 * S;
  const double ds = std::hypot(double(b[0]) - a[0], double(b[1]) - a[1]);
  if (ds < 1e-3) return 0.0;
  return detail::wrap_angle(double(b[2]) - double(a[2])) / ds;
}

Dims check(const SafeDistanceRequest& rq, const SafeDistanceOutputs& out,
           detail::CollisionPlan* plan_out) {
  validate(rq.params);
  const Shape& s = rq.states.shape;
  if (rq.states.data == nullptr || (s.rank() != 3 && s.rank() != 4) || s.back() < 4) {
    throw Error("states has shape " + s.str() + ", expected (B, N, T+1, S) with S >= 4");
  }
  if (!(rq.dt > 0) || !std::isfinite(rq.dt)) {
    throw Error("dt is " + detail::value_str(rq.dt) + ", expected > 0 seconds");
  }
  if (!(rq.length > 0) || !(rq.width > 0) || !std::isfinite(rq.length) ||
      !std::isfinite(rq.width)) {
    throw Error("ego extent is (" + detail::value_str(rq.length) + ", " +
                detail::value_str(rq.width) + "), expected a finite length and width > 0");
  }
  const float extent[2] = {rq.length, rq.width};
  CollisionRequest cr;
  cr.ego = rq.states;
  cr.ego_extent = {extent, Shape{2}, {}};
  cr.agents = rq.agents;
  cr.agent_extent = rq.agent_extent;
  cr.agent_prob = rq.agent_prob;
  cr.agent_valid = rq.agent_valid;
  detail::CollisionPlan p;
  try {
    p = detail::plan_collisions(cr);
    detail::check_extents(cr, p);
  } catch (const Error& e) {
    // check_collisions calls the states "ego": name the argument of this entry point.
    const std::string message = e.what();
    if (message.rfind("ego", 0) == 0 && message.rfind("ego_extent", 0) != 0) {
      throw Error("states" + message.substr(3));
    }
    throw;
  }
  const int64_t B = p.B, N = p.N, T1 = p.T1, S = p.S, M = p.M, K = p.K;
  if (!detail::all_finite(rq.states.data, B * N * T1 * S)) {
    for (int64_t i = 0; i < B * N * T1 * S; ++i) {
      if (!std::isfinite(rq.states.data[i])) {
        throw Error("states" + detail::index_str(s, i) + " is " +
                    detail::value_str(rq.states.data[i]) + ", expected a finite value");
      }
    }
  }
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t k = 0; k < K; ++k) {
        for (int64_t t = 0; t < T1; ++t) {
          if (!p.valid(rq.agent_valid.data, b, m, k, t)) continue;
          const float* pose = rq.agents.data + (((b * M + m) * K + k) * T1 + t) * 3;
          if (!std::isfinite(pose[0]) || !std::isfinite(pose[1]) || !std::isfinite(pose[2])) {
            detail::throw_invalid_agents(cr, p);
          }
        }
      }
    }
  }
  Shape per;
  if (p.batched) per.push_back(B);
  per.push_back(N);
  if (rq.ignored.data != nullptr) {
    Shape want;
    if (p.batched) want.push_back(B);
    want.push_back(M);
    if (rq.ignored.shape != want) {
      throw Error("ignored has shape " + rq.ignored.shape.str() + ", expected " + want.str() +
                  " = (B, M)");
    }
  }
  detail::check_output(out.score.shape, out.score.data, out.score.device, "score", per, Device{});
  detail::check_output(out.first_step.shape, out.first_step.data, out.first_step.device,
                       "first_step", per, Device{});
  if (out.violation_prob.data != nullptr) {
    if (rq.agent_prob.data == nullptr) {
      throw Error("violation_prob needs agent_prob, which is not given");
    }
    detail::check_output(out.violation_prob.shape, out.violation_prob.data,
                         out.violation_prob.device, "violation_prob", per, Device{});
  }
  *plan_out = p;
  return {B, N, T1, S, M, K};
}

}  // namespace

void validate(const SafeDistanceParams& p) {
  auto at_least = [](double v, double lo, bool strict, const char* name, const char* unit) {
    if (!std::isfinite(v) || (strict ? !(v > lo) : !(v >= lo))) {
      throw Error(std::string("safe_distance.") + name + " is " + detail::value_str(v) +
                  ", expected " + (strict ? "> " : ">= ") + detail::value_str(lo) + " " + unit);
    }
  };
  at_least(p.reaction_time, 0, false, "reaction_time", "s");
  at_least(p.ego_brake, 0, true, "ego_brake", "m/s^2");
  at_least(p.agent_brake, 0, true, "agent_brake", "m/s^2");
  at_least(p.min_gap, 0, false, "min_gap", "m");
  at_least(p.recovery_rate, 0, false, "recovery_rate", "m/s");
  at_least(p.tolerance, 0, false, "tolerance", "m");
  at_least(p.lateral_margin, 0, false, "lateral_margin", "m");
  at_least(p.stopped_speed, 0, false, "stopped_speed", "m/s");
  if (!(p.horizon > 0)) {  // +inf checks every step
    throw Error("safe_distance.horizon is " + detail::value_str(p.horizon) + ", expected > 0 s");
  }
}

void safe_distance(const SafeDistanceRequest& rq, const SafeDistanceOutputs& out) {
  detail::CollisionPlan plan;
  const Dims d = check(rq, out, &plan);
  const SafeDistanceParams& p = rq.params;
  const int64_t N = d.N, T1 = d.T1, S = d.S, M = d.M, K = d.K;
  const double L = rq.length, W = rq.width;
  // Steps up to the horizon (t dt <= horizon).
  const double horizon_steps = std::floor(p.horizon / rq.dt + 1e-9);  // +inf for an inf horizon
  const int64_t last = horizon_steps >= double(T1) ? T1 : int64_t(horizon_steps) + 1;
  // The agents' side once: it is the same for every candidate.
  // (A thread_local named inside the parallel lambdas would be each worker's own: use a pointer.)
  thread_local std::vector<AgentStep> agent_table;
  agent_table.resize(static_cast<size_t>(d.B * M * K * T1));
  AgentStep* const agent_steps = agent_table.data();
  // Broad phase: the box around each agent mode's centres over the checked steps (empty when
  // none is valid), to skip whole modes a candidate never comes near.
  thread_local std::vector<Bounds> bounds_table;
  bounds_table.resize(static_cast<size_t>(d.B * M * K));
  Bounds* const agent_bounds = bounds_table.data();
  detail::parallel_for(d.B * M * K, 16, [&](int64_t begin, int64_t end) {
    for (int64_t bmk = begin; bmk < end; ++bmk) {
      const float* poses = rq.agents.data + bmk * T1 * 3;
      const int64_t b = bmk / (M * K), m = (bmk / K) % M, k = bmk % K;
      Bounds& box = agent_bounds[bmk];
      box = Bounds{};
      for (int64_t t = 0; t < T1; ++t) {
        AgentStep& a = agent_steps[bmk * T1 + t];
        if (!plan.valid(rq.agent_valid.data, b, m, k, t)) {
          a = {0, 0, 1, 0, 0};
          continue;
        }
        const float* pose = poses + t * 3;
        a = {pose[0], pose[1], std::cos(double(pose[2])), std::sin(double(pose[2])),
             detail::estimated_agent_speed(poses, T1, t, rq.dt)};
        if (t >= 1 && t < last) box.add(a.x, a.y);
      }
    }
  });
  detail::parallel_for(d.B * N, kGrain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<EgoStep> steps;
    steps.resize(static_cast<size_t>(T1));
    for (int64_t bn = begin; bn < end; ++bn) {
      const int64_t b = bn / N;
      const float* states = rq.states.data + bn * T1 * S;
      double v_max = 0;
      for (int64_t t = 0; t < T1; ++t) {
        const float* st = states + t * S;
        steps[t] = {st[0],
                    st[1],
                    std::cos(double(st[2])),
                    std::sin(double(st[2])),
                    t == 0 ? 0.0 : step_curvature(states, T1, S, t),
                    std::max(double(st[3]), 0.0)};
        v_max = std::max(v_max, steps[t].v);
      }
      Bounds ego_bounds;
      double curvature_max = 0;
      for (int64_t t = 1; t < last; ++t) {
        ego_bounds.add(steps[t].x, steps[t].y);
        curvature_max = std::max(curvature_max, std::fabs(steps[t].curvature));
      }
      // No d_safe of this candidate exceeds `far`: an agent whose box begins beyond it is safe.
      const double far = d_safe(p, v_max, 0.0);
      float score = 1.0f;
      int32_t first = -1;
      double none = 1.0;
      for (int64_t m = 0; m < M; ++m) {
        if (rq.ignored.data != nullptr && rq.ignored.data[b * M + m]) continue;
        const float* extent = rq.agent_extent.data + (b * M + m) * 2;
        const double radius = 0.5 * std::hypot(double(extent[0]), double(extent[1]));
        const double corridor = 0.5 * W + radius + p.lateral_margin;
        // A pair can count only with lon <= reach and |lat| < corridor, so the centres are at
        // most sqrt(reach^2 + (corridor + curvature reach^2 / 2)^2) apart.
        const double reach = far + 0.5 * L + radius;
        const double bend = corridor + 0.5 * curvature_max * reach * reach;
        const double near2 = reach * reach + bend * bend;
        double p_violation = 0;
        for (int64_t k = 0; k < K; ++k) {
          if (ego_bounds.distance2(agent_bounds[(b * M + m) * K + k]) > near2) continue;
          const AgentStep* agent = agent_steps + ((b * M + m) * K + k) * T1;
          auto frame = [&](const EgoStep& e, const AgentStep& a, double* lon, double* lat) {
            const double dx = a.x - e.x, dy = a.y - e.y;
            *lon = e.c * dx + e.s * dy;
            *lat = -e.s * dx + e.c * dy - 0.5 * e.curvature * *lon * std::fabs(*lon);
          };
          double m0 = std::numeric_limits<double>::infinity();
          if (plan.valid(rq.agent_valid.data, b, m, k, 0)) {
            double lon, lat;
            frame(steps[0], agent[0], &lon, &lat);
            m0 = seen(steps[0], lon, lat, agent[0], extent, L, W, p).margin;
          }
          int32_t violated = -1;
          for (int64_t t = 1; t < last && violated < 0; ++t) {
            const EgoStep& e = steps[t];
            if (!(e.v > p.stopped_speed)) continue;
            if (!plan.valid(rq.agent_valid.data, b, m, k, t)) continue;
            // Exact early outs: behind, beside, or farther than any d_safe reaches.
            double lon, lat;
            frame(e, agent[t], &lon, &lat);
            if (!(lon > 0) || lon - 0.5 * L - radius > far || !(std::fabs(lat) < corridor)) {
              continue;
            }
            const Seen now = seen(e, lon, lat, agent[t], extent, L, W, p);
            if (!now.in_path) continue;
            const double recovered = m0 + p.recovery_rate * (double(t) * rq.dt - p.reaction_time);
            if (now.margin < std::min(0.0, recovered) - p.tolerance) violated = int32_t(t);
          }
          if (violated < 0) continue;
          score = 0.0f;
          first = first < 0 ? violated : std::min(first, violated);
          if (rq.agent_prob.data != nullptr) p_violation += rq.agent_prob.data[(b * M + m) * K + k];
        }
        none *= 1.0 - std::min(p_violation, 1.0);
      }
      out.score.data[bn] = score;
      out.first_step.data[bn] = first;
      if (out.violation_prob.data != nullptr) {
        out.violation_prob.data[bn] = static_cast<float>(1.0 - none);
      }
    }
  });
}

}  // namespace trajcore
