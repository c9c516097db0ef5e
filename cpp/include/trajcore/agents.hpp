// Single-mode predictions for agents from their current state: constant velocity (CV) and
// constant turn rate and velocity (CTRV), in the agents layout the collision engine reads.
//
//   states (..., M, 4) x, y, yaw, speed, or (..., M, 5) with the yaw rate (required by CTRV)
//   valid  (..., M) bool, optional: invalid agents are not read; their output is 0
//   out    (..., M, 1, T+1, 3) x, y, yaw at t = k dt, k = 0..T (K = 1 mode); yaw wrapped to
//          [-pi, pi) from step 1 on
//
// Positions are evaluated in closed form at each step (no accumulation): CV moves along the
// heading; CTRV moves on the circular arc of radius speed / yaw_rate (a straight line in the limit).
#pragma once

#include <cstdint>
#include <string>

#include "trajcore/tensor.hpp"

namespace trajcore {

enum class MotionModel { kConstantVelocity, kConstantTurnRate };

// Validates shapes and arguments (not values) and returns the output shape.
Shape propagate_agents_shape(const Shape& states, int64_t steps, double dt, MotionModel model);

void propagate_agents(TensorView<const float> states, TensorView<const bool> valid, int64_t steps,
                      double dt, MotionModel model, TensorView<float> out, Stream stream = nullptr);

// Physics hypotheses beside a predictor's modes, so that one model's miss (a cut-in it does not
// see) is not the planner's. Every agent present now gets three more modes from its latest
// observed state: constant velocity and constant turn rate (CV and CTRV along the direction of
// motion; the yaw rate from the heading change over the last `yaw_rate_window` steps), and its
// current box held in place. Their probabilities are the shares below; the learned modes keep
// 1 - (sum of the shares) of theirs. The hold share applies to agents no faster than hold_speed
// (a parked car predicted to move, a pedestrian waiting at the kerb); a faster agent cannot stop
// dead, so its hold mode gets probability 0 and the share goes to CV (a lead car's braking is the
// safe-distance rule's case, collision_metrics.hpp). An agent the predictor did not predict (a
// class it never saw) gets the physics modes only: the shares renormalised to 1, its learned
// slots the held box at probability 0. docs/prediction.md, "Physics modes".
struct PhysicsModes {
  double constant_velocity = 0.15;
  double constant_turn_rate = 0.10;
  double hold = 0.05;
  double hold_speed = 2.0;      // m/s
  // A standing agent (no faster than standing_speed at every observed step of the last
  // standing_window steps and now: a parked car, a car queueing, a waiting pedestrian) keeps
  // standing_learned for its learned modes; the held box takes what CV and CTRV leave (a model
  // trained on moving highway traffic must not drive a queueing car into the ego's lane).
  double standing_speed = 1.0;  // m/s
  double standing_learned = 0.1;
  int64_t standing_window = 10;  // steps (1 s at 0.1 s)
  int64_t yaw_rate_window = 5;  // steps (0.5 s at 0.1 s)
  // Below this speed (m/s) the box's yaw is the direction of motion, not the velocity's angle
  // (which is noise on a parked car).
  double heading_speed = 1.0;
  // Boxes turn no faster than travel allows: each step of a learned mode changes its heading by
  // at most max_curvature times the distance moved, and CTRV's yaw rate is at most
  // max_curvature times the speed (1/m; infinity: no limit). A creeping car whose predicted
  // steps wobble, or whose logged heading is noise, would otherwise swing across the next lane.
  double max_curvature = 0.2;
};

// Throws trajcore::Error naming the first field out of range (shares >= 0 summing to at most 1
// with at least one > 0, hold_speed >= 0, window >= 1, max_curvature > 0).
void validate(const PhysicsModes& modes);

struct PhysicsModesRequest {
  TensorView<const float> agents;          // (M, K, T+1, 3) the predictor's modes
  TensorView<const float> agent_prob;      // (M, K), rows of predicted agents sum to 1
  TensorView<const bool> predicted;        // (M) the agents the predictor predicted
  TensorView<const double> history;        // (M, H+1, 5) x, y, yaw, vx, vy; row H is now
  TensorView<const bool> history_valid;    // (M, H+1)
  double dt = 0.1;                         // s between history rows and predicted steps
  PhysicsModes modes;
};

// out_agents (M, K+3, T+1, 3): the K learned modes, then CV, CTRV, hold; out_prob (M, K+3);
// out_valid (M): predicted or present now. Agents neither predicted nor present are zeros with
// uniform probabilities.
void add_physics_modes(const PhysicsModesRequest& request, TensorView<float> out_agents,
                       TensorView<float> out_prob, TensorView<bool> out_valid);

}  // namespace trajcore
