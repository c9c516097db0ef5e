// Planner: generate, score in chunks against a deadline, aggregate, select, explain.
#include "trajcore/planner.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>

#include "generator_common.hpp"
#include "score_aggregate.hpp"
#include "trajcore/error.hpp"
#include "trajcore/map_metrics.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Rows [row0, row0 + rows of `part`) of `whole`, both with the same trailing dimensions. An
// empty row (a scene without agents: collision_type is (N, 0, K)) copies nothing: memcpy from
// the null data of an empty tensor is undefined even for 0 bytes (UBSan stopped CI on it).
template <class T>
void copy_rows(const Tensor<T>& part, Tensor<T>& whole, int64_t row0, int64_t rows) {
  if (rows == 0) return;
  const int64_t inner = part.numel() / rows;
  if (inner == 0) return;
  std::memcpy(whole.data() + row0 * inner, part.data(), sizeof(T) * size_t(rows * inner));
}

template <class T>
void size_like(Tensor<T>& whole, const Tensor<T>& part, int64_t total_rows) {
  Shape shape = part.shape();
  shape[0] = total_rows;
  if (!whole.defined() || whole.shape() != shape) whole.resize(shape);
}

// When every candidate scores 0 (each fails a gate), the least bad one: the latest first at-fault
// collision (none is best), then the highest no-collision, drivable-area and driving-direction
// sub-scores, then the smallest lateral offset (stay in the lane), then the lowest index (the
// lattice orders target speeds upward, so this is the firmest braking of that offset).
int32_t least_bad(const ScoreResult& s, const CandidateSet& c, int64_t scored) {
  auto key = [&](int64_t i) {
    const int32_t step = s.collision_step.data()[i];
    return std::make_tuple(step < 0 ? std::numeric_limits<int32_t>::max() : step,
                           s.no_collision.data()[i], s.drivable_area.data()[i],
                           s.driving_direction.data()[i], -std::fabs(c.offsets.data()[i]));
  };
  int64_t best = 0;
  for (int64_t i = 1; i < scored; ++i) {
    if (key(i) > key(best)) best = i;
  }
  return static_cast<int32_t>(best);
}

PlanReason reason_of(const ScoreResult& s, int64_t i) {
  if (s.no_collision.data()[i] < 1.0f) return PlanReason::kCollision;
  if (s.drivable_area.data()[i] < 1.0f) return PlanReason::kOffRoad;
  if (s.driving_direction.data()[i] < 1.0f) return PlanReason::kWrongWay;
  if (s.traffic_light.data()[i] < 1.0f) return PlanReason::kRedLight;
  if (s.safe_distance.data()[i] < 1.0f) return PlanReason::kUnsafeDistance;
  if (s.making_progress.data()[i] < 1.0f) return PlanReason::kNoProgress;
  if (s.ttc.data()[i] < 1.0f) return PlanReason::kTimeToCollision;
  if (s.comfort.data()[i] < 1.0f) return PlanReason::kUncomfortable;
  if (s.speed_limit.data()[i] < 1.0f) return PlanReason::kSpeeding;
  if (s.lane_keeping.data()[i] < 1.0f) return PlanReason::kOffLaneCentre;
  if (s.extended_comfort.data()[i] < 1.0f) return PlanReason::kInconsistent;
  return PlanReason::kLowerScore;
}

}  // namespace

