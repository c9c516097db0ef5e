// score from C++ on the three-lane highway of cpp/tests/highway_map.hpp.
// Usage: scoring <dir> <profile>.
// <dir>/request.txt holds "N T1 S M K length width rear_axle_to_center dt"; raw files
// states.bin (N, T1, S), agents.bin (M, K, T1, 3), agent_extent.bin (M, 2), agent_prob.bin
// (M, K) float32, agent_type.bin (M) int32. Writes total.bin and one file per sub-score.
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
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}
