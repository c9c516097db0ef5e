// vehicle_app: replays a sequence of scene files at 10 Hz the way a vehicle stack runs trajcore:
// each cycle reads the scene, predicts every agent (trajcore::Predictor), plans
// (trajcore::Planner) and advances the ego to its plan's next state. After the first scene the
// ego is the program's own (closed loop): its state and history come from its plans, not from
// the files; --open-loop takes them from every file instead.
//
//   vehicle_app MODEL SCENE_DIR OUT.trj [--steps T] [--profile NAME] [--open-loop] [--realtime]
//
// SCENE_DIR holds scene_00000.trj, scene_00001.trj, ... (trajcore.sim.replay(scene_dir=...) or
// `trajcore replay --scenes DIR` writes them). OUT.trj is a "plans" file (trajcore's array
// container, docs/scene_files.md): per cycle the chosen candidate, its trajectory, every
// candidate's total and sub-scores, and the cycle's timings. --realtime sleeps to keep 10 Hz.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "trajcore/agents.hpp"
#include "trajcore/array_file.hpp"
#include "trajcore/error.hpp"
#include "trajcore/planner.hpp"
#include "trajcore/predictor.hpp"
#include "trajcore/replay.hpp"
#include "trajcore/scene.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string model, scene_dir, out;
  // The replay planner of trajcore.sim.replay_planner: 5 s, speeds 0-25 m/s, maneuvers 2-6 s.
  int64_t steps = 50;
  std::string profile = "trajcore_default";
  bool open_loop = false, realtime = false;
};

Options parse(int argc, char** argv) {
  Options o;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--steps" && i + 1 < argc) {
      o.steps = std::stoll(argv[++i]);
    } else if (a == "--profile" && i + 1 < argc) {
      o.profile = argv[++i];
    } else if (a == "--open-loop") {
      o.open_loop = true;
    } else if (a == "--realtime") {
      o.realtime = true;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 3) {
    throw trajcore::Error(
        "usage: vehicle_app MODEL SCENE_DIR OUT.trj [--steps T] [--profile NAME] "
        "[--open-loop] [--realtime]");
  }
  o.model = positional[0];
  o.scene_dir = positional[1];
  o.out = positional[2];
  return o;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

// Whether two scenes share their map and route (so the RoadMap and ReferenceLine carry over).
bool same_map(const trajcore::SceneFrame& a, const trajcore::SceneFrame& b) {
  if (a.lanes.size() != b.lanes.size() || a.drivable_areas != b.drivable_areas ||
      a.reference_points != b.reference_points || a.reference_spacing != b.reference_spacing ||
      a.reference_smoothing != b.reference_smoothing) {
    return false;
  }
  for (size_t i = 0; i < a.lanes.size(); ++i) {
    const auto &x = a.lanes[i], &y = b.lanes[i];
    if (x.centerline != y.centerline || x.left != y.left || x.right != y.right ||
        x.successors != y.successors || x.in_intersection != y.in_intersection ||
        !(x.speed_limit == y.speed_limit ||
          (std::isnan(x.speed_limit) && std::isnan(y.speed_limit)))) {
      return false;
    }
  }
  return true;
}

