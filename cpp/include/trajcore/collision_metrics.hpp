// At-fault collisions: nuPlan's classification of each collision between a candidate and an
// agent (as re-implemented in PDM-Closed's and NAVSIM's scorers), on top of the first collision
// steps that trajcore::check_collisions finds. docs/scoring.md ("At-fault collisions").
//
// Only the first collision of a candidate with an agent (mode) matters in nuPlan's bookkeeping:
// an at-fault first collision sets the score (later ones cannot lower it further or move its
// step earlier), and a not-at-fault one puts the agent on the ignored list for the rest of the
// horizon. The classification at that step, in nuPlan's order:
//   kStoppedEgo     ego speed <= stopped_speed                          (not at fault)
//   kStoppedTrack   an object (AgentType::kObject) or agent speed <= stopped_speed (at fault)
//   kActiveRear     the agent's centre is behind the ego rear axle: the angle between the ego
//                   heading and the direction to it exceeds behind_angle     (not at fault)
//   kActiveFront    the ego's front edge touches the agent's box               (at fault)
//   kActiveLateral  otherwise; at fault when the ego step is kEgoMultipleLanes or kEgoOffRoad
// Scoring (AtFaultScoring): kWorstCollision (PDM-Closed, NAVSIM): an at-fault collision scores 0
// with a vehicle, pedestrian or bicycle and 0.5 with an object, and the candidate's score is the
// minimum (1 without one). kNuplanCounts (nuPlan's no_ego_at_fault_collisions): per class, the
// number n of agents collided with at fault gives max(0, 1 - n / (t + 1)) with tolerances t = 0
// for vulnerable road users and vehicles and t = 1 for objects; the score is their product (so
// one object gives 0.5, two give 0).
//
// Multimodal agents (K > 1): score and first_step take the worst mode of every agent;
// at_fault_prob combines agents as independent, 1 - prod_m (1 - sum_k p_mk [mode k at fault]),
// as check_collisions does for collision_prob.
#pragma once

#include <cstdint>
#include <vector>

#include "trajcore/tensor.hpp"

