// Planner: one planning cycle, generate -> track -> check -> score -> select, as a vehicle stack
// runs it ten times a second. docs/planner.md.
//
// plan(scene) generates the Frenet lattice of the configuration along the scene's reference line
// from the ego state (trajcore/generators.hpp, tracked by the configured controller), scores the
// candidates with the configured profile (trajcore/scoring.hpp) in chunks of `chunk`
// candidates, and picks the highest total (among equals the smallest lateral offset, then the
// lowest index; when every total is 0,
// the least bad candidate, flagging fallback). With a deadline, it
// stops scoring once the deadline has passed after a chunk, aggregates what it scored and picks
// among those, flagging deadline_reached. Every candidate gets the reason it was not chosen.
//
// After the first cycle (the warm-up) a cycle performs no heap allocation as long as the sizes
// stay the same: the result, candidates and scoring buffers are reused (cpp/tests/test_planner.cpp
// proves it with a counting allocator). The result is valid until the next plan().
//
// Threads: a Planner is one planning loop's state; plan() on one object must not run on two
// threads at once (its buffers and result are shared). Use one Planner per thread; the RoadMap
// and ReferenceLine may be shared, read-only. (Python's trajcore.Planner serialises calls on a
// shared object with a lock.)
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "trajcore/generators.hpp"
#include "trajcore/rollout.hpp"
#include "trajcore/scoring.hpp"
#include "trajcore/tensor.hpp"
#include "trajcore/track.hpp"
#include "trajcore/vehicle.hpp"

namespace trajcore {

// Which candidates the planner generates: the Frenet lattice of LatticeSettings, or PDM-Closed's
// centreline x IDM proposals (pdm_proposals) of PdmSettings.
enum class CandidateGenerator : int32_t { kFrenetLattice = 0, kPdmProposals = 1 };

// PDM-Closed's proposals: the reference line shifted by each offset, each followed at IDM speeds
// towards each fraction of the speed limit of the lane the ego is in (fallback_speed_limit where
// the map has none), behind the nearest agent ahead. The lead search sees each agent's most
// probable mode.
struct PdmSettings {
  std::vector<double> offsets{-1.0, 0.0, 1.0};                   // m, left positive
  std::vector<double> speed_fractions{0.2, 0.4, 0.6, 0.8, 1.0};  // of the speed limit
  double fallback_speed_limit = 15.0;                            // m/s (PDM's)
  IdmParams idm;
};

struct LatticeSettings {
  std::vector<double> lateral_offsets{-3.5, -1.75, 0.0, 1.75, 3.5};  // m, left positive
  std::vector<double> target_speeds{0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5};  // m/s
  std::vector<double> durations{2.0, 3.0, 4.0, 5.0};                              // s
  // Each cycle also targets these fractions (> 0) of the speed limit of the lane the ego is in,
  // where the map gives one and no target speed lies within 0.1 m/s of it; each goes in before
  // the first larger target speed (an ascending list stays ascending).
  std::vector<double> speed_limit_fractions{};
  // m/s^2: speed-ups accelerate no harder (FrenetLatticeRequest::comfortable_acceleration).
  double comfortable_acceleration = std::numeric_limits<double>::infinity();
};

// PDM-Closed's emergency brake (tuPlan Garage utils/pdm_emergency_brake.py), with the trigger this
// planner adds. When it fires, the plan is not a candidate but a stop: the vehicle model rolled
// out from the ego state with the jerk-limited acceleration going to -deceleration and held to a
// standstill, steering held. It fires when
//   - no candidate passes the gates (PlanResult::fallback) and the least bad one is held back by
//     a collision or an unsafe distance (not by the map: stopping on a highway for a map gap
//     would be a hazard of its own); or
//   - as PDM-Closed: the chosen candidate's first at-fault collision is within
//     time_to_infraction seconds while the ego is no faster than max_speed, and its at-fault
//     probability (1 - no_collision) is at least min_probability (PDM-Closed's scores are 0 or
//     1; over weighted modes, a mode the predictor all but rules out does not brake).
struct EmergencyBrake {
  bool enabled = false;  // replay, the demo and the vehicle program switch it on
  bool on_fallback = true;  // the trigger this planner adds (PDM-Closed has only the other)
  double deceleration = 4.05;      // m/s^2 (PDM-Closed: 4.05)
  double time_to_infraction = 2.0;  // s (PDM-Closed: 2)
  double max_speed = 5.0;           // m/s (PDM-Closed: 5)
  double min_probability = 0.05;    // in [0, 1]
};

struct PlannerConfig {
  VehicleParams vehicle = VehicleParams::passenger_car();
  TrackerParams tracker;
  ScoringProfile profile;  // pdm_closed
  CandidateGenerator generator = CandidateGenerator::kFrenetLattice;
  LatticeSettings lattice;
  PdmSettings pdm;
  EmergencyBrake emergency;
  int64_t steps = 40;  // T
  double dt = 0.1;
  int64_t chunk = 256;  // candidates scored between deadline checks (> 0)
  double stop_gap = 2.0;  // m between the ego's front and a red lane where its stop aims (>= 0)
  // Select among the candidates that keep the profile's comfort bounds (comfort 1) and pass the
  // gates (total > 0) where there is one, the best overall otherwise. Off: the best overall
  // (PDM-Closed); replay, the demo and the vehicle program switch it on.
  bool comfortable_first = false;
};

// Throws trajcore::Error naming the first field out of range.
void validate(const PlannerConfig& config);

// One scene, as the vehicle sees it. Layouts as score (B = 1, without the scene dimension).
struct PlanScene {
  TensorView<const float> ego_state;      // (6)
  TensorView<const float> agents;         // (M, K, T+1, 3)
  TensorView<const float> agent_extent;   // (M, 2)
  TensorView<const int32_t> agent_type;   // (M)
  TensorView<const float> agent_prob;     // (M, K) optional
  TensorView<const bool> agent_valid;     // optional, as check_collisions
  TensorView<const bool> ignored;         // (M) optional
  TensorView<const int32_t> route_lanes;  // (L) optional: empty means every lane
  // (T+1, 6) optional: the trajectory chosen `previous_shift` steps ago, for the profile's
  // extended comfort (consistency with the last plan; ScoringProfile::weight_extended_comfort).
  TensorView<const float> previous;
  int32_t previous_shift = 1;
  // (R) optional: the lanes whose traffic light is red now, held over the horizon (a lane beyond
  // a stop line; a recording's LightState RED). A profile that gates traffic-light compliance
  // fails candidates that enter one; lanes the ego's box already touches are exempt (it clears
  // them). The lattice then adds one maneuver duration: the one whose speed-0 profile stops the
  // ego stop_gap metres before the first red lane on its reference line.
  TensorView<const int32_t> red_lanes;
  const RoadMap* road_map = nullptr;
  const ReferenceLine* reference_line = nullptr;  // lattice reference and progress centreline
};

// Why a candidate was not chosen: the first sub-score that held it back, in this order.
enum class PlanReason : int32_t {
  kChosen = 0,
  kCollision = 1,  // at-fault collision (no_collision < 1)
  kOffRoad = 2,    // drivable area
  kWrongWay = 3,   // driving direction
  kTimeToCollision = 4,
  kUncomfortable = 5,
  kLowerScore = 6,      // nothing failed, another candidate scored higher
  kNotScored = 7,       // the deadline came first
  kRedLight = 8,        // traffic-light compliance
  kNoProgress = 9,      // making progress (nuPlan)
  kSpeeding = 10,       // speed-limit compliance
  kOffLaneCentre = 11,  // lane keeping
  kInconsistent = 12,   // extended comfort: far from the previous frame's trajectory
  kUnsafeDistance = 13,  // closes to a gap it could not stop in (safe distance)
};

struct PlanTimings {
  double generate_ms = 0;  // lattice and tracking
  double score_ms = 0;     // collision checks, metrics, aggregation
  double select_ms = 0;
  double total_ms = 0;
};

struct PlanResult {
  int32_t chosen = -1;  // candidate index
  bool deadline_reached = false;
  // No candidate scored above 0 (each failed a gate): `chosen` is the least bad one, the latest
  // first at-fault collision, then the best gate sub-scores, the smallest lateral offset and the
  // firmest braking (docs/planner.md, "Select").
  bool fallback = false;
  // The emergency brake fired (EmergencyBrake): `trajectory` is the stop, `chosen` still the
  // candidate the selection picked, and emergency_reason why it could not be driven.
  bool emergency_brake = false;
  PlanReason emergency_reason = PlanReason::kChosen;
  int64_t scored = 0;                  // candidates scored (all of them without a deadline)
  TensorView<const float> trajectory;  // (T+1, 6) the chosen candidate's states, or the stop
  CandidateSet candidates;
  ScoreResult scores;
  Tensor<int32_t> reasons;  // (N) PlanReason
  PlanTimings timings;
};

class Planner {
 public:
  explicit Planner(PlannerConfig config);
  const PlannerConfig& config() const { return config_; }
  // N of the configuration; a cycle adds offsets x speeds x durations for the target speeds
  // from the lane's speed limit (LatticeSettings::speed_limit_fractions) and offsets x speeds
  // for a red-light stop (its duration, PlanScene::red_lanes).
  int64_t candidate_count() const;
  // The most candidates a cycle can have (both additions).
  int64_t max_candidate_count() const;
  // deadline_ms: wall-clock budget from the call (infinity: score everything).
  const PlanResult& plan(const PlanScene& scene,
                         double deadline_ms = std::numeric_limits<double>::infinity());

