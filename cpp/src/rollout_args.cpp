// Argument checks of the rollout: shapes, parameters, values and outputs, with messages that name
// the argument, the expected and the received value.
#include <cmath>
#include <stdexcept>
#include <string>

#include "rollout_plan.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore::detail {
namespace {

constexpr const char* kStateFields[6] = {"x", "y", "yaw", "v", "a", "steer"};
constexpr const char* kControlFields[2] = {"jerk", "steering rate"};

std::string at(const Shape& items, int64_t flat) {
  return items.rank() == 0 ? std::string() : index_str(items, flat);
}

std::string num(double x) { return value_str(x); }

template <class Real>
void check_cpu(const TensorView<const Real>& view, const char* name) {
  if (view.device.is_cuda()) {
    throw Error(std::string(name) + " is on " + view.device.str() +
                ", expected a CPU array: rollout has no CUDA implementation yet");
  }
}

}  // namespace

template <class Real>
bool check_initial_state(const TensorView<const Real>& state0,
                         const TensorView<const Real>& articulation0, const VehicleParams& params,
                         const Shape& scenes, const Shape& candidates, const char* other_name,
                         const Shape& other_shape, const char* op) {
  const Shape lead = state0.shape.without_last();
  if (lead != candidates && lead != scenes) {
    throw Error("state0 has shape " + state0.shape.str() + ", expected leading dimensions " +
                scenes.str() + " (one state per scene) or " + candidates.str() +
                " (one per candidate) to match " + other_name + " " + other_shape.str());
  }
  auto cpu_only = [op](const Device& device, const char* name) {
    if (device.is_cuda()) {
      throw Error(std::string(name) + " is on " + device.str() + ", expected a CPU array: " + op +
                  " has no CUDA implementation yet");
    }
  };
  cpu_only(state0.device, "state0");
  if (articulation0.data != nullptr || articulation0.shape.rank() > 0) {
    if (!params.has_trailer) {
      throw Error("articulation0 is given, but params has no trailer (has_trailer is false)");
    }
    if (articulation0.shape != lead) {
      throw Error("articulation0 has shape " + articulation0.shape.str() + ", expected " +
                  lead.str() + " (the leading dimensions of state0)");
    }
    if (articulation0.data == nullptr) throw Error("articulation0 has a null data pointer");
    cpu_only(articulation0.device, "articulation0");
  }
  return lead == candidates;
}

template <class Real>
RolloutPlan plan_rollout(const BasicRolloutRequest<Real>& rq, RolloutShapes* shapes) {
  validate(rq.params);
  if (!std::isfinite(rq.dt) || rq.dt <= 0) {
    throw Error("dt is " + num(rq.dt) + ", expected a finite number > 0 (s)");
  }
  check_items(rq.state0.shape, rq.state0.data, "state0", 6, "x, y, yaw, v, a, steer");
  const Shape& cs = rq.controls.shape;
  if (cs.rank() < 3 || cs.back() != 2) {
    throw Error("controls has shape " + cs.str() +
                ", expected (..., N, T, 2) = (..., candidates, steps, jerk and steering rate)");
  }
  const Shape scenes = cs.without_last(3);
  if (scenes.numel() == 0) {
    throw Error("controls has shape " + cs.str() + ", expected at least one scene");
  }
  if (cs[cs.rank() - 3] == 0) {
    throw Error("controls has shape " + cs.str() + ", expected at least one candidate (N >= 1)");
  }
  if (cs[cs.rank() - 2] == 0) {
    throw Error("controls has shape " + cs.str() + ", expected at least one step (T >= 1)");
  }
  if (rq.controls.data == nullptr) throw Error("controls has a null data pointer");
  const Shape candidates = cs.without_last(2);
  RolloutPlan plan;
  plan.state_per_candidate = check_initial_state(rq.state0, rq.articulation0, rq.params, scenes,
                                                 candidates, "controls", cs, "rollout");
  check_cpu(rq.controls, "controls");
  plan.trailer = rq.params.has_trailer;
  plan.rows = candidates.numel();
  plan.n = cs[cs.rank() - 3];
  plan.steps = cs[cs.rank() - 2];
  if (shapes != nullptr) {
    shapes->states = candidates;
    shapes->states.push_back(plan.steps + 1);
    shapes->states.push_back(6);
    shapes->saturation = candidates;
    shapes->saturation.push_back(plan.steps);
    shapes->trailer = Shape();
    if (plan.trailer) {
      shapes->trailer = candidates;
      shapes->trailer.push_back(plan.steps + 1);
      shapes->trailer.push_back(3);
    }
  }
  return plan;
}

