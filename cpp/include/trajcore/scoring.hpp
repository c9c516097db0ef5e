// Scoring: candidates' metrics combined by a named profile into one total per candidate, every
// sub-score and first-infraction step kept. docs/scoring.md ("Scoring and profiles").
//
//   total = prod(gates) * sum_i w_i s_i / sum_i w_i
//
// Gates (multiplicative): no at-fault collision, drivable-area compliance, driving-direction
// compliance. Weighted: progress, time to collision, comfort. Progress is the centre's advance
// along the centreline from the first to the last step (projections clamped to the line, as
// shapely's project), times the candidate's gate product, divided by the largest such value in
// its scene (and progress_reference, when given) if that exceeds progress_threshold, else 1 for
// candidates whose gates are not 0 (PDM-Closed's _aggregate_scores).
//
// Profiles (ScoringProfile::named):
//   pdm_closed   tuPlan Garage's PDM-Closed scorer: gates NC, DAC, DDC (off-route runs);
//                weights progress 5, TTC 5, comfort 2; progress threshold 0.1 m, not clipped.
//   navsim_pdms  NAVSIM v1 PDMS: gates NC, DAC; weights progress 5, TTC 5, comfort 2; progress
//                threshold 5 m, clipped to [0, 1].
//   trajcore_default  the PDM structure on multimodal predictions: the collision gate is
//                1 - at_fault_prob and TTC 1 - violation_prob, both from the modes' probabilities.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trajcore/comfort.hpp"
#include "trajcore/map_metrics.hpp"
#include "trajcore/reference_line.hpp"
#include "trajcore/road_map.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore {

struct ScoringProfile {
  std::string name = "pdm_closed";
  // Gates.
  bool gate_collision = true;
  bool gate_drivable_area = true;
  bool gate_driving_direction = true;
  // Weights (>= 0, not all 0).
  double weight_progress = 5.0;
  double weight_ttc = 5.0;
  double weight_comfort = 2.0;
  // Drivable area: a corner farther than this from it is off road (m).
  double drivable_tolerance = 0.0;
  // Driving direction.
  DirectionRule direction_rule = DirectionRule::kOffRouteDistance;
  int32_t direction_window = 0;
  bool direction_skip_intersections = false;
  double direction_compliance_threshold = 2.0;
  double direction_violation_threshold = 6.0;
  // Progress normalisation.
  double progress_threshold = 0.1;  // m
  bool clip_progress = false;       // clip the normalised progress to [0, 1]
  // Collisions and TTC.
  double collision_stopped_speed = 0.05;
  std::vector<int32_t> ttc_projection_steps{0, 3, 6, 9};
  double ttc_stopped_speed = 5e-3;
  // Use the modes' probabilities (1 - at_fault_prob, 1 - violation_prob) instead of the worst
  // mode.
  bool use_probabilities = false;
  ComfortParams comfort;

  // "pdm_closed", "navsim_pdms" or "trajcore_default"; throws naming the known ones otherwise.
  static ScoringProfile named(const std::string& name);
};

// Throws trajcore::Error naming the first field out of range.
void validate(const ScoringProfile& profile);

struct ScoreRequest {
  TensorView<const float> states;              // (B, N, T+1, S) S >= 5: x, y, yaw, v, a
  TensorView<const float> agents;              // (B, M, K, T+1, 3)
  TensorView<const float> agent_extent;        // (B, M, 2)
  TensorView<const int32_t> agent_type;        // (B, M) AgentType
  TensorView<const float> agent_prob;          // (B, M, K) optional (uniform over valid modes)
  TensorView<const bool> agent_valid;          // as check_collisions; optional
  TensorView<const bool> ignored;              // (B, M) optional: agents already collided with
  TensorView<const float> progress_reference;  // (B) optional: gated progress of a reference
  float length = 0, width = 0, rear_axle_to_center = 0;  // the ego
  double dt = 0.1;
  const RoadMap* road_map = nullptr;
  std::vector<int32_t> route_lanes;  // empty: every lane
  const ReferenceLine* centerline = nullptr;
  ScoringProfile profile;
};

struct ScoreResult {
  Tensor<float> total;  // (B, N)
  // Sub-scores (B, N).
  Tensor<float> no_collision, drivable_area, driving_direction;
  Tensor<float> progress;    // normalised
  Tensor<float> progress_m;  // raw, metres along the centreline
  Tensor<float> ttc, comfort;
  // First-infraction steps (B, N), -1 without.
  Tensor<int32_t> collision_step, drivable_area_step, driving_direction_step, ttc_step,
      comfort_step;
  Tensor<int32_t> areas;           // (B, N, T+1) EgoArea bits
  Tensor<int32_t> collision_type;  // (B, N, M, K) CollisionType
  Tensor<int32_t> comfort_failed;  // (B, N) ComfortBound bits
};

void score(const ScoreRequest& request, ScoreResult& result);

}  // namespace trajcore
