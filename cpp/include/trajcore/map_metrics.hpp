// Map metrics of candidate trajectories: where each box is on the map at each step (ego areas)
// and the compliance metrics built on them (drivable area, driving direction), with the step of
// the first infraction. docs/scoring.md ("Map metrics") gives the rules and their sources.
//
// Layouts: states (..., T+1, S) with S >= 3 (x, y, yaw of the box centre first, as in the state
// layout); per-step results (..., T+1); per-candidate results (...). All work is on the CPU,
// parallel over candidates, independent of the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "trajcore/reference_line.hpp"
#include "trajcore/road_map.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore {

// Bits of ego_areas, as PDM-Closed's scorer defines them (tuPlan Garage pdm_scorer.py).
enum EgoArea : int32_t {
  // Some lane polygon contains a corner, another lane polygon contains a corner too, and no
  // lane polygon contains all four.
  kEgoMultipleLanes = 1,
  // A corner is farther than drivable_tolerance from the drivable area.
  kEgoOffRoad = 2,
  // The centre is in no lane of the route.
  kEgoOffRoute = 4,
  // The centre is in a lane marked in_intersection.
  kEgoInIntersection = 8,
};

struct EgoAreaRequest {
  TensorView<const float> states;
  float length = 0, width = 0;  // the ego box (m)
  const RoadMap* road_map = nullptr;
  std::vector<int32_t> route_lanes;  // lane indices; empty: every lane is on the route
  // 0 (NAVSIM, PDM: a corner outside every drivable polygon) or nuPlan's 0.3 m.
  double drivable_tolerance = 0.0;
};

void ego_areas(const EgoAreaRequest& request, TensorView<int32_t> areas);

// Drivable-area compliance from ego_areas: 1, or 0 when a step is kEgoOffRoad; first_step is
// that step (-1 without one).
void drivable_area_compliance(TensorView<const int32_t> areas, TensorView<float> score,
                              TensorView<int32_t> first_step);

enum class DirectionRule : int32_t {
  // nuPlan (driving_direction_compliance.py): per step, the progress of the centre along the
  // centreline of the lane it is located in (RoadMap::locate_lanes), 0 on the first step in a
  // lane and outside lanes; the wrong-way distance is the largest backward progress summed
  // over `window` + 1 consecutive steps.
  kLaneProgress = 0,
  // PDM-Closed / NAVSIM: per step, the distance the centre moved while kEgoOffRoute (and, with
  // skip_intersections, not kEgoInIntersection); summed over each run of such steps (window 0,
  // PDM-Closed) or over `window` consecutive steps (NAVSIM v2).
  kOffRouteDistance = 1,
};

struct DrivingDirectionRequest {
  TensorView<const float> states;
  TensorView<const int32_t> areas;    // from ego_areas (kOffRouteDistance)
  const RoadMap* road_map = nullptr;  // kLaneProgress
  DirectionRule rule = DirectionRule::kLaneProgress;
  int32_t window = 10;              // steps (nuPlan: 1 s at 0.1 s); 0 with kOffRouteDistance: runs
  bool skip_intersections = false;  // kOffRouteDistance: steps in an intersection do not count
  double compliance_threshold = 2.0;  // m: below, score 1
  double violation_threshold = 6.0;   // m: below, score 0.5, else 0
};

struct DrivingDirectionOutputs {
  TensorView<float> score;         // 1, 0.5 or 0
  TensorView<float> wrong_way;     // the largest wrong-way distance (m)
  TensorView<int32_t> first_step;  // first step whose sum reaches compliance_threshold; -1
};

void driving_direction_compliance(const DrivingDirectionRequest& request,
                                  const DrivingDirectionOutputs& out);

// nuPlan's speed-limit compliance (speed_limit_compliance.py). Per step, the overspeed is
// max(0, v - limit) of the lane the centre is located in (RoadMap::locate_lanes); in a lane marked
// in_intersection (a connector) the limit is the largest of its predecessors' and successors'
// limits. Steps outside lanes, or with an unknown (NaN) limit, do not count. The score is
// max(0, 1 - sum_t overspeed_t / (max_overspeed * T)) over the T+1 states (nuPlan's
// sum * dt / (threshold * duration)); first_step is the first step over the limit.
struct SpeedLimitOutputs {
  TensorView<float> score;          // (...)
  TensorView<float> max_overspeed;  // (...) m/s
  TensorView<int32_t> first_step;   // (...) -1 without
};

void speed_limit_compliance(TensorView<const float> states, const RoadMap& road_map,
                            double max_overspeed, const SpeedLimitOutputs& out);

// NAVSIM v2's lane keeping (pdm_scorer._calculate_lane_keeping, from Hydra-MDP++). Per step, the
// distance from the centre to the centreline (its nearest point; past its ends, the end point).
// Steps in an intersection (kEgoInIntersection) are skipped: they neither count nor reset the
// run. The score is 0 once `steps` consecutive counted steps exceed max_deviation (NAVSIM: 0.5 m
// for ceil(2.0 s / 0.1 s) = 20 steps), else 1; first_step is the step that completes that run.
struct LaneKeepingRequest {
  TensorView<const float> states;
  TensorView<const int32_t> areas;  // from ego_areas
  const ReferenceLine* centerline = nullptr;
  double max_deviation = 0.5;  // m
  int32_t steps = 20;          // >= 1
};
void lane_keeping(const LaneKeepingRequest& request, TensorView<float> score,
                  TensorView<int32_t> first_step);

// Traffic-light compliance (NAVSIM v2, from Hydra-MDP++): 0 when at some step the ego box meets
// (touching included) the polygon of a lane whose light is red at that step, else 1; first_step
// is that step. red_lights (B, T+1, R) int32 holds the red lanes' indices per step, -1 padding.
// front_margin lengthens the box ahead (a planner's stop buffer; NAVSIM: 0).
struct TrafficLightRequest {
  TensorView<const float> states;
  float length = 0, width = 0;
  const RoadMap* road_map = nullptr;
  TensorView<const int32_t> red_lights;
  double front_margin = 0;  // m, >= 0
};
void traffic_light_compliance(const TrafficLightRequest& request, TensorView<float> score,
                              TensorView<int32_t> first_step);

}  // namespace trajcore
