// CV and CTRV agent propagation (trajcore/agents.hpp).
#include "trajcore/agents.hpp"

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
