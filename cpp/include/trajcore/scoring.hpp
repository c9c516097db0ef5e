// Scoring: candidates' metrics combined by a named profile into one total per candidate, every
// sub-score and first-infraction step kept. docs/scoring.md ("Scoring and profiles").
//
//   total = prod(gates) * sum_i w_i s_i / sum_i w_i
//
// Gates (multiplicative, each switchable): no at-fault collision, drivable-area compliance,
// driving-direction compliance, traffic-light compliance, making progress, safe distance. Weighted: progress,
// time to collision, comfort, speed-limit compliance, lane keeping, extended comfort.
//
// Progress, rule kSceneBest (PDM-Closed, NAVSIM): the centre's advance along the centreline from
// the first to the last step (projections clamped to the line, as shapely's project), times the
// candidate's gate product, divided by the largest such value in its scene (and
// progress_reference, when given) if that exceeds progress_threshold, else 1 for candidates whose
// gates are not 0 (PDM-Closed's _aggregate_scores). Rule kExpertRatio (nuPlan's
// ego_progress_along_expert_route): ego and expert advance along the centreline,
// min(1, max(ego, th) / max(expert, th)) with th = expert_progress_threshold, 0 when the ego goes
// back more than th; making progress is that ratio >= making_progress_threshold.
//
// Profiles (ScoringProfile::named):
//   pdm_closed   tuPlan Garage's PDM-Closed scorer: gates NC, DAC, DDC (off-route runs);
//                weights progress 5, TTC 5, comfort 2; progress threshold 0.1 m, not clipped.
//   navsim_pdms  NAVSIM v1 PDMS: gates NC, DAC; weights progress 5, TTC 5, comfort 2; progress
//                threshold 5 m, clipped to [0, 1].
//   navsim_epdms NAVSIM v2 EPDMS: gates NC, DAC, DDC (1 s sliding window, intersections
//                skipped), TLC; weights progress 5, TTC 5, lane keeping 2, history comfort 2,
//                extended comfort 2; the human filter.
//   nuplan_cls   nuPlan's closed-loop score: gates NC (per-class counts), DAC (0.3 m), DDC
//                (lane progress, 1 s), making progress; weights progress along the expert route
//                5, TTC (constant-velocity projections, 0.95 s) 5, speed limit 4, comfort 2.
//   trajcore_default  the PDM structure on multimodal predictions: the collision gate is
//                1 - at_fault_prob and TTC 1 - violation_prob, both from the modes' probabilities;
//                a safe-distance gate, 1 - the probability of the modes that break the RSS-style
//                following distance (SafeDistanceParams' defaults); NAVSIM's traffic-light
//                compliance gate; nuPlan's 0.3 m drivable-area tolerance; margins by agent class
//                (vehicles 0.2 m, large vehicles 0.3, pedestrians 0.5, bicycles 0.4, objects
//                0.2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trajcore/collision_metrics.hpp"
#include "trajcore/comfort.hpp"
#include "trajcore/map_metrics.hpp"
#include "trajcore/reference_line.hpp"
#include "trajcore/road_map.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore {

enum class ProgressRule : int32_t { kSceneBest = 0, kExpertRatio = 1 };
// kShiftedBox: PDM-Closed's / NAVSIM's time_to_collision; kConstantVelocity: nuPlan's
// nuplan_time_to_collision.
enum class TtcRule : int32_t { kShiftedBox = 0, kConstantVelocity = 1 };

