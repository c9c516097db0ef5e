// Map metrics: ego areas, drivable-area compliance, driving-direction compliance.
#include "trajcore/map_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "parallel.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

constexpr int64_t kGrain = 8;              // candidates per chunk
constexpr int32_t kMaxLanesPerPoint = 16;  // lanes containing one corner that are told apart

// (rows, steps, fields) of states (..., T+1, S), checked.
struct Trajectories {
  int64_t rows, steps, fields;
};

Trajectories check_states(const TensorView<const float>& states) {
  if (states.data == nullptr || states.shape.rank() < 2 || states.shape.back() < 3) {
    throw Error("states has shape " + states.shape.str() +
                ", expected (..., T+1, S) with S >= 3 (x, y, yaw first)");
  }
  if (states.device.is_cuda()) {
    throw Error("states is on " + states.device.str() + ", expected a CPU array");
  }
  const int r = states.shape.rank();
  Trajectories t{1, states.shape[r - 2], states.shape[r - 1]};
  for (int i = 0; i < r - 2; ++i) t.rows *= states.shape[i];
  if (t.steps < 1 || t.rows < 1) {
    throw Error("states has shape " + states.shape.str() + ", expected at least one step");
  }
  const bool finite = detail::all_finite(states.data, t.rows * t.steps * t.fields);
  for (int64_t i = 0; i < t.rows * t.steps && !finite; ++i) {
    for (int f = 0; f < 3; ++f) {
      const float v = states.data[i * t.fields + f];
      if (!std::isfinite(v)) {
        throw Error("states" + detail::index_str(states.shape, i * t.fields + f) + " is " +
                    detail::value_str(v) + ", expected a finite value");
      }
    }
  }
  return t;
}

const RoadMap& check_map(const RoadMap* map) {
  if (map == nullptr) throw Error("road_map is null, expected a RoadMap");
  return *map;
}

void check_per_step(const Shape& shape, const void* data, const Device& device, const char* name,
                    const Shape& states_shape) {
  detail::check_output(shape, data, device, name, states_shape.without_last(), Device{});
}

void check_per_candidate(const Shape& shape, const void* data, const Device& device,
                         const char* name, const Shape& areas_shape) {
  detail::check_output(shape, data, device, name, areas_shape.without_last(), Device{});
}

int32_t areas_at(const RoadMap& map, const EgoAreaRequest& rq, const std::vector<char>& on_route,
                 const float* pose) {
  const double x = pose[0], y = pose[1], yaw = pose[2];
  const double c = std::cos(yaw), s = std::sin(yaw);
  const double hl = 0.5 * rq.length, hw = 0.5 * rq.width;
  // Corners counter-clockwise from front-left, as box_corners.
  const double corner[4][2] = {{x + hl * c - hw * s, y + hl * s + hw * c},
                               {x - hl * c - hw * s, y - hl * s + hw * c},
                               {x - hl * c + hw * s, y - hl * s - hw * c},
                               {x + hl * c + hw * s, y + hl * s - hw * c}};
  int32_t flags = 0;
  int32_t lanes[4][kMaxLanesPerPoint];
  int32_t counts[4];
  for (int k = 0; k < 4; ++k) {
    counts[k] =
        std::min(map.lanes_containing(corner[k][0], corner[k][1], lanes[k], kMaxLanesPerPoint),
                 kMaxLanesPerPoint);
    // When the drivable area is the lanes' union, a corner in a lane is on it: no second query.
    const bool on_road = (map.drivable_area_is_lanes() && counts[k] > 0) ||
                         map.near_drivable_area(corner[k][0], corner[k][1], rq.drivable_tolerance);
    if (!on_road) flags |= kEgoOffRoad;
  }
  // Multiple lanes: two distinct lanes hold corners, and no lane holds all four.
  int32_t first = -1;
  bool several = false, one_holds_all = false;
  for (int k = 0; k < 4; ++k) {
    for (int32_t i = 0; i < counts[k]; ++i) {
      const int32_t lane = lanes[k][i];
      if (first < 0) first = lane;
      several |= lane != first;
      bool in_all = true;
      for (int m = 0; m < 4 && in_all; ++m) {
        in_all = std::find(lanes[m], lanes[m] + counts[m], lane) != lanes[m] + counts[m];
      }
      one_holds_all |= in_all;
    }
  }
  if (several && !one_holds_all) flags |= kEgoMultipleLanes;
  int32_t centre[kMaxLanesPerPoint];
  const int32_t n =
      std::min(map.lanes_containing(x, y, centre, kMaxLanesPerPoint), kMaxLanesPerPoint);
  bool routed = false, intersection = false;
  for (int32_t i = 0; i < n; ++i) {
    routed |= on_route.empty() || on_route[centre[i]] != 0;
    intersection |= map.in_intersection(centre[i]);
  }
  if (!routed) flags |= kEgoOffRoute;
  if (intersection) flags |= kEgoInIntersection;
  return flags;
}

}  // namespace