void validate(const PlannerConfig& c) {
  validate(c.vehicle);
  validate(c.tracker);
  validate(c.profile);
  if (c.steps < 1) throw Error("steps is " + std::to_string(c.steps) + ", expected at least 1");
  if (!(c.dt > 0) || !std::isfinite(c.dt)) {
    throw Error("dt is " + detail::value_str(c.dt) + ", expected > 0 seconds");
  }
  if (c.chunk < 1) throw Error("chunk is " + std::to_string(c.chunk) + ", expected at least 1");
  if (!(c.stop_gap >= 0) || !std::isfinite(c.stop_gap)) {
    throw Error("stop_gap is " + detail::value_str(c.stop_gap) + ", expected a finite number >= 0 (m)");
  }
  auto positive = [](double v, const char* name, const char* unit) {
    if (!(v > 0) || !std::isfinite(v)) {
      throw Error(std::string("emergency.") + name + " is " + detail::value_str(v) +
                  ", expected > 0 " + unit);
    }
  };
  positive(c.emergency.deceleration, "deceleration", "m/s^2");
  positive(c.emergency.time_to_infraction, "time_to_infraction", "s");
  if (!(c.emergency.min_probability >= 0 && c.emergency.min_probability <= 1)) {
    throw Error("emergency.min_probability is " + detail::value_str(c.emergency.min_probability) +
                ", expected a probability in [0, 1]");
  }
  if (!(c.emergency.max_speed >= 0) || !std::isfinite(c.emergency.max_speed)) {
    throw Error("emergency.max_speed is " + detail::value_str(c.emergency.max_speed) +
                ", expected >= 0 m/s");
  }
  if (c.generator == CandidateGenerator::kPdmProposals) {
    if (c.pdm.offsets.empty()) throw Error("pdm.offsets is empty, expected at least one value");
    if (c.pdm.speed_fractions.empty()) {
      throw Error("pdm.speed_fractions is empty, expected at least one value");
    }
    if (!(c.pdm.fallback_speed_limit > 0) || !std::isfinite(c.pdm.fallback_speed_limit)) {
      throw Error("pdm.fallback_speed_limit is " + detail::value_str(c.pdm.fallback_speed_limit) +
                  ", expected > 0 m/s");
    }
  }
  for (const auto* list :
       {&c.lattice.lateral_offsets, &c.lattice.target_speeds, &c.lattice.durations}) {
    if (list->empty()) {
      const char* name = list == &c.lattice.lateral_offsets ? "lattice.lateral_offsets"
                         : list == &c.lattice.target_speeds ? "lattice.target_speeds"
                                                            : "lattice.durations";
      throw Error(std::string(name) + " is empty, expected at least one value");
    }
  }
  if (!(c.lattice.comfortable_acceleration > 0)) {
    throw Error("lattice.comfortable_acceleration is " +
                detail::value_str(c.lattice.comfortable_acceleration) +
                ", expected > 0 m/s^2 (infinity: no bound)");
  }
  for (size_t i = 0; i < c.lattice.speed_limit_fractions.size(); ++i) {
    const double f = c.lattice.speed_limit_fractions[i];
    if (!(f > 0) || !std::isfinite(f)) {
      throw Error("lattice.speed_limit_fractions[" + std::to_string(i) + "] is " +
                  detail::value_str(f) + ", expected a finite fraction > 0");
    }
  }
  // Candidates' states, references, controls, flags and score work: at least 128 bytes per
  // candidate step (the agents' share comes on top).
  const double candidates = double(c.lattice.lateral_offsets.size()) *
                            double(c.lattice.target_speeds.size() +
                                   c.lattice.speed_limit_fractions.size()) *
                            double(c.lattice.durations.size());
  check_fits_in_memory(candidates * double(c.steps + 1) * 128.0,
                       "a lattice of " + detail::value_str(candidates) + " candidates over " +
                           std::to_string(c.steps + 1) + " steps");
}

Planner::Planner(PlannerConfig config) : config_(std::move(config)) {
  validate(config_);
  lattice_.lateral_offsets = config_.lattice.lateral_offsets;
  lattice_.target_speeds = config_.lattice.target_speeds;
  lattice_.target_speeds.reserve(config_.lattice.target_speeds.size() +
                                 config_.lattice.speed_limit_fractions.size());
  target_speeds_.reserve(lattice_.target_speeds.capacity());
  lattice_.durations = config_.lattice.durations;
  lattice_.comfortable_acceleration = config_.lattice.comfortable_acceleration;
  lattice_.steps = config_.steps;
  lattice_.dt = config_.dt;
  lattice_.params = config_.vehicle;
  lattice_.tracker = config_.tracker;
  pdm_.offsets = config_.pdm.offsets;
  pdm_.speed_fractions = config_.pdm.speed_fractions;
  pdm_.idm = config_.pdm.idm;
  pdm_.steps = config_.steps;
  pdm_.dt = config_.dt;
  pdm_.params = config_.vehicle;
  pdm_.tracker = config_.tracker;
  score_.length = config_.vehicle.length;
  score_.width = config_.vehicle.width;
  score_.rear_axle_to_center = config_.vehicle.rear_axle_to_center;
  score_.dt = config_.dt;
  score_.profile = config_.profile;
  brake_.params = config_.vehicle;
  brake_.dt = config_.dt;
}