template <class Real>
void check_rollout_values(const BasicRolloutRequest<Real>& rq, const RolloutPlan&) {
  const VehicleParams& p = rq.params;
  const Shape items = rq.state0.shape.without_last();
  const int64_t n_states = items.numel();
  for (int64_t i = 0; i < n_states; ++i) {
    const Real* s = rq.state0.data + i * 6;
    for (int f = 0; f < 6; ++f) {
      if (!std::isfinite(s[f])) {
        throw Error("state0" + at(items, i) + " (" + kStateFields[f] + ") is " + num(s[f]) +
                    ", expected a finite number");
      }
    }
    const std::string where = "state0" + at(items, i);
    if (s[3] < 0) {
      throw Error(where + " (v) is " + num(s[3]) + ", expected >= 0 (the model does not reverse)");
    }
    if (s[4] < -Real(p.max_deceleration) || s[4] > Real(p.max_acceleration)) {
      throw Error(where + " (a) is " + num(s[4]) +
                  ", expected within [-max_deceleration, max_acceleration] = [" +
                  num(-p.max_deceleration) + ", " + num(p.max_acceleration) + "]");
    }
    if (std::fabs(s[5]) > Real(p.max_steering_angle)) {
      throw Error(where + " (steer) is " + num(s[5]) + ", expected within +-max_steering_angle = " +
                  num(p.max_steering_angle));
    }
  }
  if (rq.articulation0.data != nullptr) {
    const Real limit = Real(p.trailer.max_articulation);
    for (int64_t i = 0; i < n_states; ++i) {
      const Real a = rq.articulation0.data[i];
      if (!std::isfinite(a) || std::fabs(a) > limit) {
        throw Error("articulation0" + at(items, i) + " is " + num(a) +
                    ", expected within +-params.trailer.max_articulation = " + num(limit));
      }
    }
  }
}

template <class Real>
void throw_invalid_controls(const BasicRolloutRequest<Real>& rq) {
  const int64_t n = rq.controls.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(rq.controls.data[i])) {
      throw Error("controls" + index_str(rq.controls.shape, i) + " (" + kControlFields[i % 2] +
                  ") is " + num(rq.controls.data[i]) + ", expected a finite number");
    }
  }
  throw std::logic_error("rollout: a kernel reported a non-finite control the rescan did not find");
}

template <class Real>
void check_rollout_outputs(const BasicRolloutRequest<Real>& rq, const RolloutShapes& shapes,
                           const BasicRolloutOutputs<Real>& out) {
  const Device dev = rq.state0.device;
  check_output(out.states.shape, out.states.data, out.states.device, "states", shapes.states, dev);
  check_output(out.saturation.shape, out.saturation.data, out.saturation.device, "saturation",
               shapes.saturation, dev);
  if (rq.params.has_trailer) {
    check_output(out.trailer.shape, out.trailer.data, out.trailer.device, "trailer", shapes.trailer,
                 dev);
  } else if (out.trailer.data != nullptr) {
    throw Error("trailer output is given, but params has no trailer (has_trailer is false)");
  }
  const int64_t in_bytes = rq.state0.numel() * int64_t(sizeof(Real));
  const int64_t ctrl_bytes = rq.controls.numel() * int64_t(sizeof(Real));
  const ByteRange outs[3] = {{out.states.data, out.states.numel() * int64_t(sizeof(Real))},
                             {out.saturation.data, out.saturation.numel() * 4},
                             {out.trailer.data, out.trailer.numel() * int64_t(sizeof(Real))}};
  const char* names[3] = {"states", "saturation", "trailer"};
  for (int o = 0; o < 3; ++o) {
    if (outs[o].data == nullptr) continue;
    check_no_overlap(outs[o], names[o], {rq.state0.data, in_bytes}, "state0");
    check_no_overlap(outs[o], names[o], {rq.controls.data, ctrl_bytes}, "controls");
  }
}

template bool check_initial_state(const TensorView<const float>&, const TensorView<const float>&,
                                  const VehicleParams&, const Shape&, const Shape&, const char*,
                                  const Shape&, const char*);
template bool check_initial_state(const TensorView<const double>&,
                                  const TensorView<const double>&, const VehicleParams&,
                                  const Shape&, const Shape&, const char*, const Shape&,
                                  const char*);
template RolloutPlan plan_rollout(const BasicRolloutRequest<float>&, RolloutShapes*);
template RolloutPlan plan_rollout(const BasicRolloutRequest<double>&, RolloutShapes*);
template void check_rollout_values(const BasicRolloutRequest<float>&, const RolloutPlan&);
template void check_rollout_values(const BasicRolloutRequest<double>&, const RolloutPlan&);
template void throw_invalid_controls(const BasicRolloutRequest<float>&);
template void throw_invalid_controls(const BasicRolloutRequest<double>&);
template void check_rollout_outputs(const BasicRolloutRequest<float>&, const RolloutShapes&,
                                    const BasicRolloutOutputs<float>&);
template void check_rollout_outputs(const BasicRolloutRequest<double>&, const RolloutShapes&,
                                    const BasicRolloutOutputs<double>&);

}  // namespace trajcore::detail