void ego_areas(const EgoAreaRequest& rq, TensorView<int32_t> areas) {
  const Trajectories t = check_states(rq.states);
  const RoadMap& map = check_map(rq.road_map);
  if (!(rq.length > 0) || !(rq.width > 0) || !std::isfinite(rq.length) ||
      !std::isfinite(rq.width)) {
    throw Error("ego_extent is (" + detail::value_str(rq.length) + ", " +
                detail::value_str(rq.width) + "), expected a positive length and width");
  }
  if (!(rq.drivable_tolerance >= 0) || !std::isfinite(rq.drivable_tolerance)) {
    throw Error("drivable_tolerance is " + detail::value_str(rq.drivable_tolerance) +
                ", expected >= 0 metres");
  }
  // Kept per thread so that warm calls do not allocate; the workers below read the calling
  // thread's copy through this reference (naming the thread_local there would give their own).
  thread_local std::vector<char> route_storage;
  std::vector<char>& on_route = route_storage;
  on_route.clear();
  if (!rq.route_lanes.empty()) {
    on_route.assign(static_cast<size_t>(map.lane_count()), 0);
    for (size_t i = 0; i < rq.route_lanes.size(); ++i) {
      const int32_t lane = rq.route_lanes[i];
      if (lane < 0 || lane >= map.lane_count()) {
        throw Error("route_lanes[" + std::to_string(i) + "] is " + std::to_string(lane) +
                    ", expected a lane index in [0, " + std::to_string(map.lane_count()) + ")");
      }
      on_route[lane] = 1;
    }
  }
  check_per_step(areas.shape, areas.data, areas.device, "areas", rq.states.shape);
  detail::parallel_for(t.rows, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * t.steps; i < end * t.steps; ++i) {
      areas.data[i] = areas_at(map, rq, on_route, rq.states.data + i * t.fields);
    }
  });
}

void drivable_area_compliance(TensorView<const int32_t> areas, TensorView<float> score,
                              TensorView<int32_t> first_step) {
  if (areas.data == nullptr || areas.shape.rank() < 1 || areas.shape.back() < 1) {
    throw Error("areas has shape " + areas.shape.str() + ", expected (..., T+1) from ego_areas");
  }
  check_per_candidate(score.shape, score.data, score.device, "score", areas.shape);
  check_per_candidate(first_step.shape, first_step.data, first_step.device, "first_step",
                      areas.shape);
  const int64_t steps = areas.shape.back(), rows = areas.numel() / steps;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* a = areas.data + r * steps;
    const int32_t* off =
        std::find_if(a, a + steps, [](int32_t f) { return (f & kEgoOffRoad) != 0; });
    first_step.data[r] = off == a + steps ? -1 : static_cast<int32_t>(off - a);
    score.data[r] = off == a + steps ? 1.0f : 0.0f;
  }
}