TensorView<const float> Planner::brake(const float* ego_state) {
  const int64_t T = config_.steps;
  const VehicleParams& v = config_.vehicle;
  if (!brake_controls_.defined()) brake_controls_.resize(Shape{1, T, 2});
  float* u = brake_controls_.data();
  // Jerk-limited to -deceleration (within the vehicle's limit), steering held.
  const double target = -std::min(config_.emergency.deceleration, double(v.max_deceleration));
  double a = ego_state[4];
  for (int64_t t = 0; t < T; ++t) {
    const double jerk = std::clamp((target - a) / config_.dt, -double(v.max_jerk), double(v.max_jerk));
    a += jerk * config_.dt;
    u[t * 2] = static_cast<float>(jerk);
    u[t * 2 + 1] = 0.0f;
  }
  brake_.state0 = {ego_state, Shape{6}, {}};
  brake_.controls = {brake_controls_.data(), Shape{1, T, 2}, {}};
  rollout(brake_, brake_result_);
  return {brake_result_.states.data(), Shape{T + 1, 6}, {}};
}

int64_t Planner::candidate_count() const {
  if (config_.generator == CandidateGenerator::kPdmProposals) {
    return int64_t(config_.pdm.offsets.size() * config_.pdm.speed_fractions.size());
  }
  return int64_t(config_.lattice.lateral_offsets.size() * config_.lattice.target_speeds.size() *
                 config_.lattice.durations.size());
}

int64_t Planner::max_candidate_count() const {
  if (config_.generator == CandidateGenerator::kPdmProposals) return candidate_count();
  const LatticeSettings& l = config_.lattice;
  return int64_t(l.lateral_offsets.size() *
                 (l.target_speeds.size() + l.speed_limit_fractions.size()) *
                 (l.durations.size() + 1));
}

double Planner::ego_speed_limit(const PlanScene& scene) const {
  const float* ego = scene.ego_state.data;
  const RoadMap::LaneLocation where = scene.road_map->locate_lane(ego[0], ego[1], ego[2]);
  const double limit = where.lane >= 0 ? scene.road_map->speed_limit(where.lane)
                                       : std::numeric_limits<double>::quiet_NaN();
  return limit > 0 && std::isfinite(limit) ? limit : std::numeric_limits<double>::quiet_NaN();
}

void Planner::prepare_target_speeds(double limit) {
  const std::vector<double>& base = config_.lattice.target_speeds;
  target_speeds_.assign(base.begin(), base.end());
  if (!std::isfinite(limit)) return;
  for (const double fraction : config_.lattice.speed_limit_fractions) {
    const double speed = fraction * limit;
    const bool listed = std::any_of(target_speeds_.begin(), target_speeds_.end(),
                                    [&](double v) { return std::fabs(v - speed) < 0.1; });
    if (listed) continue;
    const auto larger = std::find_if(target_speeds_.begin(), target_speeds_.end(),
                                     [&](double v) { return v > speed; });
    target_speeds_.insert(larger, speed);
  }
}

namespace {

// The corners of a box (centre x, y, yaw, length, width), in order.
std::array<double, 8> box_corners(double x, double y, double yaw, double length, double width) {
  const double c = std::cos(yaw), s = std::sin(yaw), hl = 0.5 * length, hw = 0.5 * width;
  return {x + hl * c - hw * s, y + hl * s + hw * c, x - hl * c - hw * s, y - hl * s + hw * c,
          x - hl * c + hw * s, y - hl * s - hw * c, x + hl * c + hw * s, y + hl * s - hw * c};
}

}  // namespace

