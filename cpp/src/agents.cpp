// CV and CTRV agent propagation (trajcore/agents.hpp).
#include "trajcore/agents.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "parallel.hpp"
#include "trajcore/detail/bicycle_step.hpp"
#include "trajcore/detail/fast_sincos.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

constexpr const char* kFieldNames[5] = {"x", "y", "yaw", "speed", "yaw rate"};
constexpr const char* kHistoryFields[5] = {"x", "y", "yaw", "vx", "vy"};
constexpr int64_t kAgentGrain = 64;

// sin(u) / u, accurate near 0.
float sinc(float u) {
  if (std::fabs(u) < 1e-3f) return 1.f - u * u * (1.f / 6.f);
  return std::sin(u) / u;
}

void propagate_one(const float* s, int64_t steps, float dt, MotionModel model, float* out) {
  const float x = s[0], y = s[1], speed = s[3];
  const float rate = model == MotionModel::kConstantTurnRate ? s[4] : 0.f;
  out[0] = x, out[1] = y, out[2] = s[2];  // step 0 is the input as given
  // An angle beyond 1e4 rad is reduced exactly first (the fast wrap would lose it).
  const float yaw = std::fabs(s[2]) > 1e4f ? detail::wrap_input_angle(s[2]) : s[2];
  float c0, s0;
  detail::sincos_heading(yaw, &s0, &c0);
  for (int64_t k = 1; k <= steps; ++k) {
    const float t = static_cast<float>(k) * dt;
    float* o = out + k * 3;
    if (rate == 0.f) {
      o[0] = x + speed * t * c0;
      o[1] = y + speed * t * s0;
      o[2] = detail::wrap_angle(yaw);
      continue;
    }
    // Chord of the arc: length speed * t * sinc(rate t / 2), along the mean heading.
    const float half = 0.5f * rate * t;
    const float chord = speed * t * sinc(half);
    float sm, cm;
    detail::sincos_heading(yaw + half, &sm, &cm);
    o[0] = x + chord * cm;
    o[1] = y + chord * sm;
    o[2] = detail::wrap_angle(yaw + rate * t);
  }
}

}  // namespace

Shape propagate_agents_shape(const Shape& states, int64_t steps, double dt, MotionModel model) {
  if (states.rank() < 2 || (states.back() != 4 && states.back() != 5)) {
    throw Error(
        "states has shape " + states.str() +
        ", expected (..., M, 4) = (..., x, y, yaw, speed) or (..., M, 5) with the yaw rate");
  }
  if (model == MotionModel::kConstantTurnRate && states.back() != 5) {
    throw Error("states has shape " + states.str() +
                ", expected (..., M, 5) = (..., x, y, yaw, speed, yaw rate) for model ctrv");
  }
  if (steps < 1) throw Error("T is " + std::to_string(steps) + ", expected >= 1");
  if (!std::isfinite(dt) || dt <= 0) {
    throw Error("dt is " + detail::value_str(dt) + ", expected a finite number > 0 (s)");
  }
  Shape out = states.without_last();
  out.push_back(1);
  out.push_back(steps + 1);
  out.push_back(3);
  return out;
}

void propagate_agents(TensorView<const float> states, TensorView<const bool> valid, int64_t steps,
                      double dt, MotionModel model, TensorView<float> out, Stream) {
  const Shape expected = propagate_agents_shape(states.shape, steps, dt, model);
  const Shape agents = states.shape.without_last();
  if (states.device.is_cuda()) {
    throw Error("states is on " + states.device.str() +
                ", expected a CPU array: propagate_agents has no CUDA implementation yet");
  }
  if (agents.numel() > 0 && states.data == nullptr) throw Error("states has a null data pointer");
  if (valid.data != nullptr && valid.shape != agents) {
    throw Error("valid has shape " + valid.shape.str() + ", expected " + agents.str() +
                " (the leading dimensions of states)");
  }
  detail::check_output(out.shape, out.data, out.device, "out", expected, states.device);
  const int fields = static_cast<int>(states.shape.back());
  const int64_t n = agents.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (valid.data != nullptr && !valid.data[i]) continue;
    for (int f = 0; f < fields; ++f) {
      const float v = states.data[i * fields + f];
      if (!std::isfinite(v)) {
        throw Error("states" + detail::index_str(agents, i) + " (" + kFieldNames[f] + ") is " +
                    detail::value_str(v) + ", expected a finite number (or valid False)");
      }
    }
  }
  const int64_t per_agent = (steps + 1) * 3;
  const float step = static_cast<float>(dt);
  detail::parallel_for(n, kAgentGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* o = out.data + i * per_agent;
      if (valid.data != nullptr && !valid.data[i]) {
        for (int64_t k = 0; k < per_agent; ++k) o[k] = 0.f;
        continue;
      }
      propagate_one(states.data + i * fields, steps, step, model, o);
    }
  });
}

}  // namespace trajcore

