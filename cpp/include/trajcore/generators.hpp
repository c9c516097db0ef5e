// Candidate generators: maneuvers along a reference line, tracked into trajectories the vehicle
// can drive (trajcore/track.hpp). Both return the tracked states, the references they tracked and
// per-candidate metadata.
//
// frenet_lattice (Werling et al. 2010, as in Apollo's and CommonRoad's lattice planners): every
// combination of a lateral offset, a target speed and a maneuver duration D. The ego rear axle's
// Frenet state (s, d and their first two time derivatives, from its pose, speed, acceleration and
// steering) starts a quintic d(t) that reaches (offset, 0, 0) at D and a quartic s(t) that reaches
// (target speed, 0 acceleration) at D; after D the offset and speed are held. A profile whose
// speed would turn negative stands there and starts again from rest; with a finite
// comfortable_acceleration, a speed-up from rest is a jerk-limited trapezoid. A lateral
// maneuver's clock runs no faster than the travel it needs allows (docs/rollout.md). Candidate
// n is offset i, speed j, duration k with n = (i * speeds + j) * durations + k.
//
// pdm_proposals (PDM-Closed, tuPlan Garage pdm_generator.py / batch_idm_policy.py): paths at
// lateral offsets of the centreline, each with an IDM speed profile per target speed (a fraction of
// the speed limit). The IDM follows the nearest agent whose box reaches into the path's corridor
// (the ego width) ahead of the ego, at the gap between the ego's front and the agent's rear
// measured along the path, and the agent's speed along the path; without one it stops at the
// path's end. Euler steps of dt as in PDM: progress += v dt; v += dt * clip(a_max (1 -
// (v / v_target)^exponent - (s* / max(gap, min_gap))^2), -b, a_max) with s* = min_gap + v headway +
// v (v - v_lead) / (2 sqrt(a_max b)); the speed does not go below 0. A stop line (a red light's,
// as PDM-Closed puts red-light lanes in its occupancy map) is a standing lead whose rear is the
// line. Candidate n is offset i, fraction j with n = i * fractions + j.
//
// Layouts (B optional): ego_state (B, 6); outputs states (B, N, T+1, 6), saturation (B, N, T),
// controls (B, N, T, 2), trailer (B, N, T+1, 3) with a trailer, references (B, N, T+1, 4) (x, y,
// yaw of the box centre and speed, what the tracker followed), and metadata (N) arrays.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "trajcore/reference_line.hpp"
#include "trajcore/tensor.hpp"
#include "trajcore/track.hpp"
#include "trajcore/vehicle.hpp"

namespace trajcore {

struct CandidateSet {
  Tensor<float> states;
  Tensor<int32_t> saturation;
  Tensor<float> controls;
  Tensor<float> trailer;  // undefined without a trailer
  Tensor<float> references;
  // Per candidate (N): lateral offset (m), target speed (m/s), maneuver duration (s; the horizon
  // T * dt for PDM proposals).
  Tensor<float> offsets, target_speeds, durations;
};

// The same arrays as caller-owned views (what the Python bindings write into).
struct CandidateOutputs {
  TensorView<float> states;
  TensorView<int32_t> saturation;
  TensorView<float> controls;
  TensorView<float> trailer;  // required with a trailer, empty without
  TensorView<float> references;
  TensorView<float> offsets, target_speeds, durations;
};

struct CandidateShapes {
  Shape states, saturation, controls, trailer, references, metadata;
};

// Output shapes for ego_state's shape, N candidates of T steps.
CandidateShapes candidate_shapes(const Shape& ego_state, int64_t candidates, int64_t steps,
                                 bool trailer);

struct FrenetLatticeRequest {
  TensorView<const float> ego_state;  // (B, 6) or (6)
  const ReferenceLine* reference_line = nullptr;
  std::vector<double> lateral_offsets;  // m, left positive
  std::vector<double> target_speeds;    // m/s, >= 0
  std::vector<double> durations;        // s, > 0
  // m/s^2 (> 0): a speed-up whose quartic would accelerate harder takes longer, the shortest
  // duration that keeps within it (its lateral maneuver and reported duration stay); slowing
  // down keeps its duration; from rest the speed-up is a trapezoid of acceleration reaching it
  // within 0.8 s (docs/rollout.md). Infinity: no bound.
  double comfortable_acceleration = std::numeric_limits<double>::infinity();
  int64_t steps = 80;                   // T
  double dt = 0.1;
  VehicleParams params;
  TrackerParams tracker;
};

// N = offsets x speeds x durations.
void frenet_lattice(const FrenetLatticeRequest& request, const CandidateOutputs& out);
void frenet_lattice(const FrenetLatticeRequest& request, CandidateSet& result);

struct IdmParams {
  double min_gap = 1.0;            // m
  double headway = 1.5;            // s
  double max_acceleration = 1.5;   // a_max (m/s^2)
  double comfortable_braking = 3.0;  // b, positive (m/s^2)
  double exponent = 10.0;          // PDM's acceleration exponent (the textbook IDM uses 4)
};

struct PdmProposalsRequest {
  TensorView<const float> ego_state;  // (B, 6) or (6)
  const ReferenceLine* centerline = nullptr;
  // Agents for the lead search, per scene: box-centre poses (B, M, T+1, 3) over the same steps,
  // extents (B, M, 2) length and width, valid (B, M) optional. M may be 0.
  TensorView<const float> agent_poses;
  TensorView<const float> agent_extents;
  TensorView<const bool> agent_valid;
  std::vector<double> offsets{-1.0, 0.0, 1.0};                      // m, left positive
  std::vector<double> speed_fractions{0.2, 0.4, 0.6, 0.8, 1.0};     // of speed_limit
  double speed_limit = 15.0;  // m/s (PDM's fallback when the map has none)
  // Station on the centreline the front bumper stops behind (a red light's stop line); NaN: none.
  double stop_line = std::numeric_limits<double>::quiet_NaN();
  IdmParams idm;
  int64_t steps = 40;
  double dt = 0.1;
  VehicleParams params;
  TrackerParams tracker;
};

// N = offsets x speed fractions.
void pdm_proposals(const PdmProposalsRequest& request, const CandidateOutputs& out);
void pdm_proposals(const PdmProposalsRequest& request, CandidateSet& result);

}  // namespace trajcore
