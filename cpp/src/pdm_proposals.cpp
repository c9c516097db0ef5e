// PDM-Closed's proposals (trajcore/generators.hpp): centreline offsets x IDM speed profiles,
// tracked into feasible trajectories.
//
// Paths are parallel offsets of the centreline; progress along an offset path is its own arc
// length sigma(s) = integral of (1 - kappa(s) offset) ds, mapped back to the centreline's s to
// place the poses. Agents are projected on the centreline once per step and measured in each
// path's frame: the gap is the distance along the path from the ego's front to the agent box's
// rear (PDM uses the polygon distance; the two agree for boxes aligned with a straight path).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "generator_common.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

// Arc length of the path at `offset` as a function of the centreline's s, on its samples.
struct OffsetPath {
  double offset = 0, spacing = 0, length = 0, path_length = 0;
  std::vector<double> sigma;  // at s_i = i * spacing (last: length)

  void build(const ReferenceLine& line, double o) {
    offset = o;
    spacing = line.spacing();
    length = line.length();
    const auto& kappa = line.sample_curvature();
    const size_t n = kappa.size();
    sigma.assign(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
      if (1.0 - kappa[i] * o <= 0.05) {
        throw Error("offsets contains " + detail::value_str(o) +
                    ", expected less than the centreline's radius of curvature (" +
                    detail::value_str(1.0 / std::fabs(kappa[i])) +
                    " m at s = " + detail::value_str(double(i) * spacing) + ")");
      }
      if (i == 0) continue;
      const double ds = (i + 1 == n ? length : double(i) * spacing) - double(i - 1) * spacing;
      sigma[i] = sigma[i - 1] + ds * (1.0 - 0.5 * (kappa[i] + kappa[i - 1]) * o);
    }
    path_length = sigma.back();
  }
  double sigma_of(double s) const {
    if (s <= 0) return s;
    if (s >= length) return path_length + (s - length);
    const size_t i = std::min(size_t(s / spacing), sigma.size() - 2);
    const double s0 = double(i) * spacing, s1 = i + 2 == sigma.size() ? length : s0 + spacing;
    return sigma[i] + (s - s0) / (s1 - s0) * (sigma[i + 1] - sigma[i]);
  }
  double s_of(double g) const {
    if (g <= 0) return g;
    if (g >= path_length) return length + (g - path_length);
    const size_t i = size_t(std::upper_bound(sigma.begin(), sigma.end(), g) - sigma.begin()) - 1;
    const double s0 = double(i) * spacing, s1 = i + 2 == sigma.size() ? length : s0 + spacing;
    return s0 + (g - sigma[i]) / (sigma[i + 1] - sigma[i]) * (s1 - s0);
  }
};

// One agent at one step in the centreline's frame.
struct AgentSample {
  double s, d;                     // box centre
  double half_along, half_across;  // the box's half extents along and across the line
  double speed;                    // velocity along the line
};

void check_agents(const PdmProposalsRequest& rq, const Shape& scenes, int64_t* m_out) {
  const Shape& ps = rq.agent_poses.shape;
  const int64_t T = rq.steps;
  if (ps.rank() != scenes.rank() + 3 || ps.back() != 3 || ps[ps.rank() - 2] != T + 1 ||
      ps.without_last(3) != scenes) {
    throw Error("agent_poses has shape " + ps.str() + ", expected (" +
                (scenes.rank() ? std::to_string(scenes[0]) + ", " : std::string()) + "M, " +
                std::to_string(T + 1) + ", 3) = (agents, steps + 1, x y yaw)");
  }
  const int64_t M = ps[ps.rank() - 3];
  Shape ext = ps.without_last(2);
  ext.push_back(2);
  if (rq.agent_extents.shape != ext) {
    throw Error("agent_extents has shape " + rq.agent_extents.shape.str() + ", expected " +
                ext.str() + " = (agents, length and width)");
  }
  if (rq.agent_valid.data != nullptr && rq.agent_valid.shape != ps.without_last(2)) {
    throw Error("agent_valid has shape " + rq.agent_valid.shape.str() + ", expected " +
                ps.without_last(2).str());
  }
  const int64_t agents = ps.without_last(2).numel();
  for (int64_t a = 0; a < agents; ++a) {
    if (rq.agent_valid.data != nullptr && !rq.agent_valid.data[a]) continue;
    for (int64_t i = 0; i < (T + 1) * 3; ++i) {
      const float v = rq.agent_poses.data[a * (T + 1) * 3 + i];
      if (!std::isfinite(v)) {
        throw Error("agent_poses" + detail::index_str(ps, a * (T + 1) * 3 + i) + " is " +
                    detail::value_str(v) + ", expected a finite number (or the agent invalid)");
      }
    }
    for (int f = 0; f < 2; ++f) {
      const float e = rq.agent_extents.data[a * 2 + f];
      if (!std::isfinite(e) || e < 0) {
        throw Error("agent_extents" + detail::index_str(ext, a * 2 + f) + " is " +
                    detail::value_str(e) + ", expected a finite number >= 0");
      }
    }
  }
  *m_out = M;
}

}  // namespace