struct ScoringProfile {
  std::string name = "pdm_closed";
  // Gates.
  bool gate_collision = true;
  bool gate_drivable_area = true;
  bool gate_driving_direction = true;
  bool gate_traffic_light = false;    // needs ScoreRequest::red_lights (else 1)
  bool gate_making_progress = false;  // needs ScoreRequest::expert
  bool gate_safe_distance = false;    // safe_distance (collision_metrics.hpp)
  // Weights (>= 0, not all 0).
  double weight_progress = 5.0;
  double weight_ttc = 5.0;
  double weight_comfort = 2.0;
  double weight_speed_limit = 0.0;
  double weight_lane_keeping = 0.0;
  double weight_extended_comfort = 0.0;  // needs ScoreRequest::previous (else 1)
  // Drivable area: a corner farther than this from it is off road (m).
  double drivable_tolerance = 0.0;
  // Driving direction.
  DirectionRule direction_rule = DirectionRule::kOffRouteDistance;
  int32_t direction_window = 0;
  bool direction_skip_intersections = false;
  double direction_compliance_threshold = 2.0;
  double direction_violation_threshold = 6.0;
  // Progress normalisation.
  double progress_threshold = 0.1;                        // m
  bool clip_progress = false;                             // clip the normalised progress to [0, 1]
  ProgressRule progress_rule = ProgressRule::kSceneBest;  // kExpertRatio needs an expert
  double expert_progress_threshold = 2.0;                 // m (nuPlan: 2)
  double making_progress_threshold = 0.2;                 // progress ratio (nuPlan: 0.2)
  // Collisions and TTC.
  double collision_stopped_speed = 0.05;
  AtFaultScoring collision_scoring = AtFaultScoring::kWorstCollision;
  bool collision_vru_lateral_at_fault = false;  // AtFaultRequest::vru_lateral_at_fault
  TtcRule ttc_rule = TtcRule::kShiftedBox;
  std::vector<int32_t> ttc_projection_steps{0, 3, 6, 9};  // kShiftedBox
  double ttc_stopped_speed = 5e-3;
  double ttc_time_step = 0.1;       // s, kConstantVelocity
  double ttc_time_horizon = 3.0;    // s, kConstantVelocity
  double ttc_least_min_ttc = 0.95;  // s, kConstantVelocity
  // Speed limit (nuPlan) and lane keeping (NAVSIM v2).
  double max_overspeed = 2.23;          // m/s
  double lane_keeping_deviation = 0.5;  // m
  double lane_keeping_window = 2.0;     // s: ceil(window / dt) consecutive steps
  // Use the modes' probabilities (1 - at_fault_prob, 1 - violation_prob) instead of the worst
  // mode.
  bool use_probabilities = false;
  ComfortParams comfort;
  SafeDistanceParams safe_distance;
  // Margins by agent class (m added to every side of the agent's box) in the collision, TTC and
  // safe-distance checks: a planner's buffer, 0 in the published profiles. Large vehicles are
  // vehicles longer than large_vehicle_length (buses, trucks); bicycles include motorcycles.
  double margin_vehicle = 0.0;
  double margin_large_vehicle = 0.0;
  double margin_pedestrian = 0.0;
  double margin_bicycle = 0.0;
  double margin_object = 0.0;
  double large_vehicle_length = 7.0;  // m
  // m the ego's box reaches further ahead in traffic-light compliance: where a planner stops
  // for a red light (0 in the published profiles).
  double red_light_margin = 0.0;
  // Comfort on ScoreRequest::history followed by the candidate (NAVSIM v2's history comfort).
  bool comfort_with_history = false;
  ExtendedComfortParams extended_comfort;
  // NAVSIM v2's human filter: a sub-score is set to 1 where the expert (ScoreRequest::expert,
  // scored alone with this profile) scores 0 on it; every sub-score column, progress included.
  bool human_filter = false;

  // "pdm_closed", "navsim_pdms", "navsim_epdms", "nuplan_cls" or "trajcore_default"; throws
  // naming the known ones otherwise.
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
  TensorView<const float> agent_speed;         // (B, M, K, T+1) optional, as at_fault_collisions
  TensorView<const float> expert;              // (B, T+1, S) optional: the logged trajectory
  TensorView<const float> history;             // (B, H, S) optional: past states, oldest first
  TensorView<const float> previous;            // (B, T+1, S) optional: last frame's trajectory
  int32_t previous_shift = 0;                  // steps between previous and states
  TensorView<const int32_t> red_lights;        // (B, T+1, R) optional: red lanes, -1 padding
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
  Tensor<float> traffic_light, making_progress, speed_limit, lane_keeping, extended_comfort;
  Tensor<float> safe_distance;  // 1 where the profile does not gate on it
  // First-infraction steps (B, N), -1 without.
  Tensor<int32_t> collision_step, drivable_area_step, driving_direction_step, ttc_step,
      comfort_step, traffic_light_step, speed_limit_step, lane_keeping_step, safe_distance_step;
  Tensor<int32_t> areas;           // (B, N, T+1) EgoArea bits
  Tensor<int32_t> collision_type;  // (B, N, M, K) CollisionType
  Tensor<int32_t> comfort_failed;  // (B, N) ComfortBound bits
};

void score(const ScoreRequest& request, ScoreResult& result);

}  // namespace trajcore