void Planner::prepare_red_lights(const PlanScene& scene) {
  red_lanes_.clear();
  durations_ = config_.lattice.durations;
  stop_progress_ = std::numeric_limits<double>::quiet_NaN();
  stop_line_ = std::numeric_limits<double>::quiet_NaN();
  if (scene.red_lanes.data == nullptr || scene.red_lanes.numel() == 0) return;
  if (scene.red_lanes.shape.rank() != 1) {
    throw Error("scene.red_lanes has shape " + scene.red_lanes.shape.str() +
                ", expected (R,) lane indices");
  }
  const RoadMap& map = *scene.road_map;
  const VehicleParams& v = config_.vehicle;
  const float* ego = scene.ego_state.data;
  // A lane that holds the ego's centre (it entered on green or yellow) is one to clear, not to
  // enter; a bumper over the line is not in it.
  std::array<int32_t, 16> around{};
  const int32_t inside = std::min<int32_t>(
      map.lanes_containing(ego[0], ego[1], around.data(), int32_t(around.size())),
      int32_t(around.size()));
  for (int64_t i = 0; i < scene.red_lanes.numel(); ++i) {
    const int32_t lane = scene.red_lanes.data[i];
    if (lane < 0 || lane >= map.lane_count()) {
      throw Error("scene.red_lanes[" + std::to_string(i) + "] is " + std::to_string(lane) +
                  ", expected a lane index in [0, " + std::to_string(map.lane_count()) + ")");
    }
    if (std::find(around.begin(), around.begin() + inside, lane) == around.begin() + inside) {
      red_lanes_.push_back(lane);
    }
  }
  if (red_lanes_.empty()) return;
  // The first station of the rear axle along the reference line where the ego's box, on the
  // line, meets a red lane (to 1 cm); the stop is stop_gap before it.
  const ReferenceLine& line = *scene.reference_line;
  const detail::RearAxle rear = detail::rear_axle(ego, v);
  double s0 = 0, d0 = 0;
  line.project(rear.x, rear.y, &s0, &d0);
  auto meets = [&](double s) {
    const ReferenceLine::Pose p = line.evaluate(s);
    const double c = v.rear_axle_to_center;
    const auto box = box_corners(p.x + c * std::cos(p.heading), p.y + c * std::sin(p.heading),
                                 p.heading, v.length, v.width);
    for (const int32_t lane : red_lanes_) {
      if (map.lane_meets_convex(lane, box.data(), 4)) return true;
    }
    return false;
  };
  const double step = 0.5;
  const double reach = std::max(double(ego[3]), 1.0) * config_.steps * config_.dt + v.length;
  for (double s = s0 + step; s <= std::min(s0 + reach, line.length()); s += step) {
    if (!meets(s)) continue;
    double clear = s - step, hit = s;
    while (hit - clear > 0.01) {
      const double mid = 0.5 * (clear + hit);
      (meets(mid) ? hit : clear) = mid;
    }
    stop_progress_ = std::max(clear - config_.stop_gap - s0, 0.0);
    stop_line_ = s0 + stop_progress_ + v.rear_axle_to_center + 0.5 * v.length;
    if (config_.generator == CandidateGenerator::kFrenetLattice) {
      // The lattice gets a maneuver that stops there; PDM's IDM stops at the line by itself.
      const double stop = detail::lattice_stop_duration(line, ego, v, stop_progress_, 0.3,
                                                        4 * config_.steps * config_.dt);
      if (std::isfinite(stop)) durations_.push_back(stop);
    }
    break;
  }
}