namespace trajcore {

enum class AgentType : int32_t { kVehicle = 0, kPedestrian = 1, kBicycle = 2, kObject = 3 };

enum class AtFaultScoring : int32_t { kWorstCollision = 0, kNuplanCounts = 1 };

// nuPlan's CollisionType values; kNoCollision for agents the candidate never meets.
enum class CollisionType : int32_t {
  kNoCollision = -1,
  kStoppedEgo = 0,
  kStoppedTrack = 1,
  kActiveFront = 2,
  kActiveRear = 3,
  kActiveLateral = 4,
};

struct AtFaultRequest {
  TensorView<const float> states;              // (B, N, T+1, S), S >= 4: x, y, yaw, v
  TensorView<const int32_t> areas;             // (B, N, T+1) from ego_areas
  TensorView<const float> agents;              // (B, M, K, T+1, 3) box-centre poses
  TensorView<const float> agent_extent;        // (B, M, 2)
  TensorView<const int32_t> agent_type;        // (B, M) AgentType values
  TensorView<const int32_t> agent_first_step;  // (B, N, M, K) from check_collisions
  TensorView<const float> agent_prob;          // (B, M, K); optional (at_fault_prob needs it)
  // (B, M, K, T+1) agent speeds; optional: estimated from the poses, |p(t+1) - p(t)| / dt (the
  // last step repeats the one before).
  TensorView<const float> agent_speed;
  TensorView<const bool> ignored;  // (B, M) optional: agents already collided with
  float length = 0, width = 0;     // ego box (m)
  float rear_axle_to_center = 0;   // ego rear axle to box centre (m)
  double dt = 0.1;
  double stopped_speed = 0.05;               // m/s
  double behind_angle = 2.6179938779914944;  // rad (150 degrees)
  AtFaultScoring scoring = AtFaultScoring::kWorstCollision;
  // A lateral contact with a pedestrian or a bicycle is the moving ego's fault wherever it is
  // (nuPlan: only in several lanes or off the drivable area): a planner's rule, so that it does
  // not edge into a cyclist riding alongside.
  bool vru_lateral_at_fault = false;
};

struct AtFaultOutputs {
  TensorView<float> score;             // (B, N)
  TensorView<float> at_fault_prob;     // (B, N); may be empty without agent_prob
  TensorView<int32_t> first_step;      // (B, N) first at-fault collision step, -1 without
  TensorView<int32_t> collision_type;  // (B, N, M, K) CollisionType of the first collision
};

void at_fault_collisions(const AtFaultRequest& request, const AtFaultOutputs& out);

// Time to collision, PDM-Closed's and NAVSIM's form (pdm_scorer.py, _calculate_ttc): at every
// step t the ego box is pushed ahead along its heading at its speed by each of
// projection_steps * dt and checked against the agents at step t + that many steps (pairs past the
// horizon are not checked). Steps where the ego is slower than stopped_speed are skipped. As in
// at_fault_collisions, only the first contact with an agent mode (steps in order, then
// projections in order) decides: it is a violation when the agent's centre is ahead (within
// ahead_angle of the heading, seen from the rear axle), or when the ego step is
// kEgoMultipleLanes, kEgoOffRoad or kEgoInIntersection and the agent is not behind (beyond
// behind_angle); otherwise the agent is ignored from then on.
struct TtcRequest {
  TensorView<const float> states;        // (B, N, T+1, S), S >= 4
  TensorView<const int32_t> areas;       // (B, N, T+1) from ego_areas
  TensorView<const float> agents;        // (B, M, K, T+1, 3)
  TensorView<const float> agent_extent;  // (B, M, 2)
  TensorView<const float> agent_prob;    // (B, M, K) optional (violation_prob needs it)
  TensorView<const bool> agent_valid;    // as check_collisions; optional
  TensorView<const bool> ignored;        // (B, M) optional
  // (B, N, M, K) optional: check_collisions' agent_first_step for these states and agents (no
  // margin, not swept, the same agent_valid). Projection 0 then reuses it instead of a
  // collision pass of its own, unless some first contact falls on a step where the ego stands.
  TensorView<const int32_t> agent_first_step;
  float length = 0, width = 0, rear_axle_to_center = 0;
  double dt = 0.1;
  // PDM: numpy.arange(0, int(1.0 * 10), 3), i.e. 0, 0.3, 0.6, 0.9 s at 0.1 s, whatever dt is.
  std::vector<int32_t> projection_steps{0, 3, 6, 9};
  double stopped_speed = 5e-3;               // m/s
  double ahead_angle = 0.5235987755982988;   // rad (30 degrees)
  double behind_angle = 2.6179938779914944;  // rad (150 degrees)
};

struct TtcOutputs {
  TensorView<float> score;           // (B, N) 1, or 0 with a violation (worst mode)
  TensorView<float> violation_prob;  // (B, N) optional: agents independent, as collision_prob
  TensorView<int32_t> first_step;    // (B, N) step of the first violation, -1 without
};

void time_to_collision(const TtcRequest& request, const TtcOutputs& out);

// Time to collision, nuPlan's form (time_to_collision_within_bound.py). At every step where the
// ego moves (|v| > stopped_speed), the ego box and each relevant agent box are projected at
// constant velocity along their headings in time_step increments, at t = time_step +
// i * time_step < time_horizon (numpy.arange(time_step, time_horizon, time_step)); the step's TTC
// is the first t at which a projected pair overlaps (touching counts), +inf without one, and 0
// at the step of an at-fault collision (at_fault_step). An agent mode is relevant at a step when
//   - it is valid there, not ignored, and its first contact (agent_first_step) is later: nuPlan
//     drops every track collided with from that step on;
//   - its centre is ahead of the ego rear axle (within ahead_angle), or the ego step is
//     kEgoMultipleLanes, kEgoOffRoad or kEgoInIntersection and the agent is not behind (beyond
//     behind_angle);
//   - the two boxes stretched over the horizon (centre moved half the way, length grown by the
//     whole displacement) overlap.
// Agents move at agent_speed (estimated from the poses as in at_fault_collisions when absent);
// objects (AgentType::kObject) stand still. The score is 1 when every step's TTC exceeds
// least_min_ttc, else 0; multimodal agents give the worst mode, as time_to_collision does.
struct NuplanTtcRequest {
  TensorView<const float> states;              // (B, N, T+1, S), S >= 4: box centre x, y, yaw, v
  TensorView<const int32_t> areas;             // (B, N, T+1) from ego_areas
  TensorView<const float> agents;              // (B, M, K, T+1, 3)
  TensorView<const float> agent_extent;        // (B, M, 2)
  TensorView<const int32_t> agent_type;        // (B, M) AgentType values
  TensorView<const float> agent_speed;         // (B, M, K, T+1) optional
  TensorView<const float> agent_prob;          // (B, M, K) optional (violation_prob needs it)
  TensorView<const bool> agent_valid;          // as check_collisions; optional
  TensorView<const bool> ignored;              // (B, M) optional
  TensorView<const int32_t> agent_first_step;  // (B, N, M, K) optional, from check_collisions
  TensorView<const int32_t> at_fault_step;     // (B, N) optional, from at_fault_collisions
  float length = 0, width = 0, rear_axle_to_center = 0;
  double dt = 0.1;
  double time_step = 0.1;                    // s
  double time_horizon = 3.0;                 // s
  double least_min_ttc = 0.95;               // s
  double stopped_speed = 5e-3;               // m/s
  double ahead_angle = 0.5235987755982988;   // rad (30 degrees)
  double behind_angle = 2.6179938779914944;  // rad (150 degrees)
};

struct NuplanTtcOutputs {
  TensorView<float> score;           // (B, N) 1, or 0 when some step's TTC <= least_min_ttc
  TensorView<float> violation_prob;  // (B, N) optional: agents independent
  TensorView<int32_t> first_step;    // (B, N) first step with TTC <= least_min_ttc, -1 without
  TensorView<float> min_ttc;         // (B, N) optional: the smallest TTC (s), +inf without one
};

void nuplan_time_to_collision(const NuplanTtcRequest& request, const NuplanTtcOutputs& out);

// Safe following distance (RSS-style longitudinal rule), docs/scoring.md "Safe distance". At
// every step where the ego moves (v > stopped_speed), each valid agent mode whose box lies ahead
// in the ego's path (centre ahead of the ego centre; lateral offset from the ego's arc, of the
// curvature the candidate drives at that step, within the half widths plus lateral_margin) must
// be at a gap (box to box, along the path) of at least
//   d_safe = max(0, v_e * reaction_time + v_e^2 / (2 ego_brake) - v_a^2 / (2 agent_brake))
//            + min_gap,
// v_e the ego's speed, v_a the agent's speed along the ego heading (from its poses, >= 0): the
// ego can stop behind the agent even if the agent brakes as hard as it can, after the ego reacts
// late. A gap that is already short at t = 0 (a cut-in) is no violation while the candidate
// recovers it: the margin gap - d_safe may not fall below min(0, m0 + recovery_rate *
// (t dt - reaction_time)) - tolerance, with m0 the margin at t = 0 (computed for the agent's
// pose then, in the path or not). The score is 1 without a violation, else 0 (worst mode);
// violation_prob combines the violating modes' probabilities over independent agents.
struct SafeDistanceParams {
  double reaction_time = 0.5;   // s, before the ego brakes
  double ego_brake = 6.0;       // m/s^2 the ego is assured to brake with
  double agent_brake = 7.0;     // m/s^2 the hardest an agent ahead may brake
  double min_gap = 2.0;         // m kept at standstill
  double recovery_rate = 1.0;   // m/s a short gap must recover at
  double tolerance = 1.0;       // m
  double lateral_margin = 0.3;  // m beside each side of the ego's corridor
  double stopped_speed = 0.1;   // m/s: a standing ego violates nothing
  double horizon = 2.0;         // s: later steps are not checked (forecasts grow uncertain)
};

void validate(const SafeDistanceParams& params);

struct SafeDistanceRequest {
  TensorView<const float> states;        // (B, N, T+1, S), S >= 4: box centre x, y, yaw, v
  TensorView<const float> agents;        // (B, M, K, T+1, 3)
  TensorView<const float> agent_extent;  // (B, M, 2)
  TensorView<const float> agent_prob;    // (B, M, K) optional (violation_prob needs it)
  TensorView<const bool> agent_valid;    // as check_collisions; optional
  TensorView<const bool> ignored;        // (B, M) optional
  float length = 0, width = 0;           // the ego
  double dt = 0.1;
  SafeDistanceParams params;
};

struct SafeDistanceOutputs {
  TensorView<float> score;           // (B, N) 1, or 0 with a violation (worst mode)
  TensorView<float> violation_prob;  // (B, N) optional: agents independent
  TensorView<int32_t> first_step;    // (B, N) step of the first violation, -1 without
};

void safe_distance(const SafeDistanceRequest& request, const SafeDistanceOutputs& out);

}  // namespace trajcore