void driving_direction_compliance(const DrivingDirectionRequest& rq,
                                  const DrivingDirectionOutputs& out) {
  const Trajectories t = check_states(rq.states);
  const Shape per_step = rq.states.shape.without_last();
  if (rq.window < 0 || (rq.window == 0 && rq.rule == DirectionRule::kLaneProgress)) {
    throw Error("window is " + std::to_string(rq.window) +
                ", expected > 0 steps (0: runs, with the off-route rule only)");
  }
  if (!(rq.compliance_threshold > 0) || !(rq.violation_threshold >= rq.compliance_threshold)) {
    throw Error("compliance_threshold and violation_threshold are " +
                detail::value_str(rq.compliance_threshold) + " and " +
                detail::value_str(rq.violation_threshold) +
                ", expected 0 < compliance_threshold <= violation_threshold");
  }
  if (rq.rule == DirectionRule::kLaneProgress) {
    check_map(rq.road_map);
  } else if (rq.areas.data == nullptr || rq.areas.shape != per_step) {
    throw Error("areas has shape " + rq.areas.shape.str() + ", expected " + per_step.str() +
                " (ego_areas of the states)");
  }
  check_per_candidate(out.score.shape, out.score.data, out.score.device, "score", per_step);
  check_per_candidate(out.wrong_way.shape, out.wrong_way.data, out.wrong_way.device, "wrong_way",
                      per_step);
  check_per_candidate(out.first_step.shape, out.first_step.data, out.first_step.device,
                      "first_step", per_step);

  detail::parallel_for(t.rows, kGrain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<double> wrong;  // wrong-way metres per step
    wrong.resize(static_cast<size_t>(t.steps));
    for (int64_t r = begin; r < end; ++r) {
      const float* st = rq.states.data + r * t.steps * t.fields;
      if (rq.rule == DirectionRule::kLaneProgress) {
        // nuPlan's bookkeeping, quirks included: the lane of the previous located step is kept
        // through steps outside lanes, the first two steps in a new lane (one at t = 0) add 0,
        // and a projection at s = 0 counts as no projection.
        int32_t prev_lane = -1;
        bool have_prev = false;
        double prev_s = 0;
        for (int64_t k = 0; k < t.steps; ++k) {
          const float* p = st + k * t.fields;
          const RoadMap::LaneLocation loc = rq.road_map->locate_lane(p[0], p[1], p[2]);
          double progress = 0;
          if (k == 0 && loc.lane >= 0) prev_lane = loc.lane;
          if (loc.lane < 0) {
            progress = 0;
          } else if (loc.lane == prev_lane) {
            progress = have_prev && loc.s != 0 ? loc.s - prev_s : 0.0;
            prev_s = loc.s;
            have_prev = true;
          } else {
            have_prev = false;
            prev_lane = loc.lane;
          }
          wrong[k] = -progress;  // backward progress is wrong-way distance
        }
      } else {
        const int32_t* a = rq.areas.data + r * t.steps;
        wrong[0] = 0;
        for (int64_t k = 1; k < t.steps; ++k) {
          const bool counts = (a[k] & kEgoOffRoute) != 0 &&
                              !(rq.skip_intersections && (a[k] & kEgoInIntersection) != 0);
          const float* p = st + k * t.fields;
          const float* q = p - t.fields;
          wrong[k] = counts ? std::hypot(double(p[0]) - q[0], double(p[1]) - q[1]) : 0.0;
        }
      }
      double worst = 0;
      int32_t first = -1;
      double run = 0;
      for (int64_t k = 0; k < t.steps; ++k) {
        double sum;
        if (rq.window > 0) {
          sum = 0;
          for (int64_t j = std::max<int64_t>(0, k - rq.window); j <= k; ++j) sum += wrong[j];
        } else {
          // PDM-Closed: sums over runs of off-route steps (a run ends at an on-route step).
          const bool off = (rq.areas.data[r * t.steps + k] & kEgoOffRoute) != 0;
          run = off ? run + wrong[k] : 0.0;
          sum = run;
        }
        if (sum > worst) worst = sum;
        if (first < 0 && sum >= rq.compliance_threshold) first = static_cast<int32_t>(k);
      }
      out.wrong_way.data[r] = static_cast<float>(worst);
      out.first_step.data[r] = first;
      out.score.data[r] = worst < rq.compliance_threshold  ? 1.0f
                          : worst < rq.violation_threshold ? 0.5f
                                                           : 0.0f;
    }
  });
}

