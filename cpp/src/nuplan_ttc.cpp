// nuPlan's time to collision: constant-velocity projections of the ego and the relevant agents.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "agent_motion.hpp"
#include "at_fault_check.hpp"
#include "collision_plan.hpp"
#include "parallel.hpp"
#include "trajcore/collision_metrics.hpp"
#include "trajcore/error.hpp"
#include "trajcore/map_metrics.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

// A box as centre, unit heading and half extents, in double: nuPlan's shapely tests run in
// float64, and the projections accumulate.
struct Rect {
  double x, y, c, s, hl, hw;
};

// Separating-axis test; touching rectangles overlap (shapely's intersects).
bool overlap(const Rect& a, const Rect& b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double cc = std::fabs(a.c * b.c + a.s * b.s);
  const double ss = std::fabs(a.c * b.s - a.s * b.c);
  if (std::fabs(dx * a.c + dy * a.s) > a.hl + b.hl * cc + b.hw * ss) return false;
  if (std::fabs(-dx * a.s + dy * a.c) > a.hw + b.hl * ss + b.hw * cc) return false;
  if (std::fabs(dx * b.c + dy * b.s) > b.hl + a.hl * cc + a.hw * ss) return false;
  return std::fabs(-dx * b.s + dy * b.c) <= b.hw + a.hl * ss + a.hw * cc;
}

// The box swept over the horizon as nuPlan builds it (_get_relevant_tracks): centre moved half of
// the displacement, length grown by all of it, heading unchanged.
Rect elongated(const Rect& r, double dx, double dy, double steps) {
  return Rect{r.x + steps / 2 * dx,
              r.y + steps / 2 * dy,
              r.c,
              r.s,
              r.hl + 0.5 * std::hypot(dx * steps, dy * steps),
              r.hw};
}

void check_params(const NuplanTtcRequest& rq) {
  auto positive = [](double v, const char* name, const char* unit) {
    if (!(v > 0) || !std::isfinite(v)) {
      throw Error(std::string(name) + " is " + detail::value_str(v) + ", expected > 0 " + unit);
    }
  };
  auto non_negative = [](double v, const char* name, const char* unit) {
    if (!(v >= 0) || !std::isfinite(v)) {
      throw Error(std::string(name) + " is " + detail::value_str(v) + ", expected >= 0 " + unit);
    }
  };
  positive(rq.time_step, "time_step", "seconds");
  positive(rq.time_horizon, "time_horizon", "seconds");
  non_negative(rq.least_min_ttc, "least_min_ttc", "seconds");
  non_negative(rq.stopped_speed, "stopped_speed", "m/s");
}

struct NuplanTtcBuffers {
  std::vector<int32_t> no_contacts, types, first, kind;
  std::vector<float> score;
};

}  // namespace