void Planner::generate_pdm(const PlanScene& scene, CandidateSet& out) {
  // The lead search sees each agent's most probable mode (the first among equals), valid where
  // the scene's agent_valid marks the agent (per agent, or at step 0 of the per-step forms).
  const Shape& a = scene.agents.shape;
  if (a.rank() != 4 || a[3] != 3) {
    throw Error("scene.agents has shape " + a.str() + ", expected (M, K, T+1, 3)");
  }
  const int64_t M = a[0], K = a[1], T1 = a[2];
  lead_poses_.resize(static_cast<size_t>(M * T1 * 3));
  lead_valid_.resize(static_cast<size_t>(M));
  const Shape& vs = scene.agent_valid.shape;
  for (int64_t m = 0; m < M; ++m) {
    int64_t best = 0;
    if (scene.agent_prob.data != nullptr && scene.agent_prob.shape == Shape{M, K}) {
      for (int64_t k = 1; k < K; ++k) {
        if (scene.agent_prob.data[m * K + k] > scene.agent_prob.data[m * K + best]) best = k;
      }
    }
    std::copy(scene.agents.data + (m * K + best) * T1 * 3,
              scene.agents.data + (m * K + best + 1) * T1 * 3, lead_poses_.data() + m * T1 * 3);
    bool valid = true;
    if (scene.agent_valid.data != nullptr) {
      if (vs == Shape{M}) {
        valid = scene.agent_valid.data[m];
      } else if (vs == Shape{M, T1}) {
        valid = scene.agent_valid.data[m * T1];
      } else if (vs == Shape{M, K, T1}) {
        valid = scene.agent_valid.data[(m * K + best) * T1];
      }
    }
    lead_valid_[m] = valid ? 1 : 0;
  }
  const double limit = ego_speed_limit(scene);
  pdm_.speed_limit = std::isfinite(limit) ? limit : config_.pdm.fallback_speed_limit;
  pdm_.ego_state = scene.ego_state;
  pdm_.centerline = scene.reference_line;
  pdm_.stop_line = stop_line_;
  pdm_.agent_poses = {lead_poses_.data(), Shape{M, T1, 3}, {}};
  pdm_.agent_extents = scene.agent_extent;
  pdm_.agent_valid = {reinterpret_cast<const bool*>(lead_valid_.data()), Shape{M}, {}};
  pdm_proposals(pdm_, out);
}