void speed_limit_compliance(TensorView<const float> states, const RoadMap& map,
                            double max_overspeed, const SpeedLimitOutputs& out) {
  const Trajectories t = check_states(states);
  if (t.fields < 4) {
    throw Error("states has shape " + states.shape.str() +
                ", expected (..., T+1, S) with S >= 4 (v)");
  }
  if (!(max_overspeed >= 0) || !std::isfinite(max_overspeed)) {
    throw Error("max_overspeed is " + detail::value_str(max_overspeed) + ", expected >= 0 m/s");
  }
  const Shape per_step = states.shape.without_last();
  check_per_candidate(out.score.shape, out.score.data, out.score.device, "score", per_step);
  check_per_candidate(out.max_overspeed.shape, out.max_overspeed.data, out.max_overspeed.device,
                      "max_overspeed", per_step);
  check_per_candidate(out.first_step.shape, out.first_step.data, out.first_step.device,
                      "first_step", per_step);
  // nuPlan's tolerance for a zero threshold.
  const double threshold = std::max(max_overspeed, 1e-3);
  const int64_t T = t.steps - 1;
  detail::parallel_for(t.rows, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      double total = 0, worst = 0;
      int32_t first = -1;
      for (int64_t k = 0; k < t.steps; ++k) {
        const float* p = states.data + (r * t.steps + k) * t.fields;
        const RoadMap::LaneLocation loc = map.locate_lane(p[0], p[1], p[2]);
        if (loc.lane < 0) continue;
        double limit = map.speed_limit(loc.lane);
        if (map.in_intersection(loc.lane)) {
          limit = -std::numeric_limits<double>::infinity();
          bool known = true, any = false;
          for (const auto* around : {&map.predecessors(loc.lane), &map.successors(loc.lane)}) {
            for (int32_t lane : *around) {
              const double l = map.speed_limit(lane);
              known &= !std::isnan(l);
              limit = std::max(limit, l);
              any = true;
            }
          }
          if (!any || !known) continue;
        }
        if (std::isnan(limit)) continue;
        const double over = double(p[3]) - limit;
        if (over > 0) {
          total += over;
          worst = std::max(worst, over);
          if (first < 0) first = static_cast<int32_t>(k);
        }
      }
      const double loss = T > 0 ? total / (threshold * double(T)) : 0.0;
      out.score.data[r] = static_cast<float>(T > 0 ? std::max(0.0, 1.0 - loss) : 1.0);
      out.max_overspeed.data[r] = static_cast<float>(worst);
      out.first_step.data[r] = first;
    }
  });
}

void lane_keeping(const LaneKeepingRequest& rq, TensorView<float> score,
                  TensorView<int32_t> first_step) {
  const Trajectories t = check_states(rq.states);
  if (rq.centerline == nullptr) throw Error("centerline is null, expected a ReferenceLine");
  if (rq.areas.shape != rq.states.shape.without_last()) {
    throw Error("areas has shape " + rq.areas.shape.str() + ", expected " +
                rq.states.shape.without_last().str() + " = (..., T+1) from ego_areas");
  }
  if (!(rq.max_deviation >= 0) || !std::isfinite(rq.max_deviation)) {
    throw Error("max_deviation is " + detail::value_str(rq.max_deviation) + ", expected >= 0 m");
  }
  if (rq.steps < 1) {
    throw Error("lane keeping steps is " + std::to_string(rq.steps) + ", expected >= 1");
  }
  const Shape per_step = rq.states.shape.without_last();
  check_per_candidate(score.shape, score.data, score.device, "score", per_step);
  check_per_candidate(first_step.shape, first_step.data, first_step.device, "first_step", per_step);
  const double length = rq.centerline->length();
  detail::parallel_for(t.rows, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int32_t run = 0, failed = -1;
      for (int64_t k = 0; k < t.steps && failed < 0; ++k) {
        if (rq.areas.data[r * t.steps + k] & kEgoInIntersection) continue;
        const float* p = rq.states.data + (r * t.steps + k) * t.fields;
        double s, d, x, y;
        rq.centerline->project(p[0], p[1], &s, &d);
        rq.centerline->to_cartesian(std::clamp(s, 0.0, length), 0.0, &x, &y);
        run = std::hypot(p[0] - x, p[1] - y) > rq.max_deviation ? run + 1 : 0;
        if (run >= rq.steps) failed = static_cast<int32_t>(k);
      }
      score.data[r] = failed < 0 ? 1.0f : 0.0f;
      first_step.data[r] = failed;
    }
  });
}