void pdm_proposals(const PdmProposalsRequest& rq, const CandidateOutputs& result) {
  const Shape scenes = detail::check_ego_state(rq.ego_state, rq.params);
  if (rq.centerline == nullptr) throw Error("centerline is null, expected a ReferenceLine");
  const double inf = std::numeric_limits<double>::infinity();
  detail::check_values(rq.offsets, "offsets", -detail::kMaxOffset, false, detail::kMaxOffset);
  detail::check_values(rq.speed_fractions, "speed_fractions", 0.0, true, inf);
  auto positive = [](double v, const char* name) {
    if (!std::isfinite(v) || v <= 0) {
      throw Error(std::string(name) + " is " + detail::value_str(v) +
                  ", expected a finite number > 0");
    }
  };
  positive(rq.speed_limit, "speed_limit");
  for (size_t i = 0; i < rq.speed_fractions.size(); ++i) {
    if (rq.speed_fractions[i] * rq.speed_limit > detail::kMaxSpeed) {
      throw Error("speed_fractions[" + std::to_string(i) + "] times speed_limit is " +
                  detail::value_str(rq.speed_fractions[i] * rq.speed_limit) +
                  " m/s, expected a target speed <= " + detail::value_str(detail::kMaxSpeed));
    }
  }
  positive(rq.dt, "dt");
  if (std::isinf(rq.stop_line)) {
    throw Error("stop_line is " + detail::value_str(rq.stop_line) +
                ", expected a station on the centreline (m) or NaN for none");
  }
  positive(rq.idm.min_gap, "idm.min_gap");
  positive(rq.idm.max_acceleration, "idm.max_acceleration");
  positive(rq.idm.comfortable_braking, "idm.comfortable_braking");
  positive(rq.idm.exponent, "idm.exponent");
  if (!std::isfinite(rq.idm.headway) || rq.idm.headway < 0) {
    throw Error("idm.headway is " + detail::value_str(rq.idm.headway) + ", expected >= 0");
  }
  if (rq.steps < 1) {
    throw Error("T (steps) is " + std::to_string(rq.steps) + ", expected at least 1");
  }
  validate(rq.tracker);
  int64_t M = 0;
  if (rq.agent_poses.data != nullptr || rq.agent_poses.shape.rank() > 0) {
    check_agents(rq, scenes, &M);
  }

  const ReferenceLine& line = *rq.centerline;
  const VehicleParams& p = rq.params;
  const int64_t T = rq.steps, P = T + 1, B = scenes.numel();
  const int64_t n_off = int64_t(rq.offsets.size()), n_frac = int64_t(rq.speed_fractions.size());
  const int64_t N = n_off * n_frac;
  detail::check_candidate_outputs(rq.ego_state, N, T, rq.params.has_trailer, result);
  double max_target = 0;
  for (int64_t n = 0; n < N; ++n) {
    const double target = rq.speed_fractions[size_t(n % n_frac)] * rq.speed_limit;
    max_target = std::max(max_target, target);
    result.offsets.data[n] = float(rq.offsets[size_t(n / n_frac)]);
    result.target_speeds.data[n] = float(target);
    result.durations.data[n] = float(T * rq.dt);
  }

  std::vector<OffsetPath> paths(static_cast<size_t>(n_off));
  for (int64_t i = 0; i < n_off; ++i) paths[size_t(i)].build(line, rq.offsets[size_t(i)]);
  std::vector<AgentSample> agents(static_cast<size_t>(M * P));
  std::vector<char> active(static_cast<size_t>(M));
  const double c = p.rear_axle_to_center;
  const double front = c + 0.5 * p.length;  // rear axle to the front bumper
  const double sqrt_ab = std::sqrt(rq.idm.max_acceleration * rq.idm.comfortable_braking);

  for (int64_t b = 0; b < B; ++b) {
    const detail::RearAxle ego = detail::rear_axle(rq.ego_state.data + b * 6, p);
    double ego_s, ego_d;
    line.project(ego.x, ego.y, &ego_s, &ego_d);
    // Agents in the centreline's frame. Like PDM, an agent the ego already overlaps at t = 0 is
    // not followed (here: overlapping in the Frenet frame).
    for (int64_t m = 0; m < M; ++m) {
      const int64_t a = b * M + m;
      active[size_t(m)] = rq.agent_valid.data == nullptr || rq.agent_valid.data[a];
      if (!active[size_t(m)]) continue;
      const float* poses = rq.agent_poses.data + a * P * 3;
      const double half_l = 0.5 * rq.agent_extents.data[a * 2],
                   half_w = 0.5 * rq.agent_extents.data[a * 2 + 1];
      for (int64_t t = 0; t < P; ++t) {
        AgentSample& g = agents[size_t(m * P + t)];
        line.project(poses[t * 3], poses[t * 3 + 1], &g.s, &g.d);
        const ReferenceLine::Pose r = line.evaluate(g.s);
        const double rel = poses[t * 3 + 2] - r.heading;
        g.half_along = std::fabs(half_l * std::cos(rel)) + std::fabs(half_w * std::sin(rel));
        g.half_across = std::fabs(half_l * std::sin(rel)) + std::fabs(half_w * std::cos(rel));
        const int64_t t0 = t < T ? t : T - 1;
        const double vx = (poses[(t0 + 1) * 3] - poses[t0 * 3]) / rq.dt;
        const double vy = (poses[(t0 + 1) * 3 + 1] - poses[t0 * 3 + 1]) / rq.dt;
        g.speed = vx * std::cos(r.heading) + vy * std::sin(r.heading);
      }
      const AgentSample& g0 = agents[size_t(m * P)];
      const double ego_centre_s = ego_s + c;
      if (std::fabs(g0.s - ego_centre_s) < g0.half_along + 0.5 * p.length &&
          std::fabs(g0.d - ego_d) < g0.half_across + 0.5 * p.width) {
        active[size_t(m)] = 0;
      }
    }

    float* out = result.references.data + b * N * P * 4;
    for (int64_t i = 0; i < n_off; ++i) {
      const OffsetPath& path = paths[size_t(i)];
      const double o = path.offset;
      const double start = path.sigma_of(ego_s);
      const double corridor_end = start + max_target * T * rq.dt;
      const bool stops = !std::isnan(rq.stop_line);
      const double stop = stops ? path.sigma_of(rq.stop_line) : 0.0;
      for (int64_t j = 0; j < n_frac; ++j) {
        const double target = rq.speed_fractions[size_t(j)] * rq.speed_limit;
        float* ref = out + (i * n_frac + j) * P * 4;
        double progress = start, v = ego.v;
        for (int64_t t = 0; t < P; ++t) {
          if (t > 0) {
            // The nearest agent ahead in the corridor at step t; else the path's end.
            double gap = path.path_length - progress - 0.5 * p.length, lead_v = 0;
            for (int64_t m = 0; m < M; ++m) {
              if (!active[size_t(m)]) continue;
              const AgentSample& g = agents[size_t(m * P + t)];
              const double sigma = path.sigma_of(g.s);
              if (sigma <= progress || std::fabs(g.d - o) > 0.5 * p.width + g.half_across) continue;
              if (sigma - g.half_along > corridor_end + 0.5 * p.width) continue;
              const double agent_gap = std::max(sigma - g.half_along - (progress + front), 0.0);
              if (agent_gap < gap) gap = agent_gap, lead_v = g.speed;
            }
            if (stops && stop - (progress + front) < gap) {
              gap = std::max(stop - (progress + front), 0.0), lead_v = 0;
            }
            const double s_star =
                rq.idm.min_gap + v * rq.idm.headway + v * (v - lead_v) / (2 * sqrt_ab);
            const double ratio = s_star / std::max(gap, rq.idm.min_gap);
            double accel = rq.idm.max_acceleration *
                           (1 - std::pow(v / target, rq.idm.exponent) - ratio * ratio);
            accel = std::clamp(accel, -rq.idm.comfortable_braking, rq.idm.max_acceleration);
            progress += rq.dt * v;
            v = std::max(v + rq.dt * accel, 0.0);
          }
          const ReferenceLine::Pose pose = line.evaluate(path.s_of(progress));
          const double ch = std::cos(pose.heading), sh = std::sin(pose.heading);
          const double rx = pose.x - o * sh, ry = pose.y + o * ch;
          ref[t * 4 + 0] = float(rx + c * ch);
          ref[t * 4 + 1] = float(ry + c * sh);
          ref[t * 4 + 2] = float(std::remainder(pose.heading, 2 * M_PI));
          ref[t * 4 + 3] = float(v);
        }
      }
    }
  }
  detail::track_candidates(rq.ego_state, rq.dt, rq.params, rq.tracker, result);
}

void pdm_proposals(const PdmProposalsRequest& rq, CandidateSet& result) {
  // Sized from the list lengths once ego_state and steps are known to be valid; the view
  // overload checks everything else.
  detail::check_ego_state(rq.ego_state, rq.params);
  if (rq.steps < 1) {
    throw Error("T (steps) is " + std::to_string(rq.steps) + ", expected at least 1");
  }
  const int64_t n = int64_t(rq.offsets.size()) * int64_t(rq.speed_fractions.size());
  pdm_proposals(rq,
                detail::size_candidates(rq.ego_state, n, rq.steps, rq.params.has_trailer, result));
}

}  // namespace trajcore