const PlanResult& Planner::plan(const PlanScene& scene, double deadline_ms) {
  const Clock::time_point start = Clock::now();
  if (scene.road_map == nullptr) throw Error("scene.road_map is null, expected a RoadMap");
  if (scene.reference_line == nullptr) {
    throw Error("scene.reference_line is null, expected a ReferenceLine");
  }
  if (scene.ego_state.shape != Shape{6}) {
    throw Error("scene.ego_state has shape " + scene.ego_state.shape.str() +
                ", expected (6,) = x, y, yaw, v, a, steer");
  }
  if (std::isnan(deadline_ms) || deadline_ms < 0) {
    throw Error("deadline_ms is " + detail::value_str(deadline_ms) + ", expected >= 0");
  }
  // The agents' horizon is the planner's: name both (a mismatch is a scene predicted for another
  // planner, not a malformed array).
  const Shape& predicted = scene.agents.shape;
  if (predicted.rank() == 4 && predicted[3] == 3 && predicted[2] != config_.steps + 1) {
    throw Error("scene.agents has shape " + predicted.str() + ": " +
                std::to_string(predicted[2] - 1) + " predicted steps, but this planner plans " +
                std::to_string(config_.steps) + " (its steps setting); predict " +
                std::to_string(config_.steps) + " steps, or make the planner with steps=" +
                std::to_string(predicted[2] - 1));
  }
  PlanResult& r = result_;
  r.deadline_reached = false;
  r.chosen = -1;
  r.scored = 0;

  prepare_red_lights(scene);
  // A candidate is not blamed for where the ego is: where its box already reaches farther off
  // the drivable area than the profile's tolerance (a log that starts on a shoulder the map
  // leaves out), this cycle's tolerance is that distance (plus 1 cm); farther off still fails.
  {
    const float* ego = scene.ego_state.data;
    const auto corners = box_corners(ego[0], ego[1], ego[2], config_.vehicle.length,
                                     config_.vehicle.width);
    double off = 0;
    for (int k = 0; k < 4; ++k) {
      off = std::max(off, scene.road_map->drivable_area_distance(corners[2 * k],
                                                                 corners[2 * k + 1]));
    }
    score_.profile.drivable_tolerance =
        off > config_.profile.drivable_tolerance ? off + 0.01 : config_.profile.drivable_tolerance;
  }
  // Generate and track.
  if (config_.generator == CandidateGenerator::kPdmProposals) {
    generate_pdm(scene, r.candidates);
  } else {
    lattice_.ego_state = scene.ego_state;
    lattice_.reference_line = scene.reference_line;
    lattice_.durations.assign(durations_.begin(), durations_.end());
    if (!config_.lattice.speed_limit_fractions.empty()) {
      prepare_target_speeds(ego_speed_limit(scene));
      lattice_.target_speeds.assign(target_speeds_.begin(), target_speeds_.end());
    }
    frenet_lattice(lattice_, r.candidates);
  }
  const Clock::time_point generated = Clock::now();
  r.timings.generate_ms = std::chrono::duration<double, std::milli>(generated - start).count();

  // Score in chunks.
  const int64_t N = r.candidates.states.shape()[0], T1 = config_.steps + 1;
  score_.agents = scene.agents;
  score_.agent_extent = scene.agent_extent;
  score_.agent_type = scene.agent_type;
  score_.agent_prob = scene.agent_prob;
  score_.agent_valid = scene.agent_valid;
  score_.ignored = scene.ignored;
  score_.road_map = scene.road_map;
  score_.centerline = scene.reference_line;
  if (scene.route_lanes.data != nullptr) {
    score_.route_lanes.assign(scene.route_lanes.data,
                              scene.route_lanes.data + scene.route_lanes.numel());
  } else {
    score_.route_lanes.clear();
  }
  score_.previous = scene.previous;
  score_.previous_shift = scene.previous_shift;
  // The red lanes, the same at every step (the light's state now, held).
  const int64_t R = int64_t(red_lanes_.size());
  red_lights_.resize(size_t(T1 * R));
  for (int64_t k = 0; k < T1; ++k) {
    std::copy(red_lanes_.begin(), red_lanes_.end(), red_lights_.begin() + k * R);
  }
  score_.red_lights = R > 0 ? TensorView<const int32_t>{red_lights_.data(), Shape{T1, R}, {}}
                            : TensorView<const int32_t>{};
  ScoreResult& all = r.scores;
  for (int64_t n0 = 0; n0 < N; n0 += config_.chunk) {
    if (n0 > 0 && ms_since(start) > deadline_ms) {
      r.deadline_reached = true;
      break;
    }
    const int64_t rows = std::min(config_.chunk, N - n0);
    score_.states = {r.candidates.states.data() + n0 * T1 * 6, Shape{rows, T1, 6}, {}};
    score(score_, chunk_);
    auto both = [&](auto member) {
      auto& part = chunk_.*member;
      auto& whole = all.*member;
      size_like(whole, part, N);
      copy_rows(part, whole, n0, rows);
    };
    both(&ScoreResult::total);
    both(&ScoreResult::no_collision);
    both(&ScoreResult::drivable_area);
    both(&ScoreResult::driving_direction);
    both(&ScoreResult::progress);
    both(&ScoreResult::progress_m);
    both(&ScoreResult::ttc);
    both(&ScoreResult::comfort);
    both(&ScoreResult::traffic_light);
    both(&ScoreResult::making_progress);
    both(&ScoreResult::speed_limit);
    both(&ScoreResult::lane_keeping);
    both(&ScoreResult::extended_comfort);
    both(&ScoreResult::safe_distance);
    both(&ScoreResult::collision_step);
    both(&ScoreResult::drivable_area_step);
    both(&ScoreResult::driving_direction_step);
    both(&ScoreResult::ttc_step);
    both(&ScoreResult::comfort_step);
    both(&ScoreResult::traffic_light_step);
    both(&ScoreResult::speed_limit_step);
    both(&ScoreResult::lane_keeping_step);
    both(&ScoreResult::safe_distance_step);
    both(&ScoreResult::areas);
    both(&ScoreResult::collision_type);
    both(&ScoreResult::comfort_failed);
    r.scored = n0 + rows;
  }
  // Progress towards a red light ends at the stop: a candidate that creeps closer is no better.
  if (std::isfinite(stop_progress_)) {
    for (int64_t i = 0; i < r.scored; ++i) {
      all.progress_m.data()[i] = std::min(all.progress_m.data()[i], float(stop_progress_));
    }
  }
  // The profile's red-light margin is where the planner likes to stop; when no candidate keeps
  // it (the ego stopped a little late, or creeps to a halt), NAVSIM's exact rule gates instead.
  if (!red_lanes_.empty() && config_.profile.gate_traffic_light &&
      config_.profile.red_light_margin > 0 && r.scored > 0 &&
      std::all_of(all.traffic_light.data(), all.traffic_light.data() + r.scored,
                  [](float v) { return v < 1.0f; })) {
    TrafficLightRequest exact;
    exact.states = {r.candidates.states.data(), Shape{r.scored, T1, 6}, {}};
    exact.length = config_.vehicle.length;
    exact.width = config_.vehicle.width;
    exact.road_map = scene.road_map;
    exact.red_lights = score_.red_lights;
    traffic_light_compliance(exact, {all.traffic_light.data(), Shape{r.scored}, {}},
                             {all.traffic_light_step.data(), Shape{r.scored}, {}});
  }
  aggregate_scores(config_.profile, {}, all, r.scored);
  for (int64_t i = r.scored; i < N; ++i) {
    all.total.data()[i] = std::numeric_limits<float>::quiet_NaN();  // not scored
  }
  const Clock::time_point scored = Clock::now();
  r.timings.score_ms = std::chrono::duration<double, std::milli>(scored - generated).count();

  // Select and explain.
  if (!r.reasons.defined() || r.reasons.shape() != Shape{N}) r.reasons.resize(Shape{N});
  float best = -std::numeric_limits<float>::infinity();
  // nuPlan's comfort bounds first: where a candidate that passes the gates keeps them, the best
  // of those; otherwise the best of all.
  bool comfortable_first = false;
  for (int64_t i = 0; config_.comfortable_first && i < r.scored && !comfortable_first; ++i) {
    comfortable_first = all.total.data()[i] > 0.0f && all.comfort.data()[i] >= 1.0f;
  }
  // Among equal totals, the smallest lateral offset (stay in the lane), then the lowest index.
  for (int64_t i = 0; i < r.scored; ++i) {
    if (comfortable_first && all.comfort.data()[i] < 1.0f) continue;
    const float total = all.total.data()[i];
    if (total > best || (total == best && std::fabs(r.candidates.offsets.data()[i]) <
                                              std::fabs(r.candidates.offsets.data()[r.chosen]))) {
      best = total;
      r.chosen = static_cast<int32_t>(i);
    }
  }
  r.fallback = r.scored > 0 && !(best > 0.0f);
  if (r.fallback) r.chosen = least_bad(all, r.candidates, r.scored);
  for (int64_t i = 0; i < N; ++i) {
    r.reasons.data()[i] = static_cast<int32_t>(i >= r.scored   ? PlanReason::kNotScored
                                               : i == r.chosen ? PlanReason::kChosen
                                                               : reason_of(all, i));
  }
  r.trajectory = {
      r.candidates.states.data() + int64_t(std::max(r.chosen, 0)) * T1 * 6, Shape{T1, 6}, {}};
  r.emergency_brake = false;
  r.emergency_reason = PlanReason::kChosen;
  if (config_.emergency.enabled && r.chosen >= 0) {
    const PlanReason why = reason_of(all, r.chosen);
    const bool unsafe = why == PlanReason::kCollision || why == PlanReason::kUnsafeDistance;
    const int32_t step = all.collision_step.data()[r.chosen];
    const bool soon = step >= 0 && double(step) * config_.dt <= config_.emergency.time_to_infraction &&
                      double(scene.ego_state.data[3]) <= config_.emergency.max_speed &&
                      1.0 - double(all.no_collision.data()[r.chosen]) >=
                          config_.emergency.min_probability;
    if ((config_.emergency.on_fallback && r.fallback && unsafe) || soon) {
      r.emergency_brake = true;
      r.emergency_reason = soon ? PlanReason::kCollision : why;
      r.trajectory = brake(scene.ego_state.data);
    }
  }
  r.timings.select_ms = ms_since(scored);
  r.timings.total_ms = ms_since(start);
  return r;
}

}  // namespace trajcore
