// Tracking: closed-loop control of the kinematic bicycle along reference trajectories, turning
// paths with speed profiles (from a planner, a generator or a learned model) into trajectories
// the vehicle can drive.
//
// Each step, a controller compares the vehicle with the reference and commands an acceleration
// and a steering input; first-order actuator lags turn the commands into the (jerk, steering
// rate) of trajcore::rollout, whose step (with all its limits) moves the vehicle. The controls
// that were applied are returned: rollout(state0, controls) reproduces the tracked states.
//
// The controllers are those of nuPlan's simulator as re-implemented in PDM-Closed (tuPlan Garage
// batch_lqr.py and batch_kinematic_bicycle.py), with the same default gains and lags:
//   - longitudinal: a one-step LQR on the speed error `horizon` steps ahead (acceleration held
//     over the horizon), Q = 10, R = 1; below `stopping_speed` (vehicle and reference) a
//     proportional controller with gain 0.5 and no steering;
//   - lateral (kLqr): an LQR on (lateral error, heading error, steering angle) of the rear axle
//     relative to the reference pose of the same step, linearised along the speeds the
//     acceleration command gives over `horizon` steps and the reference curvatures, with a
//     steering rate held over the horizon, Q = diag(1, 10, 0), R = 1;
//   - lateral (kPurePursuit): the steering angle of the circular arc from the rear axle to the
//     reference point `max(min_lookahead, lookahead_time * v)` metres of path ahead of the rear
//     axle's projection;
//   - lags: acceleration a += dt / (dt + acceleration_lag) * (a_cmd - a), i.e. jerk
//     (a_cmd - a) / (dt + acceleration_lag); steering angle change dt / (dt + steering_lag) times
//     the commanded change.
// docs/rollout.md ("Tracking") lists where this differs from PDM's simulator (integration).
//
// Layouts (B optional; any leading dimensions work the same way):
//   state0        (B, 6) one state per scene, or (B, N, 6) one per candidate
//   references    (B, N, T+1, C): C = 3 (x, y, yaw of the box centre), 4 (and the speed v) or 6
//                 (the state layout, of which x, y, yaw and v are used). Step 0 is the reference
//                 at the time of state0. Without speeds, they are estimated from the rear-axle
//                 displacements.
//   articulation0 (B) or (B, N): with a trailer only, optional (default 0)
//   states (B, N, T+1, 6), saturation (B, N, T), trailer (B, N, T+1, 3): as from rollout
//   controls      (B, N, T, 2): the jerk and steering rate given to the rollout step
#pragma once

#include <cstdint>

#include "trajcore/rollout.hpp"
#include "trajcore/tensor.hpp"
#include "trajcore/vehicle.hpp"

namespace trajcore {

enum class TrackingController : int32_t { kLqr = 0, kPurePursuit = 1 };

struct TrackerParams {
  TrackingController controller = TrackingController::kLqr;
  // Longitudinal LQR weights (speed error, acceleration).
  double q_longitudinal = 10.0;
  double r_longitudinal = 1.0;
  // Lateral LQR weights (lateral error, heading error, steering angle; steering rate).
  double q_lateral_error = 1.0;
  double q_heading_error = 10.0;
  double q_steering_angle = 0.0;
  double r_lateral = 1.0;
  int32_t horizon = 10;  // steps of dt the LQR looks ahead (>= 2)
  // Stopping: when the vehicle and the reference `horizon` steps ahead are both at most
  // stopping_speed (m/s), a_cmd = -stopping_gain * (v - v_ref) and no steering.
  double stopping_gain = 0.5;
  double stopping_speed = 0.2;
  // First-order lags (s, >= 0) between the commands and the vehicle.
  double acceleration_lag = 0.2;
  double steering_lag = 0.05;
  // Pure pursuit lookahead (s, m).
  double lookahead_time = 1.0;
  double min_lookahead = 3.0;
};

// Throws trajcore::Error naming the first field out of range.
void validate(const TrackerParams& tracker);

template <class Real>
struct BasicTrackRequest {
  TensorView<const Real> state0;
  TensorView<const Real> references;
  TensorView<const Real> articulation0;  // optional: data == nullptr means 0
  VehicleParams params;
  TrackerParams tracker;
  double dt = 0.1;
};

template <class Real>
struct BasicTrackOutputs {
  TensorView<Real> states;
  TensorView<int32_t> saturation;
  TensorView<Real> controls;
  TensorView<Real> trailer;  // required with a trailer, must be empty without
};

template <class Real>
struct BasicTrackResult {
  Tensor<Real> states;
  Tensor<int32_t> saturation;
  Tensor<Real> controls;
  Tensor<Real> trailer;  // undefined without a trailer
};

using TrackRequest = BasicTrackRequest<float>;
using TrackOutputs = BasicTrackOutputs<float>;
using TrackResult = BasicTrackResult<float>;

struct TrackShapes {
  Shape states;
  Shape saturation;
  Shape controls;
  Shape trailer;  // rank 0 without a trailer
};

// Validates shapes and parameters (not values) and returns the output shapes.
template <class Real>
TrackShapes track_shapes(const BasicTrackRequest<Real>& request);

// Validates everything (finite values, state0 within the limits) and tracks. CPU only for now.
void track(const BasicTrackRequest<float>& request, const BasicTrackOutputs<float>& out,
           Stream stream = nullptr);
void track(const BasicTrackRequest<double>& request, const BasicTrackOutputs<double>& out,
           Stream stream = nullptr);
void track(const BasicTrackRequest<float>& request, TrackResult& result);

}  // namespace trajcore
