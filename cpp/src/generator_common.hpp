// What the candidate generators share: the ego-state checks and the tracking of the references
// they build (generator_common.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "trajcore/generators.hpp"

namespace trajcore::detail {

// Bounds on the maneuvers a generator is asked for: far beyond any road, and small enough that
// every reference stays finite in float32 (1e30 m/s would overflow, not fail).
constexpr double kMaxOffset = 1000.0;  // m
constexpr double kMaxSpeed = 1000.0;   // m/s

// ego_state (B, 6) or (6), finite, within the vehicle's limits; returns B's shape (rank 0 or 1).
Shape check_ego_state(TensorView<const float> ego_state, const VehicleParams& params);

// Non-empty, finite values within [lo, hi] (hi inclusive), named in errors.
void check_values(const std::vector<double>& values, const char* name, double lo, bool lo_open,
                  double hi);

// Checks every output view against the shapes of N candidates of T steps.
void check_candidate_outputs(TensorView<const float> ego_state, int64_t n, int64_t steps,
                             bool trailer, const CandidateOutputs& out);

// Sizes the tensors of `result` and returns views of them.
CandidateOutputs size_candidates(TensorView<const float> ego_state, int64_t n, int64_t steps,
                                 bool trailer, CandidateSet& result);

// Tracks out.references from the ego states into the other outputs.
void track_candidates(TensorView<const float> ego_state, double dt, const VehicleParams& params,
                      const TrackerParams& tracker, const CandidateOutputs& out);

// The rear axle's pose of a box-centre state.
struct RearAxle {
  double x, y, yaw, v, a, steer;
};
RearAxle rear_axle(const float* state, const VehicleParams& params);

// The maneuver duration (s) whose target-speed-0 lattice profile (frenet_lattice's quartic) stops
// the ego's rear axle `distance` metres along `line` from its station now: min_duration when even
// that reaches further (the firmest stop), NaN when the ego is not moving forward or
// max_duration does not reach as far.
double lattice_stop_duration(const ReferenceLine& line, const float* ego_state,
                             const VehicleParams& params, double distance, double min_duration,
                             double max_duration);

}  // namespace trajcore::detail
