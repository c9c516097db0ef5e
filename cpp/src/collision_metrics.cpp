// At-fault collisions: nuPlan's classification at each candidate's first collision with an agent.
#include "trajcore/collision_metrics.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <type_traits>

#include "agent_motion.hpp"
#include "at_fault_check.hpp"
#include "parallel.hpp"
#include "segment_clip.hpp"
#include "trajcore/error.hpp"
#include "trajcore/collision.hpp"
#include "trajcore/map_metrics.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

constexpr int64_t kGrain = 8;

void expect_shape(const char* name, const Shape& got, const Shape& want, const char* meaning) {
  if (got != want) {
    throw Error(std::string(name) + " has shape " + got.str() + ", expected " + want.str() + " = " +
                meaning);
  }
}

template <class T>
void check_finite(const TensorView<const T>& v, const char* name) {
  const int64_t n = v.numel();
  if constexpr (std::is_same_v<T, float>) {
    if (detail::all_finite(v.data, n)) return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(static_cast<double>(v.data[i]))) {
      throw Error(std::string(name) + detail::index_str(v.shape, i) + " is " +
                  detail::value_str(static_cast<double>(v.data[i])) + ", expected a finite value");
    }
  }
}

}  // namespace

namespace detail {

AtFaultDims check_at_fault(const AtFaultRequest& rq, const AtFaultOutputs& out) {
  const Shape& s = rq.states.shape;
  const Shape& a = rq.agents.shape;
  if (rq.states.data == nullptr || (s.rank() != 3 && s.rank() != 4) || s.back() < 4) {
    throw Error("states has shape " + s.str() + ", expected (B, N, T+1, S) with S >= 4");
  }
  const bool batched = s.rank() == 4;
  AtFaultDims d{batched ? s[0] : 1, s[s.rank() - 3], s[s.rank() - 2], s.back(), 0, 0};
  if (rq.agents.data == nullptr || a.rank() != (batched ? 5 : 4) || a.back() != 3) {
    throw Error("agents has shape " + a.str() + ", expected " +
                (batched ? "(B, M, K, T+1, 3)" : "(M, K, T+1, 3)"));
  }
  d.M = a[a.rank() - 4];
  d.K = a[a.rank() - 3];
  auto with_b = [&](std::initializer_list<int64_t> dims) {
    Shape out;
    if (batched) out.push_back(d.B);
    for (int64_t v : dims) out.push_back(v);
    return out;
  };
  expect_shape("agents", a, with_b({d.M, d.K, d.T1, 3}), "(B, M, K, T+1, 3) with the states' T+1");
  expect_shape("areas", rq.areas.shape, with_b({d.N, d.T1}), "(B, N, T+1) from ego_areas");
  expect_shape("agent_extent", rq.agent_extent.shape, with_b({d.M, 2}), "(B, M, 2)");
  expect_shape("agent_type", rq.agent_type.shape, with_b({d.M}), "(B, M)");
  expect_shape("agent_first_step", rq.agent_first_step.shape, with_b({d.N, d.M, d.K}),
               "(B, N, M, K) from check_collisions");
  if (rq.agent_prob.data != nullptr) {
    expect_shape("agent_prob", rq.agent_prob.shape, with_b({d.M, d.K}), "(B, M, K)");
    check_finite(rq.agent_prob, "agent_prob");
  }
  if (rq.agent_speed.data != nullptr) {
    expect_shape("agent_speed", rq.agent_speed.shape, with_b({d.M, d.K, d.T1}), "(B, M, K, T+1)");
    check_finite(rq.agent_speed, "agent_speed");
  }
  if (rq.ignored.data != nullptr)
    expect_shape("ignored", rq.ignored.shape, with_b({d.M}), "(B, M)");
  for (const Device* dev : {&rq.states.device, &rq.agents.device}) {
    if (dev->is_cuda())
      throw Error("at_fault_collisions runs on the CPU; got arrays on " + dev->str());
  }
  check_finite(rq.states, "states");
  check_finite(rq.agents, "agents");
  check_finite(rq.agent_extent, "agent_extent");
  for (int64_t i = 0; i < rq.agent_type.numel(); ++i) {
    const int32_t t = rq.agent_type.data[i];
    if (t < 0 || t > static_cast<int32_t>(AgentType::kObject)) {
      throw Error("agent_type" + detail::index_str(rq.agent_type.shape, i) + " is " +
                  std::to_string(t) +
                  ", expected 0 (vehicle), 1 (pedestrian), 2 (bicycle) or 3 (object)");
    }
  }
  const int64_t first_steps = rq.agent_first_step.numel();
  bool steps_ok = true;  // a branch-free scan first; the position only where it failed
  for (int64_t i = 0; i < first_steps; ++i) {
    const int32_t t = rq.agent_first_step.data[i];
    steps_ok &= (t >= -1) & (t < d.T1);
  }
  for (int64_t i = 0; i < first_steps && !steps_ok; ++i) {
    const int32_t t = rq.agent_first_step.data[i];
    if (t < -1 || t >= d.T1) {
      throw Error("agent_first_step" + detail::index_str(rq.agent_first_step.shape, i) + " is " +
                  std::to_string(t) + ", expected -1 or a step in [0, " + std::to_string(d.T1) +
                  ")");
    }
  }
  if (!(rq.length > 0) || !(rq.width > 0)) {
    throw Error("ego extent is (" + detail::value_str(rq.length) + ", " +
                detail::value_str(rq.width) + "), expected a positive length and width");
  }
  if (!(rq.dt > 0) || !std::isfinite(rq.dt)) {
    throw Error("dt is " + detail::value_str(rq.dt) + ", expected > 0 seconds");
  }
  const Shape per_candidate = with_b({d.N});
  detail::check_output(out.score.shape, out.score.data, out.score.device, "score", per_candidate,
                       Device{});
  detail::check_output(out.first_step.shape, out.first_step.data, out.first_step.device,
                       "first_step", per_candidate, Device{});
  detail::check_output(out.collision_type.shape, out.collision_type.data, out.collision_type.device,
                       "collision_type", with_b({d.N, d.M, d.K}), Device{});
  if (out.at_fault_prob.data != nullptr) {
    if (rq.agent_prob.data == nullptr)
      throw Error("at_fault_prob needs agent_prob, which is not given");
    detail::check_output(out.at_fault_prob.shape, out.at_fault_prob.data, out.at_fault_prob.device,
                         "at_fault_prob", per_candidate, Device{});
  }
  return d;
}

}  // namespace detail