namespace trajcore {
namespace {

// One mode's poses (T+1, 3) in place: from step 0, each heading turns at most max_curvature
// times the step's distance towards the predicted one (kept exactly where within reach).
void limit_turning(float* poses, int64_t T1, double max_curvature) {
  if (std::isinf(max_curvature)) return;
  double yaw = poses[2];
  for (int64_t t = 1; t < T1; ++t) {
    float* p = poses + t * 3;
    const double reach =
        max_curvature * std::hypot(double(p[0]) - double(p[-3]), double(p[1]) - double(p[-2]));
    const double turn = detail::wrap_input_angle(double(p[2]) - yaw);
    if (std::fabs(turn) <= reach) {
      yaw = p[2];
    } else {
      yaw = detail::wrap_angle(yaw + std::copysign(reach, turn));
      p[2] = static_cast<float>(yaw);
    }
  }
}

// x, y, heading, speed, yaw rate of one agent's latest observed state (history row H valid).
void latest_motion(const double* rows, const bool* valid, int64_t H, double dt,
                   const PhysicsModes& m, float* motion) {
  const double* now = rows + H * 5;
  const double speed = std::hypot(now[3], now[4]);
  const double heading = speed >= m.heading_speed ? std::atan2(now[4], now[3]) : now[2];
  // The yaw rate from the oldest valid row within the window (0 without one).
  double rate = 0.0;
  for (int64_t back = std::min(m.yaw_rate_window, H); back >= 1; --back) {
    if (!valid[H - back]) continue;
    rate = detail::wrap_angle(now[2] - rows[(H - back) * 5 + 2]) / (double(back) * dt);
    break;
  }
  // Heading noise on a slow agent is no turn: no tighter than max_curvature at its speed.
  if (std::isfinite(m.max_curvature)) {
    rate = std::clamp(rate, -m.max_curvature * speed, m.max_curvature * speed);
  }
  motion[0] = static_cast<float>(now[0]);
  motion[1] = static_cast<float>(now[1]);
  motion[2] = static_cast<float>(heading);
  motion[3] = static_cast<float>(speed);
  motion[4] = static_cast<float>(rate);
}

}  // namespace

void validate(const PhysicsModes& m) {
  const double shares[3] = {m.constant_velocity, m.constant_turn_rate, m.hold};
  const char* names[3] = {"constant_velocity", "constant_turn_rate", "hold"};
  for (int i = 0; i < 3; ++i) {
    if (!(shares[i] >= 0) || !std::isfinite(shares[i])) {
      throw Error(std::string("modes.") + names[i] + " is " + detail::value_str(shares[i]) +
                  ", expected a probability share >= 0");
    }
  }
  const double sum = shares[0] + shares[1] + shares[2];
  if (!(sum > 0) || sum > 1.0) {
    throw Error("modes' shares sum to " + detail::value_str(sum) + ", expected (0, 1]");
  }
  if (!(m.hold_speed >= 0) || !std::isfinite(m.hold_speed)) {
    throw Error("modes.hold_speed is " + detail::value_str(m.hold_speed) + ", expected >= 0 m/s");
  }
  if (!(m.standing_speed >= 0) || !(m.standing_speed <= m.hold_speed)) {
    throw Error("modes.standing_speed is " + detail::value_str(m.standing_speed) +
                ", expected between 0 and hold_speed (" + detail::value_str(m.hold_speed) +
                ") m/s");
  }
  if (!(m.standing_learned >= 0) ||
      !(m.standing_learned + m.constant_velocity + m.constant_turn_rate <= 1.0)) {
    throw Error("modes.standing_learned is " + detail::value_str(m.standing_learned) +
                ", expected >= 0 and at most 1 - constant_velocity - constant_turn_rate");
  }
  if (m.standing_window < 0) {
    throw Error("modes.standing_window is " + std::to_string(m.standing_window) +
                ", expected >= 0 steps");
  }
  if (m.yaw_rate_window < 1) {
    throw Error("modes.yaw_rate_window is " + std::to_string(m.yaw_rate_window) +
                ", expected at least 1 step");
  }
  if (!(m.heading_speed >= 0) || !std::isfinite(m.heading_speed)) {
    throw Error("modes.heading_speed is " + detail::value_str(m.heading_speed) +
                ", expected >= 0 m/s");
  }
  if (!(m.max_curvature > 0)) {
    throw Error("modes.max_curvature is " + detail::value_str(m.max_curvature) +
                ", expected > 0 (1/m; infinity for no limit)");
  }
}

void add_physics_modes(const PhysicsModesRequest& rq, TensorView<float> out_agents,
                       TensorView<float> out_prob, TensorView<bool> out_valid) {
  validate(rq.modes);
  const Shape& a = rq.agents.shape;
  if (a.rank() != 4 || a[3] != 3 || a[2] < 2) {
    throw Error("agents has shape " + a.str() + ", expected (M, K, T+1, 3) with T >= 1");
  }
  const int64_t M = a[0], K = a[1], T1 = a[2];
  if (rq.agent_prob.shape != Shape{M, K}) {
    throw Error("agent_prob has shape " + rq.agent_prob.shape.str() + ", expected (" +
                std::to_string(M) + ", " + std::to_string(K) + ") = (M, K)");
  }
  if (rq.predicted.shape != Shape{M}) {
    throw Error("predicted has shape " + rq.predicted.shape.str() + ", expected (" +
                std::to_string(M) + ",) = (M)");
  }
  const Shape& h = rq.history.shape;
  if (h.rank() != 3 || h[0] != M || h[2] != 5 || h[1] < 1) {
    throw Error("history has shape " + h.str() + ", expected (" + std::to_string(M) +
                ", H+1, 5) = (M, H+1, x y yaw vx vy)");
  }
  const int64_t H1 = h[1];
  if (rq.history_valid.shape != Shape{M, H1}) {
    throw Error("history_valid has shape " + rq.history_valid.shape.str() + ", expected " +
                Shape{M, H1}.str() + " = (M, H+1)");
  }
  if (!(rq.dt > 0) || !std::isfinite(rq.dt)) {
    throw Error("dt is " + detail::value_str(rq.dt) + ", expected > 0 seconds");
  }
  const int64_t K3 = K + 3;
  detail::check_output(out_agents.shape, out_agents.data, out_agents.device, "out_agents",
                       Shape{M, K3, T1, 3}, Device{});
  detail::check_output(out_prob.shape, out_prob.data, out_prob.device, "out_prob", Shape{M, K3},
                       Device{});
  detail::check_output(out_valid.shape, out_valid.data, out_valid.device, "out_valid", Shape{M},
                       Device{});
  const int64_t H = H1 - 1;
  // Values read: predicted agents' modes and probabilities, present agents' valid history rows.
  for (int64_t i = 0; i < M; ++i) {
    if (rq.predicted.data[i]) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        const float p = rq.agent_prob.data[i * K + k];
        if (!(p >= 0) || !std::isfinite(p)) {
          throw Error("agent_prob" + detail::index_str(Shape{M, K}, i * K + k) + " is " +
                      detail::value_str(p) + ", expected a probability >= 0");
        }
        sum += p;
      }
      if (std::fabs(sum - 1.0) > 1e-3) {
        throw Error("agent_prob[" + std::to_string(i) + "] sums to " + detail::value_str(sum) +
                    ", expected 1 (a predicted agent's mode probabilities)");
      }
      const float* poses = rq.agents.data + i * K * T1 * 3;
      for (int64_t j = 0; j < K * T1 * 3; ++j) {
        if (!std::isfinite(poses[j])) {
          throw Error("agents" + detail::index_str(a, i * K * T1 * 3 + j) + " is " +
                      detail::value_str(poses[j]) + ", expected a finite value");
        }
      }
    }
    for (int64_t r = 0; r < H1; ++r) {
      if (!rq.history_valid.data[i * H1 + r]) continue;
      for (int f = 0; f < 5; ++f) {
        const double v = rq.history.data[(i * H1 + r) * 5 + f];
        if (!std::isfinite(v) || std::fabs(v) > 1e15) {
          throw Error("history" + detail::index_str(h, (i * H1 + r) * 5 + f) + " (" +
                      kHistoryFields[f] + ") is " + detail::value_str(v) +
                      ", expected a finite value within 1e15 (or history_valid False)");
        }
      }
    }
  }
  const PhysicsModes& m = rq.modes;
  const double physics = m.constant_velocity + m.constant_turn_rate + m.hold;
  const int64_t steps = T1 - 1;
  const float step = static_cast<float>(rq.dt);
  detail::parallel_for(M, kAgentGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* poses = out_agents.data + i * K3 * T1 * 3;
      float* prob = out_prob.data + i * K3;
      const bool predicted = rq.predicted.data[i];
      const bool present = rq.history_valid.data[i * H1 + H];
      out_valid.data[i] = predicted || present;
      if (predicted) {
        std::copy(rq.agents.data + i * K * T1 * 3, rq.agents.data + (i + 1) * K * T1 * 3, poses);
        for (int64_t k = 0; k < K; ++k) limit_turning(poses + k * T1 * 3, T1, m.max_curvature);
      }
      if (!present) {
        // The predictor's modes alone (or nothing: zeros, uniform probabilities).
        std::fill(poses + K * T1 * 3, poses + K3 * T1 * 3, 0.f);
        if (!predicted) std::fill(poses, poses + K * T1 * 3, 0.f);
        for (int64_t k = 0; k < K3; ++k) {
          prob[k] = predicted ? (k < K ? rq.agent_prob.data[i * K + k] : 0.f)
                              : 1.f / static_cast<float>(K3);
        }
        continue;
      }
      float motion[5];
      latest_motion(rq.history.data + i * H1 * 5, rq.history_valid.data + i * H1, H, rq.dt, m,
                    motion);
      propagate_one(motion, steps, step, MotionModel::kConstantVelocity, poses + K * T1 * 3);
      propagate_one(motion, steps, step, MotionModel::kConstantTurnRate, poses + (K + 1) * T1 * 3);
      float* hold = poses + (K + 2) * T1 * 3;
      const double* now = rq.history.data + (i * H1 + H) * 5;
      for (int64_t t = 0; t < T1; ++t) {
        hold[t * 3] = static_cast<float>(now[0]);
        hold[t * 3 + 1] = static_cast<float>(now[1]);
        hold[t * 3 + 2] = static_cast<float>(detail::wrap_input_angle(now[2]));
      }
      // A moving agent cannot stop dead: its hold share goes to constant velocity.
      const bool holds = double(motion[3]) <= m.hold_speed;
      // Standing: no faster than standing_speed at every observed step of the last
      // standing_window. The learned modes keep standing_learned, the held box takes what CV and
      // CTRV leave.
      bool parked = true;
      for (int64_t r = std::max<int64_t>(0, H - m.standing_window); r < H1 && parked; ++r) {
        const double* row = rq.history.data + (i * H1 + r) * 5;
        parked =
            !rq.history_valid.data[i * H1 + r] || std::hypot(row[3], row[4]) <= m.standing_speed;
      }
      const double learned = !predicted ? 0.0 : parked ? m.standing_learned : 1.0 - physics;
      double cv = m.constant_velocity, ctrv = m.constant_turn_rate, still = m.hold;
      if (parked) {
        still = 1.0 - learned - cv - ctrv;
      } else {
        const double scale = (1.0 - learned) / physics;
        cv = (cv + (holds ? 0.0 : still)) * scale;
        ctrv *= scale;
        still = holds ? still * scale : 0.0;
      }
      for (int64_t k = 0; k < K; ++k) {
        if (!predicted) std::copy(hold, hold + T1 * 3, poses + k * T1 * 3);
        prob[k] = predicted ? static_cast<float>(learned * rq.agent_prob.data[i * K + k]) : 0.f;
      }
      prob[K] = static_cast<float>(cv);
      prob[K + 1] = static_cast<float>(ctrv);
      prob[K + 2] = static_cast<float>(still);
    }
  });
}

}  // namespace trajcore
