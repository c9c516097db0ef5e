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

#include "trajcore/tensor.hpp"

namespace trajcore {

enum class MotionModel { kConstantVelocity, kConstantTurnRate };

// Validates shapes and arguments (not values) and returns the output shape.
Shape propagate_agents_shape(const Shape& states, int64_t steps, double dt, MotionModel model);

void propagate_agents(TensorView<const float> states, TensorView<const bool> valid, int64_t steps,
                      double dt, MotionModel model, TensorView<float> out, Stream stream = nullptr);

}  // namespace trajcore