void nuplan_time_to_collision(const NuplanTtcRequest& rq, const NuplanTtcOutputs& out) {
  check_params(rq);
  // The inputs it shares with at_fault_collisions go through the same checks.
  thread_local NuplanTtcBuffers buf;
  const Shape& s = rq.states.shape;
  const Shape& a = rq.agents.shape;
  Shape per_candidate, modes;
  if (rq.states.data != nullptr && (s.rank() == 3 || s.rank() == 4) && a.rank() >= 4) {
    per_candidate = s.without_last().without_last();
    modes = per_candidate;
    modes.push_back(a[a.rank() - 4]);
    modes.push_back(a[a.rank() - 3]);
  }
  AtFaultRequest probe;
  probe.states = rq.states;
  probe.areas = rq.areas;
  probe.agents = rq.agents;
  probe.agent_extent = rq.agent_extent;
  probe.agent_type = rq.agent_type;
  probe.agent_prob = rq.agent_prob;
  probe.agent_speed = rq.agent_speed;
  probe.ignored = rq.ignored;
  probe.length = rq.length;
  probe.width = rq.width;
  probe.rear_axle_to_center = rq.rear_axle_to_center;
  probe.dt = rq.dt;
  probe.agent_first_step = rq.agent_first_step;
  if (rq.agent_first_step.data == nullptr) {
    buf.no_contacts.assign(static_cast<size_t>(std::max<int64_t>(modes.numel(), 1)), -1);
    probe.agent_first_step = {buf.no_contacts.data(), modes, {}};
  }
  buf.score.resize(static_cast<size_t>(std::max<int64_t>(per_candidate.numel(), 1)));
  buf.first.resize(buf.score.size());
  buf.kind.resize(static_cast<size_t>(std::max<int64_t>(modes.numel(), 1)));
  const detail::AtFaultDims d =
      detail::check_at_fault(probe, AtFaultOutputs{{buf.score.data(), per_candidate, {}},
                                                   {},
                                                   {buf.first.data(), per_candidate, {}},
                                                   {buf.kind.data(), modes, {}}});
  if (rq.at_fault_step.data != nullptr) {
    if (rq.at_fault_step.shape != per_candidate) {
      throw Error("at_fault_step has shape " + rq.at_fault_step.shape.str() + ", expected " +
                  per_candidate.str() + " = (B, N) from at_fault_collisions");
    }
    for (int64_t i = 0; i < per_candidate.numel(); ++i) {
      const int32_t t = rq.at_fault_step.data[i];
      if (t < -1 || t >= d.T1) {
        throw Error("at_fault_step" + detail::index_str(per_candidate, i) + " is " +
                    std::to_string(t) + ", expected -1 or a step in [0, " + std::to_string(d.T1) +
                    ")");
      }
    }
  }
  // agent_valid's forms are check_collisions' own.
  CollisionRequest valid_probe;
  valid_probe.ego = rq.states;
  const float extent[2] = {rq.length, rq.width};
  valid_probe.ego_extent = {extent, Shape{2}, {}};
  valid_probe.agents = rq.agents;
  valid_probe.agent_extent = rq.agent_extent;
  valid_probe.agent_valid = rq.agent_valid;
  const detail::CollisionPlan plan = detail::plan_collisions(valid_probe);
  detail::check_output(out.score.shape, out.score.data, out.score.device, "score", per_candidate,
                       Device{});
  detail::check_output(out.first_step.shape, out.first_step.data, out.first_step.device,
                       "first_step", per_candidate, Device{});
  if (out.min_ttc.data != nullptr) {
    detail::check_output(out.min_ttc.shape, out.min_ttc.data, out.min_ttc.device, "min_ttc",
                         per_candidate, Device{});
  }
  if (out.violation_prob.data != nullptr) {
    if (rq.agent_prob.data == nullptr)
      throw Error("violation_prob needs agent_prob, which is not given");
    detail::check_output(out.violation_prob.shape, out.violation_prob.data,
                         out.violation_prob.device, "violation_prob", per_candidate, Device{});
  }

  const double step = rq.time_step;
  const double horizon_steps = rq.time_horizon / step;
  // len(numpy.arange(step, horizon, step)).
  const int64_t projections =
      std::max<int64_t>(0, static_cast<int64_t>(std::ceil((rq.time_horizon - step) / step)));
  const double inf = std::numeric_limits<double>::infinity();
  const double hl = 0.5 * rq.length, hw = 0.5 * rq.width;
  detail::parallel_for(d.B * d.N, 8, [&](int64_t begin, int64_t end) {
    for (int64_t bn = begin; bn < end; ++bn) {
      const int64_t b = bn / d.N;
      const int32_t at_fault = rq.at_fault_step.data != nullptr ? rq.at_fault_step.data[bn] : -1;
      double min_ttc = at_fault >= 0 ? 0.0 : inf;
      int32_t first = at_fault;
      double none = 1.0;  // prod_m (1 - P(agent m violates))
      for (int64_t m = 0; m < d.M; ++m) {
        if (rq.ignored.data != nullptr && rq.ignored.data[b * d.M + m]) continue;
        const bool object = rq.agent_type.data[b * d.M + m] == int32_t(AgentType::kObject);
        const float* agent_extent = rq.agent_extent.data + (b * d.M + m) * 2;
        double p_violation = 0;
        for (int64_t k = 0; k < d.K; ++k) {
          const int64_t mk = (b * d.M + m) * d.K + k;
          const int32_t contact = probe.agent_first_step.data[(bn * d.M + m) * d.K + k];
          const float* poses = rq.agents.data + mk * d.T1 * 3;
          int32_t mode_first = -1;
          for (int64_t t = 0; t < d.T1; ++t) {
            if (t == at_fault) continue;  // nuPlan's TTC is 0 there, whatever the tracks
            if (contact >= 0 && t >= contact) break;
            if (!plan.valid(rq.agent_valid.data, b, m, k, t)) continue;
            const float* ego = rq.states.data + (bn * d.T1 + t) * d.S;
            const double speed = std::fabs(double(ego[3]));
            if (speed <= rq.stopped_speed) continue;
            const float* agent = poses + t * 3;
            const double angle = detail::angle_from_rear_axle(ego, rq.rear_axle_to_center, agent);
            const int32_t area = rq.areas.data[bn * d.T1 + t];
            const bool exposed =
                (area & (kEgoMultipleLanes | kEgoOffRoad | kEgoInIntersection)) != 0;
            if (!(angle < rq.ahead_angle || (exposed && !(angle > rq.behind_angle)))) continue;
            Rect e{ego[0], ego[1], std::cos(double(ego[2])), std::sin(double(ego[2])), hl, hw};
            const double edx = e.c * speed * step, edy = e.s * speed * step;
            const double agent_speed = object ? 0.0
                                       : rq.agent_speed.data != nullptr
                                           ? double(rq.agent_speed.data[mk * d.T1 + t])
                                           : detail::estimated_agent_speed(poses, d.T1, t, rq.dt);
            Rect g{agent[0],
                   agent[1],
                   std::cos(double(agent[2])),
                   std::sin(double(agent[2])),
                   0.5 * agent_extent[0],
                   0.5 * agent_extent[1]};
            const double gdx = g.c * agent_speed * step, gdy = g.s * agent_speed * step;
            if (!overlap(elongated(e, edx, edy, horizon_steps),
                         elongated(g, gdx, gdy, horizon_steps))) {
              continue;
            }
            for (int64_t i = 0; i < projections; ++i) {
              e.x += edx;
              e.y += edy;
              g.x += gdx;
              g.y += gdy;
              if (!overlap(e, g)) continue;
              const double ttc = step + static_cast<double>(i) * step;
              min_ttc = std::min(min_ttc, ttc);
              if (ttc <= rq.least_min_ttc && mode_first < 0) mode_first = static_cast<int32_t>(t);
              break;
            }
            if (mode_first >= 0 && out.min_ttc.data == nullptr) break;
          }
          if (mode_first < 0) continue;
          first = first < 0 ? mode_first : std::min(first, mode_first);
          if (rq.agent_prob.data != nullptr) p_violation += rq.agent_prob.data[mk];
        }
        none *= 1.0 - std::min(p_violation, 1.0);
      }
      out.score.data[bn] = first >= 0 ? 0.0f : 1.0f;
      out.first_step.data[bn] = first;
      if (out.min_ttc.data != nullptr) out.min_ttc.data[bn] = static_cast<float>(min_ttc);
      if (out.violation_prob.data != nullptr)
        out.violation_prob.data[bn] = static_cast<float>(1.0 - none);
    }
  });
}

}  // namespace trajcore