void traffic_light_compliance(const TrafficLightRequest& rq, TensorView<float> score,
                              TensorView<int32_t> first_step) {
  const Trajectories t = check_states(rq.states);
  if (rq.road_map == nullptr) throw Error("road_map is null, expected a RoadMap");
  if (!(rq.length > 0) || !(rq.width > 0)) {
    throw Error("ego extent is (" + detail::value_str(rq.length) + ", " +
                detail::value_str(rq.width) + "), expected a positive length and width");
  }
  const Shape& rs = rq.red_lights.shape;
  const Shape& ss = rq.states.shape;
  // One row of red lanes per scene and step: (B, T+1, R) against states (B, N, T+1, S), or
  // (T+1, R) against (N, T+1, S).
  const bool shape_ok = rq.red_lights.data != nullptr && rs.rank() == ss.rank() - 1 &&
                        rs.rank() >= 2 && rs[rs.rank() - 2] == t.steps &&
                        (ss.rank() == 3 || rs[0] == ss[0]);
  if (!shape_ok) {
    throw Error("red_lights has shape " + rs.str() + ", expected (B, T+1, R) with the states' B " +
                "and T+1 (lane indices, -1 padding)");
  }
  const int64_t R = rs.back();
  const int64_t lanes = rq.road_map->lane_count();
  for (int64_t i = 0; i < rq.red_lights.numel(); ++i) {
    const int32_t lane = rq.red_lights.data[i];
    if (lane < -1 || lane >= lanes) {
      throw Error("red_lights" + detail::index_str(rs, i) + " is " + std::to_string(lane) +
                  ", expected -1 or a lane index in [0, " + std::to_string(lanes) + ")");
    }
  }
  const Shape per_step = ss.without_last();
  check_per_candidate(score.shape, score.data, score.device, "score", per_step);
  check_per_candidate(first_step.shape, first_step.data, first_step.device, "first_step", per_step);
  const int64_t N = ss.rank() == 4 ? ss[1] : ss[0];
  if (!(rq.front_margin >= 0) || !std::isfinite(rq.front_margin)) {
    throw Error("front_margin is " + detail::value_str(rq.front_margin) + ", expected >= 0 metres");
  }
  const double hl = 0.5 * rq.length, hw = 0.5 * rq.width, ahead = hl + rq.front_margin;
  detail::parallel_for(t.rows, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int32_t* red_rows = rq.red_lights.data + (r / N) * t.steps * R;
      int32_t failed = -1;
      for (int64_t k = 0; k < t.steps && failed < 0; ++k) {
        const float* p = rq.states.data + (r * t.steps + k) * t.fields;
        const double c = std::cos(double(p[2])), s = std::sin(double(p[2]));
        const double box[8] = {p[0] + ahead * c - hw * s, p[1] + ahead * s + hw * c,
                               p[0] - hl * c - hw * s,    p[1] - hl * s + hw * c,
                               p[0] - hl * c + hw * s,    p[1] - hl * s - hw * c,
                               p[0] + ahead * c + hw * s, p[1] + ahead * s - hw * c};
        for (int64_t j = 0; j < R; ++j) {
          const int32_t lane = red_rows[k * R + j];
          if (lane >= 0 && rq.road_map->lane_meets_convex(lane, box, 4)) {
            failed = static_cast<int32_t>(k);
            break;
          }
        }
      }
      score.data[r] = failed < 0 ? 1.0f : 0.0f;
      first_step.data[r] = failed;
    }
  });
}

}  // namespace trajcore