namespace {

// Whether segment p0-p1 touches the box (centre, yaw, length, width): the segment clipped to the
// box in the box frame (Liang-Barsky), boundary included.
bool segment_touches_box(double p0x, double p0y, double p1x, double p1y, const float* pose,
                         const float* extent) {
  const double c = std::cos(pose[2]), s = std::sin(pose[2]);
  auto local = [&](double x, double y, double* u, double* v) {
    const double dx = x - pose[0], dy = y - pose[1];
    *u = dx * c + dy * s;
    *v = -dx * s + dy * c;
  };
  double u0, v0, u1, v1;
  local(p0x, p0y, &u0, &v0);
  local(p1x, p1y, &u1, &v1);
  const double hl = 0.5 * extent[0], hw = 0.5 * extent[1];
  return detail::segment_meets_box(u0, v0, u1, v1, -hl, -hw, hl, hw);
}

}  // namespace

void at_fault_collisions(const AtFaultRequest& rq, const AtFaultOutputs& out) {
  const detail::AtFaultDims d = detail::check_at_fault(rq, out);
  const double hl = 0.5 * rq.length, hw = 0.5 * rq.width;
  detail::parallel_for(d.B * d.N, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t bn = begin; bn < end; ++bn) {
      const int64_t b = bn / d.N;
      float score = 1.0f;
      int32_t first = -1;
      double none_at_fault = 1.0;           // prod_m (1 - P(agent m at fault))
      int32_t agents_at_fault[2] = {0, 0};  // vehicles and vulnerable road users, objects
      for (int64_t m = 0; m < d.M; ++m) {
        bool agent_at_fault = false;
        const bool ignored = rq.ignored.data != nullptr && rq.ignored.data[b * d.M + m];
        const auto type = static_cast<AgentType>(rq.agent_type.data[b * d.M + m]);
        const float* extent = rq.agent_extent.data + (b * d.M + m) * 2;
        double p_at_fault = 0;
        for (int64_t k = 0; k < d.K; ++k) {
          const int64_t mk = (b * d.M + m) * d.K + k;
          int32_t* type_out = out.collision_type.data + (bn * d.M + m) * d.K + k;
          const int32_t t = rq.agent_first_step.data[bn * d.M * d.K + m * d.K + k];
          if (t < 0 || ignored) {
            *type_out = static_cast<int32_t>(CollisionType::kNoCollision);
            continue;
          }
          const float* ego = rq.states.data + (bn * d.T1 + t) * d.S;
          const float* agent = rq.agents.data + (mk * d.T1 + t) * 3;
          const double agent_speed =
              rq.agent_speed.data != nullptr
                  ? double(rq.agent_speed.data[mk * d.T1 + t])
                  : detail::estimated_agent_speed(rq.agents.data + mk * d.T1 * 3, d.T1, t, rq.dt);
          const double c = std::cos(ego[2]), s = std::sin(ego[2]);
          const double angle = detail::angle_from_rear_axle(ego, rq.rear_axle_to_center, agent);
          CollisionType kind;
          if (std::fabs(ego[3]) <= rq.stopped_speed) {
            kind = CollisionType::kStoppedEgo;
          } else if (type == AgentType::kObject || agent_speed <= rq.stopped_speed) {
            kind = CollisionType::kStoppedTrack;
          } else if (angle > rq.behind_angle) {
            kind = CollisionType::kActiveRear;
          } else if (segment_touches_box(ego[0] + hl * c - hw * s, ego[1] + hl * s + hw * c,
                                         ego[0] + hl * c + hw * s, ego[1] + hl * s - hw * c, agent,
                                         extent)) {
            kind = CollisionType::kActiveFront;
          } else {
            kind = CollisionType::kActiveLateral;
          }
          *type_out = static_cast<int32_t>(kind);
          const int32_t area = rq.areas.data[bn * d.T1 + t];
          const bool at_fault = kind == CollisionType::kStoppedTrack ||
                                kind == CollisionType::kActiveFront ||
                                (kind == CollisionType::kActiveLateral &&
                                 ((rq.vru_lateral_at_fault && (type == AgentType::kPedestrian ||
                                                               type == AgentType::kBicycle)) ||
                                  (area & (kEgoMultipleLanes | kEgoOffRoad)) != 0));
          if (!at_fault) continue;
          agent_at_fault = true;
          score = std::min(score, type == AgentType::kObject ? 0.5f : 0.0f);
          first = first < 0 ? t : std::min(first, t);
          if (rq.agent_prob.data != nullptr) p_at_fault += rq.agent_prob.data[mk];
        }
        none_at_fault *= 1.0 - std::min(p_at_fault, 1.0);
        if (agent_at_fault) ++agents_at_fault[type == AgentType::kObject ? 1 : 0];
      }
      if (rq.scoring == AtFaultScoring::kNuplanCounts) {
        score = std::max(0.0f, 1.0f - float(agents_at_fault[0])) *
                std::max(0.0f, 1.0f - float(agents_at_fault[1]) / 2.0f);
      }
      out.score.data[bn] = score;
      out.first_step.data[bn] = first;
      if (out.at_fault_prob.data != nullptr)
        out.at_fault_prob.data[bn] = static_cast<float>(1.0 - none_at_fault);
    }
  });
}

}  // namespace trajcore

