// The golden scoring fixtures (tests/golden/*.json, derived by hand in make_golden.py) through the
// C++ API: every sub-score and first-infraction step of every profile, as tests/test_golden.py
// checks them from Python.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "trajcore/scoring.hpp"
#include "trajcore/vehicle.hpp"

namespace {

using nlohmann::json;
using trajcore::Shape;

std::vector<std::filesystem::path> golden_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(TRAJCORE_GOLDEN_DIR)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<double> points(const json& j) {
  std::vector<double> out;
  for (const auto& p : j) {
    out.push_back(p[0].get<double>());
    out.push_back(p[1].get<double>());
  }
  return out;
}

template <class T>
void expect_field(const json& want, const trajcore::Tensor<T>& got, const std::string& label) {
  ASSERT_EQ(static_cast<int64_t>(want.size()), got.numel()) << label;
  for (size_t i = 0; i < want.size(); ++i) {
    if constexpr (std::is_integral_v<T>) {
      EXPECT_EQ(want[i].get<int32_t>(), got.data()[i]) << label << "[" << i << "]";
    } else {
      EXPECT_NEAR(want[i].get<double>(), got.data()[i], 2e-5) << label << "[" << i << "]";
    }
  }
}

TEST(Golden, EveryFixtureEveryProfile) {
  const auto files = golden_files();
  ASSERT_GE(files.size(), 3u);
  for (const auto& path : files) {
    std::ifstream in(path);
    const json scene = json::parse(in);
    const std::string name = scene["name"].get<std::string>();
    // The map: lanes from their polylines (kept alive for the RoadMap's construction).
    std::vector<std::vector<double>> polylines;
    trajcore::RoadMapSpec spec;
    for (const auto& lane : scene["map"]["lanes"]) {
      for (const char* key : {"centerline", "left", "right"})
        polylines.push_back(points(lane[key]));
    }
    for (size_t i = 0; i < scene["map"]["lanes"].size(); ++i) {
      const json& lane = scene["map"]["lanes"][i];
      trajcore::LaneSpec l;
      auto view = [&](size_t k) {
        const auto& p = polylines[3 * i + k];
        return trajcore::TensorView<const double>{p.data(), Shape{int64_t(p.size() / 2), 2}, {}};
      };
      l.centerline = view(0);
      l.left = view(1);
      l.right = view(2);
      l.speed_limit = lane["speed_limit"].get<double>();
      l.successors = lane["successors"].get<std::vector<int32_t>>();
      l.in_intersection = lane["in_intersection"].get<bool>();
      spec.lanes.push_back(l);
    }
    const trajcore::RoadMap map(spec);
    const std::vector<double> centre = points(scene["centerline"]);
    const trajcore::ReferenceLine line({centre.data(), Shape{int64_t(centre.size() / 2), 2}, {}},
                                       {0.5, 0.0});
    // Candidates and agents.
    std::vector<float> states;
    for (const auto& c : scene["candidates"]) {
      for (const auto& st : c) {
        for (const auto& v : st) states.push_back(v.get<float>());
      }
    }
    const int64_t N = scene["candidates"].size(), T1 = scene["candidates"][0].size();
    const json& ag = scene["agents"];
    const int64_t M = ag["poses"].size();
    std::vector<float> poses, extent, prob;
    std::vector<int32_t> types;
    for (const auto& agent : ag["poses"]) {
      for (const auto& mode : agent) {
        for (const auto& pose : mode) {
          for (const auto& v : pose) poses.push_back(v.get<float>());
        }
      }
    }
    for (const auto& e : ag["extent"])
      extent.insert(extent.end(), {e[0].get<float>(), e[1].get<float>()});
    for (const auto& t : ag["type"]) types.push_back(t.get<int32_t>());
    for (const auto& p : ag["prob"]) prob.push_back(p[0].get<float>());
    const float pad = 0;  // non-null views for scenes without agents
    trajcore::ScoreRequest rq;
    rq.states = {states.data(), Shape{N, T1, 6}, {}};
    rq.agents = {M ? poses.data() : &pad, Shape{M, 1, T1, 3}, {}};
    rq.agent_extent = {M ? extent.data() : &pad, Shape{M, 2}, {}};
    const int32_t no_type = 0;
    rq.agent_type = {M ? types.data() : &no_type, Shape{M}, {}};
    if (M) rq.agent_prob = {prob.data(), Shape{M, 1}, {}};
    rq.length = scene["ego"]["length"].get<float>();
    rq.width = scene["ego"]["width"].get<float>();
    rq.rear_axle_to_center = scene["ego"]["rear_axle_to_center"].get<float>();
    rq.dt = scene["dt"].get<double>();
    rq.road_map = &map;
    rq.route_lanes = scene["route_lanes"].get<std::vector<int32_t>>();
    rq.centerline = &line;
    // Optional per-scene trajectories and red lights.
    auto trajectory = [&](const char* key, std::vector<float>& storage) {
      trajcore::TensorView<const float> view;
      if (!scene.contains(key)) return view;
      for (const auto& st : scene[key]) {
        for (const auto& v : st) storage.push_back(v.get<float>());
      }
      view = {storage.data(), Shape{T1, 6}, {}};
      return view;
    };
    std::vector<float> expert, previous;
    std::vector<int32_t> red;
    rq.expert = trajectory("expert", expert);
    rq.previous = trajectory("previous", previous);
    rq.previous_shift = scene.value("previous_shift", 0);
    if (scene.contains("red_lights")) {
      for (const auto& row : scene["red_lights"]) {
        for (const auto& lane : row) red.push_back(lane.get<int32_t>());
      }
      const int64_t R = scene["red_lights"][0].size();
      rq.red_lights = {red.data(), Shape{T1, R}, {}};
    }
    for (const auto& [profile, want] : scene["expected"].items()) {
      rq.profile = trajcore::ScoringProfile::named(profile);
      trajcore::ScoreResult r;
      trajcore::score(rq, r);
      const std::string label = name + "/" + profile + "/";
      const std::pair<const char*, const trajcore::Tensor<float>*> floats[] = {
          {"total", &r.total},
          {"no_collision", &r.no_collision},
          {"drivable_area", &r.drivable_area},
          {"driving_direction", &r.driving_direction},
          {"progress", &r.progress},
          {"ttc", &r.ttc},
          {"comfort", &r.comfort},
          {"traffic_light", &r.traffic_light},
          {"making_progress", &r.making_progress},
          {"speed_limit", &r.speed_limit},
          {"lane_keeping", &r.lane_keeping},
          {"extended_comfort", &r.extended_comfort}};
      const std::pair<const char*, const trajcore::Tensor<int32_t>*> steps[] = {
          {"collision_step", &r.collision_step},
          {"drivable_area_step", &r.drivable_area_step},
          {"driving_direction_step", &r.driving_direction_step},
          {"ttc_step", &r.ttc_step},
          {"comfort_step", &r.comfort_step},
          {"traffic_light_step", &r.traffic_light_step},
          {"speed_limit_step", &r.speed_limit_step},
          {"lane_keeping_step", &r.lane_keeping_step}};
      size_t checked = 0;
      for (const auto& [field, tensor] : floats) {
        if (want.contains(field)) expect_field(want[field], *tensor, label + field), ++checked;
      }
      for (const auto& [field, tensor] : steps) {
        if (want.contains(field)) expect_field(want[field], *tensor, label + field), ++checked;
      }
      EXPECT_EQ(checked, want.size()) << label << " has fields this test does not know";
    }
  }
}

}  // namespace
