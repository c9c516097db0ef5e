// score from C++ on the three-lane highway of cpp/tests/highway_map.hpp.
// Usage: scoring <dir> <profile>.
// <dir>/request.txt holds "N T1 S M K length width rear_axle_to_center dt", then optionally
// "H shift R": the scene also has expert.bin (T1, S), history.bin (H, S), previous.bin (T1, S)
// float32 with previous_shift = shift, and red_lights.bin (T1, R) int32. Raw files states.bin
// (N, T1, S), agents.bin (M, K, T1, 3), agent_extent.bin (M, 2), agent_prob.bin (M, K) float32,
// agent_type.bin (M) int32. Writes total.bin and one file per sub-score and step.
#include <trajcore/error.hpp>
#include <trajcore/scoring.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "highway_map.hpp"  // cpp/tests: the same highway as the C++ unit tests
#include "raw_files.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: scoring <dir> <profile>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t N, T1, S, M, K;
  trajcore::ScoreRequest rq;
  header >> N >> T1 >> S >> M >> K >> rq.length >> rq.width >> rq.rear_axle_to_center >> rq.dt;
  using trajcore::Shape;
  const auto states = read_file<float>(dir + "/states.bin", N * T1 * S);
  const auto agents = read_file<float>(dir + "/agents.bin", M * K * T1 * 3);
  const auto extent = read_file<float>(dir + "/agent_extent.bin", M * 2);
  const auto prob = read_file<float>(dir + "/agent_prob.bin", M * K);
  const auto type = read_file<int32_t>(dir + "/agent_type.bin", M);
  int64_t H = -1, R = 0;
  int32_t shift = 0;
  header >> H >> shift >> R;
  const bool extras = static_cast<bool>(header) && H >= 1;
  std::vector<float> expert, history, previous;
  std::vector<int32_t> red;
  if (extras) {
    expert = read_file<float>(dir + "/expert.bin", T1 * S);
    history = read_file<float>(dir + "/history.bin", H * S);
    previous = read_file<float>(dir + "/previous.bin", T1 * S);
    red = read_file<int32_t>(dir + "/red_lights.bin", T1 * R);
  }
  try {
    const HighwayMap highway;
    rq.states = {states.data(), Shape{N, T1, S}, {}};
    rq.agents = {agents.data(), Shape{M, K, T1, 3}, {}};
    rq.agent_extent = {extent.data(), Shape{M, 2}, {}};
    rq.agent_prob = {prob.data(), Shape{M, K}, {}};
    rq.agent_type = {type.data(), Shape{M}, {}};
    rq.road_map = highway.map.get();
    rq.centerline = highway.line.get();
    rq.profile = trajcore::ScoringProfile::named(argv[2]);
    if (extras) {
      rq.expert = {expert.data(), Shape{T1, S}, {}};
      rq.history = {history.data(), Shape{H, S}, {}};
      rq.previous = {previous.data(), Shape{T1, S}, {}};
      rq.previous_shift = shift;
      rq.red_lights = {red.data(), Shape{T1, R}, {}};
    }
    trajcore::ScoreResult r;
    trajcore::score(rq, r);
    trajcore::score(rq, r);  // a second call reuses the result's memory
    write_file(dir + "/total.bin", r.total);
    write_file(dir + "/no_collision.bin", r.no_collision);
    write_file(dir + "/drivable_area.bin", r.drivable_area);
    write_file(dir + "/driving_direction.bin", r.driving_direction);
    write_file(dir + "/progress.bin", r.progress);
    write_file(dir + "/progress_m.bin", r.progress_m);
    write_file(dir + "/ttc.bin", r.ttc);
    write_file(dir + "/comfort.bin", r.comfort);
    write_file(dir + "/collision_step.bin", r.collision_step);
    write_file(dir + "/ttc_step.bin", r.ttc_step);
    write_file(dir + "/comfort_step.bin", r.comfort_step);
    write_file(dir + "/traffic_light.bin", r.traffic_light);
    write_file(dir + "/making_progress.bin", r.making_progress);
    write_file(dir + "/speed_limit.bin", r.speed_limit);
    write_file(dir + "/lane_keeping.bin", r.lane_keeping);
    write_file(dir + "/extended_comfort.bin", r.extended_comfort);
    write_file(dir + "/drivable_area_step.bin", r.drivable_area_step);
    write_file(dir + "/driving_direction_step.bin", r.driving_direction_step);
    write_file(dir + "/traffic_light_step.bin", r.traffic_light_step);
    write_file(dir + "/speed_limit_step.bin", r.speed_limit_step);
    write_file(dir + "/lane_keeping_step.bin", r.lane_keeping_step);
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}