namespace trajcore {
namespace {

// The ego states pushed `steps` steps ahead at their speeds, over the steps that have agents
// that far ahead: (B, N, T+1-steps, 3); steps below stopped_speed go far away (never contact).
// Each step's velocity vector (v cos yaw, v sin yaw), once for all projections: (B * N * T+1, 2),
// parallel over candidates.
void step_velocities(const TtcRequest& rq, int64_t rows, int64_t T1, int64_t S,
                     std::vector<double>& out) {
  out.resize(static_cast<size_t>(rows * T1 * 2));
  detail::parallel_for(rows, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * T1; i < end * T1; ++i) {
      const float* st = rq.states.data + i * S;
      const double v = st[3], yaw = st[2];
      out[2 * i] = std::cos(yaw) * v;
      out[2 * i + 1] = std::sin(yaw) * v;
    }
  });
}

// The ego states pushed `steps` steps ahead at their speeds, over the steps that have agents
// that far ahead: (B, N, T+1-steps, 3); steps below stopped_speed go far away (never contact).
void projected_ego(const TtcRequest& rq, const std::vector<double>& velocity, int64_t rows,
                   int64_t T1, int64_t S, int32_t steps, std::vector<float>& out) {
  const int64_t T1p = T1 - steps;
  out.resize(static_cast<size_t>(rows * T1p * 3));
  const double reach = steps * rq.dt;
  detail::parallel_for(rows, kGrain * 8, [&](int64_t begin, int64_t end) {
    for (int64_t bn = begin; bn < end; ++bn) {
      for (int64_t t = 0; t < T1p; ++t) {
        const int64_t i = bn * T1 + t;
        const float* st = rq.states.data + i * S;
        float* o = out.data() + (bn * T1p + t) * 3;
        if (std::fabs(double(st[3])) < rq.stopped_speed) {
          o[0] = o[1] = 1e9f;  // parked far outside any scene: no contact at this step
          o[2] = 0;
          continue;
        }
        o[0] = static_cast<float>(st[0] + velocity[2 * i] * reach);
        o[1] = static_cast<float>(st[1] + velocity[2 * i + 1] * reach);
        o[2] = st[2];
      }
    }
  });
}