 private:
  PlannerConfig config_;
  FrenetLatticeRequest lattice_;
  PdmProposalsRequest pdm_;
  std::vector<float> lead_poses_;  // (M, T+1, 3) each agent's most probable mode
  std::vector<uint8_t> lead_valid_;  // (M)
  ScoreRequest score_;
  ScoreResult chunk_;
  PlanResult result_;
  std::vector<double> durations_;    // the lattice's, and the red-light stop's when there is one
  std::vector<double> target_speeds_;  // the lattice's, and those from the lane's speed limit
  std::vector<int32_t> red_lanes_;   // (R) the scene's red lanes the ego does not touch
  std::vector<int32_t> red_lights_;  // (T+1, R) red_lanes_ at every step, for scoring
  double stop_progress_ = 0;         // m to the red-light stop along the line; NaN: none
  double stop_line_ = 0;             // its station for the front bumper (PDM's stop line)
  RolloutRequest brake_;
  Tensor<float> brake_controls_;
  RolloutResult brake_result_;
  void generate_pdm(const PlanScene& scene, CandidateSet& out);
  // red_lanes_ from the scene, and the lattice's durations with the stop for the first red lane
  // ahead, if any.
  void prepare_red_lights(const PlanScene& scene);
  // The speed limit of the lane the ego is in (NaN: no lane, or the map has no limit there).
  double ego_speed_limit(const PlanScene& scene) const;
  // target_speeds_: the lattice's, with speed_limit_fractions of `limit` put in.
  void prepare_target_speeds(double limit);
  // The emergency stop from `ego_state` (6), into brake_result_.
  TensorView<const float> brake(const float* ego_state);
};

}  // namespace trajcore