int run(const Options& o) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(o.scene_dir)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("scene_", 0) == 0 && entry.path().extension() == ".trj") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw trajcore::Error(o.scene_dir + ": no scene_*.trj files");

  const trajcore::Predictor predictor = trajcore::Predictor::load(o.model);
  const trajcore::PredictorConfig& pc = predictor.config();
  trajcore::PlannerConfig config;
  config.profile = trajcore::ScoringProfile::named(o.profile);
  config.steps = o.steps;
  config.lattice.target_speeds.clear();
  for (int i = 0; i <= 10; ++i) config.lattice.target_speeds.push_back(2.5 * i);
  config.lattice.durations = {2.0, 3.0, 4.0, 5.0, 6.0};
  config.lattice.speed_limit_fractions = {1.0};
  config.lattice.comfortable_acceleration = 2.0;
  config.dt = pc.dt;
  config.emergency.enabled = true;  // as Python's replay_planner
  config.comfortable_first = true;
  // Planned with the ego's own size, as Python's replay does (the box the metrics score).
  const trajcore::SceneFrame first = trajcore::read_scene(files.front().string());
  config.vehicle.length = static_cast<float>(first.ego_extent[0]);
  config.vehicle.width = static_cast<float>(first.ego_extent[1]);
  trajcore::Planner planner(config);

  const int64_t cycles = static_cast<int64_t>(files.size()), t1 = o.steps + 1;
  const int64_t n = planner.candidate_count();
  // A cycle adds the lane's speed limit as a target speed and, stopping for a red light, one
  // more maneuver duration; the plan file's score rows hold the most a cycle can have, NaN past
  // a cycle's own count.
  const int64_t n_max = planner.max_candidate_count();
  std::vector<int64_t> step_of(cycles);
  std::vector<int32_t> chosen(cycles);
  std::vector<float> trajectories(cycles * t1 * 6);
  const char* columns[] = {"total",      "no_collision", "drivable_area", "driving_direction",
                           "progress",   "ttc",          "comfort",       "making_progress",
                           "speed_limit"};
  std::vector<std::vector<float>> scores(
      std::size(columns),
      std::vector<float>(cycles * n_max, std::numeric_limits<float>::quiet_NaN()));
  std::vector<double> predict_ms(cycles), plan_ms(cycles), cycle_ms(cycles);

  std::unique_ptr<trajcore::SceneFrame> map_scene;
  std::unique_ptr<trajcore::RoadMap> road_map;
  std::unique_ptr<trajcore::ReferenceLine> reference;
  std::array<float, 6> ego{};
  std::vector<double> ego_history;
  std::vector<uint8_t> ego_history_valid;
  std::vector<float> trajectory_out, probability_out, physics_poses, physics_prob;
  std::vector<uint8_t> physics_valid;
  const auto period = std::chrono::milliseconds(static_cast<int64_t>(pc.dt * 1000 + 0.5));
  auto next_tick = Clock::now();
  for (int64_t c = 0; c < cycles; ++c) {
    const auto cycle_start = Clock::now();
    trajcore::SceneFrame scene = trajcore::read_scene(files[c].string());
    if (scene.history != pc.history) {
      throw trajcore::Error(files[c].string() + ": history of " + std::to_string(scene.history) +
                            " steps, the predictor reads " + std::to_string(pc.history));
    }
    if (c == 0 || o.open_loop) {
      ego = scene.ego_state;
      ego_history = scene.ego_history;
      ego_history_valid = scene.ego_history_valid;
    } else {  // closed loop: the ego is where its own plans took it
      scene.ego_state = ego;
      scene.ego_history = ego_history;
      scene.ego_history_valid = ego_history_valid;
    }
    if (!map_scene || !same_map(*map_scene, scene)) {
      map_scene = std::make_unique<trajcore::SceneFrame>(scene);
      road_map = std::make_unique<trajcore::RoadMap>(map_scene->road_map_spec());
      reference = std::make_unique<trajcore::ReferenceLine>(map_scene->reference_line());
    }

    const auto predict_start = Clock::now();
    const trajcore::PredictorWindow w = trajcore::predictor_window(scene);
    const int64_t a = w.agents, h1 = w.history + 1, l = w.segments, p = w.points_per_segment;
    trajcore::PredictorInputs in;
    in.agent_states = {w.states.data(), {1, a, h1, 5}, {}};
    in.agent_valid = {w.valid.data(), {1, a, h1}, {}};
    in.agent_type = {w.agent_type.data(), {1, a}, {}};
    in.agent_extent = {w.agent_extent.data(), {1, a, 2}, {}};
    in.lane_points = {w.lane_points.data(), {1, l, p, 2}, {}};
    in.lane_point_valid = {w.lane_point_valid.data(), {1, l, p}, {}};
    in.lane_attributes = {w.lane_attributes.data(), {1, l, 3}, {}};
    trajectory_out.resize(a * pc.modes * pc.future * 3);
    probability_out.resize(a * pc.modes);
    predictor.run(in, {{trajectory_out.data(), {1, a, pc.modes, pc.future, 3}, {}},
                       {probability_out.data(), {1, a, pc.modes}, {}}});
    const trajcore::PlannerAgents agents = trajcore::planner_agents(
        scene, w, trajectory_out.data(), probability_out.data(), pc.modes, pc.future, o.steps,
        pc.agent_types);
    // Physics hypotheses beside the learned modes, as Python's replay adds them.
    const int64_t m = scene.agent_count, k = pc.modes + 3;
    trajcore::PhysicsModesRequest physics;
    physics.agents = {agents.poses.data(), {m, pc.modes, t1, 3}, {}};
    physics.agent_prob = {agents.probabilities.data(), {m, pc.modes}, {}};
    physics.predicted = {reinterpret_cast<const bool*>(agents.valid.data()), {m}, {}};
    physics.history = {scene.agent_history.data(), {m, scene.history + 1, 5}, {}};
    physics.history_valid = {reinterpret_cast<const bool*>(scene.agent_history_valid.data()),
                             {m, scene.history + 1}, {}};
    physics.dt = pc.dt;
    physics_poses.resize(m * k * t1 * 3);
    physics_prob.resize(m * k);
    physics_valid.resize(m);
    trajcore::add_physics_modes(physics, {physics_poses.data(), {m, k, t1, 3}, {}},
                                {physics_prob.data(), {m, k}, {}},
                                {reinterpret_cast<bool*>(physics_valid.data()), {m}, {}});
    predict_ms[c] = ms_since(predict_start);

    std::vector<float> extent(scene.agent_extent.begin(), scene.agent_extent.end());
    trajcore::PlanScene plan_scene;
    plan_scene.ego_state = {ego.data(), {6}, {}};
    plan_scene.agents = {physics_poses.data(), {m, k, t1, 3}, {}};
    plan_scene.agent_extent = {extent.data(), {m, 2}, {}};
    plan_scene.agent_type = {scene.agent_type.data(), {m}, {}};
    plan_scene.agent_prob = {physics_prob.data(), {m, k}, {}};
    plan_scene.agent_valid = {reinterpret_cast<const bool*>(physics_valid.data()), {m}, {}};
    if (!scene.red_lanes.empty()) {
      plan_scene.red_lanes = {
          scene.red_lanes.data(), {static_cast<int64_t>(scene.red_lanes.size())}, {}};
    }
    if (!scene.route_lanes.empty()) {
      plan_scene.route_lanes = {
          scene.route_lanes.data(), {static_cast<int64_t>(scene.route_lanes.size())}, {}};
    }
    if (c > 0) {  // the last cycle's plan, for the profile's extended comfort
      plan_scene.previous = {&trajectories[(c - 1) * t1 * 6], {t1, 6}, {}};
      plan_scene.previous_shift = 1;
    }
    plan_scene.road_map = road_map.get();
    plan_scene.reference_line = reference.get();
    const trajcore::PlanResult& r = planner.plan(plan_scene);
    plan_ms[c] = r.timings.total_ms;

    step_of[c] = scene.step;
    chosen[c] = r.chosen;
    std::copy(r.trajectory.data, r.trajectory.data + t1 * 6, &trajectories[c * t1 * 6]);
    const trajcore::Tensor<float>* sub[] = {&r.scores.total,         &r.scores.no_collision,
                                            &r.scores.drivable_area, &r.scores.driving_direction,
                                            &r.scores.progress,      &r.scores.ttc,
                                            &r.scores.comfort,       &r.scores.making_progress,
                                            &r.scores.speed_limit};
    for (size_t k = 0; k < std::size(columns); ++k) {
      std::copy(sub[k]->data(), sub[k]->data() + sub[k]->numel(), &scores[k][c * n_max]);
    }
    // Advance: the next state of the chosen plan, already tracked through the vehicle model.
    std::copy(r.trajectory.data + 6, r.trajectory.data + 12, ego.begin());
    const auto row = trajcore::ego_history_row(ego.data());
    ego_history.erase(ego_history.begin(), ego_history.begin() + 5);
    ego_history.insert(ego_history.end(), row.begin(), row.end());
    ego_history_valid.erase(ego_history_valid.begin());
    ego_history_valid.push_back(1);
    cycle_ms[c] = ms_since(cycle_start);
    if (o.realtime) {
      next_tick += period;
      std::this_thread::sleep_until(next_tick);
    }
  }

  trajcore::ArrayFile out;
  out.kind = "plans";
  out.version = 1;
  out.arrays.push_back(trajcore::make_array("step", {cycles}, step_of));
  out.arrays.push_back(trajcore::make_array("chosen", {cycles}, chosen));
  out.arrays.push_back(trajcore::make_array("trajectory", {cycles, t1, 6}, trajectories));
  for (size_t k = 0; k < std::size(columns); ++k) {
    out.arrays.push_back(
        trajcore::make_array(std::string("scores/") + columns[k], {cycles, n_max}, scores[k]));
  }
  out.arrays.push_back(trajcore::make_array("predict_ms", {cycles}, predict_ms));
  out.arrays.push_back(trajcore::make_array("plan_ms", {cycles}, plan_ms));
  out.arrays.push_back(trajcore::make_array("cycle_ms", {cycles}, cycle_ms));
  trajcore::write_arrays(o.out, out);

  std::cout << "vehicle_app: " << cycles << " cycles of " << n << " candidates, "
            << (o.open_loop ? "open" : "closed") << " loop, profile " << o.profile << "\n"
            << "  predict ms p50 " << percentile(predict_ms, 0.5) << " p99 "
            << percentile(predict_ms, 0.99) << "\n"
            << "  plan    ms p50 " << percentile(plan_ms, 0.5) << " p99 "
            << percentile(plan_ms, 0.99) << "\n"
            << "  cycle   ms p50 " << percentile(cycle_ms, 0.5) << " p99 "
            << percentile(cycle_ms, 0.99) << " (scene file read included)\n"
            << "  wrote " << o.out << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "vehicle_app: " << e.what() << "\n";
    return 1;
  }
}