// A copy of the trailing (T+1) axis of `a` from step `steps` on.
template <class T>
void later_steps(const T* a, int64_t outer, int64_t T1, int64_t inner, int32_t steps,
                 std::vector<T>& out) {
  const int64_t T1p = T1 - steps;
  out.resize(static_cast<size_t>(outer * T1p * inner));
  for (int64_t o = 0; o < outer; ++o) {
    std::copy(a + (o * T1 + steps) * inner, a + (o * T1 + T1) * inner,
              out.begin() + o * T1p * inner);
  }
}

// Buffers of time_to_collision, kept per thread so that warm calls do not allocate.
struct TtcBuffers {
  std::vector<int32_t> none, types, first, kind, event_step, event_projection;
  std::vector<float> score, ego, agents;
  std::vector<double> velocity;
  std::vector<char> valid;
  // One per projection: each keeps its agents prepared for the next call with the same agents.
  std::vector<CollisionWorkspace> workspaces;
  CollisionResult contacts;
};

}  // namespace

void time_to_collision(const TtcRequest& rq, const TtcOutputs& out) {
  // Shape checks shared with at_fault_collisions (which needs first steps: zeros stand in).
  const Shape& s = rq.states.shape;
  if (rq.states.data == nullptr || (s.rank() != 3 && s.rank() != 4) || s.back() < 4) {
    throw Error("states has shape " + s.str() + ", expected (B, N, T+1, S) with S >= 4");
  }
  const bool batched = s.rank() == 4;
  const int64_t B = batched ? s[0] : 1, N = s[s.rank() - 3], T1 = s[s.rank() - 2], S = s.back();
  const Shape& a = rq.agents.shape;
  if (rq.agents.data == nullptr || a.rank() != (batched ? 5 : 4)) {
    throw Error("agents has shape " + a.str() + ", expected " +
                (batched ? "(B, M, K, T+1, 3)" : "(M, K, T+1, 3)"));
  }
  const int64_t M = a[a.rank() - 4], K = a[a.rank() - 3];
  for (size_t i = 0; i < rq.projection_steps.size(); ++i) {
    const int32_t p = rq.projection_steps[i];
    if (p < 0 || (i > 0 && p <= rq.projection_steps[i - 1])) {
      throw Error("projection_steps[" + std::to_string(i) + "] is " + std::to_string(p) +
                  ", expected increasing steps >= 0");
    }
  }
  if (rq.projection_steps.empty()) throw Error("projection_steps is empty, expected steps >= 0");
  if (!(rq.stopped_speed >= 0)) {
    throw Error("stopped_speed is " + detail::value_str(rq.stopped_speed) + ", expected >= 0");
  }
  thread_local TtcBuffers buf;
  std::vector<int32_t>& zeros = buf.none;
  zeros.assign(static_cast<size_t>(B * N * M * K), -1);
  Shape first_shape;
  if (batched) first_shape.push_back(B);
  for (int64_t v : {N, M, K}) first_shape.push_back(v);
  {
    // Validate everything once through the at-fault checks (same inputs, same messages).
    AtFaultRequest probe;
    probe.states = rq.states;
    probe.areas = rq.areas;
    probe.agents = rq.agents;
    probe.agent_extent = rq.agent_extent;
    std::vector<int32_t>& types = buf.types;
    types.assign(static_cast<size_t>(B * M), 0);
    Shape type_shape;
    if (batched) type_shape.push_back(B);
    type_shape.push_back(M);
    probe.agent_type = {types.data(), type_shape, {}};
    probe.agent_first_step = rq.agent_first_step.data != nullptr
                                 ? rq.agent_first_step
                                 : TensorView<const int32_t>{zeros.data(), first_shape, {}};
    probe.agent_prob = rq.agent_prob;
    probe.ignored = rq.ignored;
    probe.length = rq.length;
    probe.width = rq.width;
    probe.rear_axle_to_center = rq.rear_axle_to_center;
    probe.dt = rq.dt;
    Shape per_candidate = first_shape.without_last().without_last();
    std::vector<float>& score = buf.score;
    std::vector<int32_t>& first = buf.first;
    std::vector<int32_t>& kind = buf.kind;
    score.resize(static_cast<size_t>(B * N));
    first.resize(static_cast<size_t>(B * N));
    kind.resize(zeros.size());
    detail::check_at_fault(probe, AtFaultOutputs{{score.data(), per_candidate, {}},
                                                 {},
                                                 {first.data(), per_candidate, {}},
                                                 {kind.data(), first_shape, {}}});
    const Shape per = per_candidate;
    detail::check_output(out.score.shape, out.score.data, out.score.device, "score", per, Device{});
    detail::check_output(out.first_step.shape, out.first_step.data, out.first_step.device,
                         "first_step", per, Device{});
    if (out.violation_prob.data != nullptr) {
      if (rq.agent_prob.data == nullptr)
        throw Error("violation_prob needs agent_prob, which is not given");
      detail::check_output(out.violation_prob.shape, out.violation_prob.data,
                           out.violation_prob.device, "violation_prob", per, Device{});
    }
  }
  // First contact per (b, n, m, k): the earliest step, then the earliest projection.
  std::vector<int32_t>& event_step = buf.event_step;
  std::vector<int32_t>& event_projection = buf.event_projection;
  event_step.assign(zeros.size(), -1);
  event_projection.assign(zeros.size(), -1);
  step_velocities(rq, B * N, T1, S, buf.velocity);
  const Shape& valid_shape = rq.agent_valid.shape;
  const bool valid_per_step = rq.agent_valid.data != nullptr && valid_shape.rank() >= 2 &&
                              valid_shape.back() == T1 && valid_shape.rank() > (batched ? 2 : 1);
  if (buf.workspaces.size() < rq.projection_steps.size()) {
    buf.workspaces.resize(rq.projection_steps.size());
  }
  // Projection 0 is the plain collision check with the steps where the ego stands left out: the
  // given first contacts are its answer when none of them falls on such a step.
  std::atomic<bool> reusable{rq.agent_first_step.data != nullptr};
  if (reusable.load()) {
    const int32_t* given = rq.agent_first_step.data;
    detail::parallel_for(B * N, kGrain * 8, [&](int64_t begin, int64_t end) {
      bool ok = true;
      for (int64_t bn = begin; bn < end; ++bn) {
        const float* speed = rq.states.data + bn * T1 * S + 3;  // field 3 of each step
        for (int64_t pair = bn * M * K; pair < (bn + 1) * M * K; ++pair) {
          const int32_t t = given[pair];
          ok &= t < 0 || !(std::fabs(double(speed[t * S])) < rq.stopped_speed);
        }
      }
      if (!ok) reusable.store(false);
    });
  }
  for (size_t projection = 0; projection < rq.projection_steps.size(); ++projection) {
    const int32_t p = rq.projection_steps[projection];
    if (p >= T1) break;
    if (p == 0 && reusable.load()) {
      const int32_t* given = rq.agent_first_step.data;
      for (size_t i = 0; i < event_step.size(); ++i) {
        if (given[i] >= 0) {
          event_step[i] = given[i];
          event_projection[i] = 0;
        }
      }
      continue;
    }
    const int64_t T1p = T1 - p;
    std::vector<float>& ego = buf.ego;
    std::vector<float>& ag = buf.agents;
    projected_ego(rq, buf.velocity, B * N, T1, S, p, ego);
    later_steps(rq.agents.data, B * M * K, T1, 3, p, ag);
    Shape ego_shape, agent_shape;
    if (batched) ego_shape.push_back(B), agent_shape.push_back(B);
    for (int64_t v : {N, T1p, int64_t(3)}) ego_shape.push_back(v);
    for (int64_t v : {M, K, T1p, int64_t(3)}) agent_shape.push_back(v);
    const float extent[2] = {rq.length, rq.width};
    CollisionRequest cr;
    cr.ego = {ego.data(), ego_shape, {}};
    cr.ego_extent = {extent, Shape{2}, {}};
    cr.agents = {ag.data(), agent_shape, {}};
    cr.agent_extent = rq.agent_extent;
    cr.agent_prob = rq.agent_prob;
    std::vector<char>& valid = buf.valid;
    if (rq.agent_valid.data != nullptr) {
      if (valid_per_step) {
        const int64_t outer = rq.agent_valid.numel() / T1;
        later_steps(reinterpret_cast<const char*>(rq.agent_valid.data), outer, T1, 1, p, valid);
        Shape vs = valid_shape;
        vs[vs.rank() - 1] = T1p;
        cr.agent_valid = {reinterpret_cast<const bool*>(valid.data()), vs, {}};
      } else {
        cr.agent_valid = rq.agent_valid;
      }
    }
    cr.options.min_clearance = false;
    check_collisions(cr, buf.contacts, buf.workspaces[projection]);
    const int32_t* first = buf.contacts.agent_first_step.data();
    const int64_t per_row = M * K;
    detail::parallel_for(B * N, kGrain * 8, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin * per_row; i < end * per_row; ++i) {
        if (first[i] >= 0 && (event_step[i] < 0 || first[i] < event_step[i])) {
          event_step[i] = first[i];
          event_projection[i] = p;
        }
      }
    });
  }
  detail::parallel_for(B * N, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t bn = begin; bn < end; ++bn) {
      const int64_t b = bn / N;
      float score = 1.0f;
      int32_t first = -1;
      double none = 1.0;
      for (int64_t m = 0; m < M; ++m) {
        if (rq.ignored.data != nullptr && rq.ignored.data[b * M + m]) continue;
        double p_violation = 0;
        for (int64_t k = 0; k < K; ++k) {
          const size_t i = static_cast<size_t>((bn * M + m) * K + k);
          const int32_t t = event_step[i];
          if (t < 0) continue;
          const float* ego = rq.states.data + (bn * T1 + t) * S;
          const float* agent =
              rq.agents.data + (((b * M + m) * K + k) * T1 + t + event_projection[i]) * 3;
          const double angle = detail::angle_from_rear_axle(ego, rq.rear_axle_to_center, agent);
          const int32_t area = rq.areas.data[bn * T1 + t];
          const bool exposed = (area & (kEgoMultipleLanes | kEgoOffRoad | kEgoInIntersection)) != 0;
          const bool violation = angle < rq.ahead_angle || (exposed && !(angle > rq.behind_angle));
          if (!violation) continue;
          score = 0.0f;
          first = first < 0 ? t : std::min(first, t);
          if (rq.agent_prob.data != nullptr) p_violation += rq.agent_prob.data[(b * M + m) * K + k];
        }
        none *= 1.0 - std::min(p_violation, 1.0);
      }
      out.score.data[bn] = score;
      out.first_step.data[bn] = first;
      if (out.violation_prob.data != nullptr)
        out.violation_prob.data[bn] = static_cast<float>(1.0 - none);
    }
  });
}

}  // namespace trajcore
