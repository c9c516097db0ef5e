// Rollout of control sequences through the kinematic bicycle (and, for trucks, a trailer).
//
// State (x, y, yaw, v, a, steer): pose of the box centre, longitudinal speed (the velocity
// component along the heading: the same at every point of the body, and the rear-axle speed),
// longitudinal acceleration and front-wheel angle. Controls (jerk, steering rate) are held
// constant over each step of length dt, so within a step the acceleration and the steering angle
// are linear in time and the speed quadratic. The motion is integrated with one classical RK4 step
// per dt (the yaw integral is then Simpson's rule, exact for the quadratic speed times the
// steering term sampled at 0, dt/2, dt). Limits are part of the model and every step that
// reaches one is flagged (docs/rollout.md):
//   - jerk is clamped to +-max_jerk, then so that a stays in [-max_deceleration, max_acceleration];
//   - the vehicle does not reverse: when the speed reaches 0 inside a step it stops there, and
//     the acceleration becomes 0;
//   - the steering rate is clamped to +-max_steering_rate, then so that the steering angle stays
//     within +-max_steering_angle and within the lateral-acceleration bound
//     |v^2 tan(steer) / wheelbase| <= max_lateral_acceleration at the step's end speed (when the
//     bound tightens faster than the steering can follow, the rate limit wins and the step is
//     flagged);
//   - a trailer's articulation beyond its limit is flagged (a kinematic model cannot prevent it).
//
// Layouts (B optional everywhere; any leading dimensions work the same way):
//   state0        (B, 6) one state per scene, or (B, N, 6) one per candidate
//   controls      (B, N, T, 2)
//   articulation0 (B) or (B, N): tractor yaw minus trailer yaw at t = 0; only with a trailer,
//                 optional (default 0)
//   states        (B, N, T+1, 6) out: states[..., 0, :] is state0; yaw wrapped to [-pi, pi)
//                 from step 1 on
//   saturation    (B, N, T) int32 out: Saturation bits of step t -> t+1
//   trailer       (B, N, T+1, 3) out, with a trailer only: x, y, yaw of the trailer box centre
#pragma once

#include <cstdint>

#include "trajcore/tensor.hpp"
#include "trajcore/vehicle.hpp"

namespace trajcore {

// Bits of the saturation output.
enum Saturation : int32_t {
  kSaturationJerk = 1,                   // |jerk| clamped to max_jerk
  kSaturationAcceleration = 2,           // acceleration held at max_acceleration / max_deceleration
  kSaturationStandstill = 4,             // stopped instead of reversing
  kSaturationSteeringRate = 8,           // |steering rate| clamped to max_steering_rate
  kSaturationSteeringAngle = 16,         // steering held at max_steering_angle
  kSaturationLateralAcceleration = 32,   // steering held at the lateral-acceleration bound
  kSaturationArticulation = 64,          // trailer articulation beyond max_articulation
};

template <class Real>
struct BasicRolloutRequest {
  TensorView<const Real> state0;
  TensorView<const Real> controls;
  TensorView<const Real> articulation0;  // optional: data == nullptr means 0
  VehicleParams params;
  double dt = 0.1;
};

template <class Real>
struct BasicRolloutOutputs {
  TensorView<Real> states;
  TensorView<int32_t> saturation;
  TensorView<Real> trailer;  // required with a trailer, must be empty without
};

template <class Real>
struct BasicRolloutResult {
  Tensor<Real> states;
  Tensor<int32_t> saturation;
  Tensor<Real> trailer;  // undefined without a trailer
};

using RolloutRequest = BasicRolloutRequest<float>;
using RolloutOutputs = BasicRolloutOutputs<float>;
using RolloutResult = BasicRolloutResult<float>;

struct RolloutShapes {
  Shape states;
  Shape saturation;
  Shape trailer;  // rank 0 without a trailer
};

// Validates shapes and parameters (not values) and returns the output shapes.
template <class Real>
RolloutShapes rollout_shapes(const BasicRolloutRequest<Real>& request);

// Validates everything (finite values, state0 within the limits) and rolls out. The float
// overload is the fast path; the double overload computes the same model in double precision
// (the forward of the differentiable rollout). CPU only for now; `stream` is for CUDA views.
void rollout(const BasicRolloutRequest<float>& request, const BasicRolloutOutputs<float>& out,
             Stream stream = nullptr);
void rollout(const BasicRolloutRequest<double>& request, const BasicRolloutOutputs<double>& out,
             Stream stream = nullptr);
void rollout(const BasicRolloutRequest<float>& request, RolloutResult& result);

// Exact vector-Jacobian product of the double rollout: given the gradients of a loss with
// respect to states (and trailer, may be empty: zero), writes the gradients with respect to the
// per-candidate initial state (B, N, 6) (sum over N for a per-scene state0), the controls
// (B, N, T, 2) and, with a trailer, the per-candidate initial articulation (B, N). At a step
// where a limit is active the derivative is the one-sided derivative of the clamped model.
struct RolloutGradients {
  TensorView<double> state0;         // (B, N, 6)
  TensorView<double> controls;       // (B, N, T, 2)
  TensorView<double> articulation0;  // (B, N); required with a trailer, empty without
};
void rollout_backward(const BasicRolloutRequest<double>& request,
                      TensorView<const double> grad_states, TensorView<const double> grad_trailer,
                      const RolloutGradients& grads);

}  // namespace trajcore
