// trajcore::Planner from C++ on the three-lane highway of cpp/tests/highway_map.hpp, with the
// default configuration. Usage: planner <dir>. <dir>/request.txt holds "M K T1 chunk"; raw files
// ego.bin (6), agents.bin (M, K, T1, 3), agent_extent.bin (M, 2) float32, agent_type.bin (M) int32.
// Plans twice (the second cycle reuses the buffers) and writes chosen.bin, total.bin,
// reasons.bin and states.bin.
#include <trajcore/error.hpp>
#include <trajcore/planner.hpp>

#include <iostream>
#include <string>

#include "highway_map.hpp"  // cpp/tests: the same highway as the C++ unit tests
#include "raw_files.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: planner <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t M, K, T1, chunk;
  header >> M >> K >> T1 >> chunk;
  using trajcore::Shape;
  const auto ego = read_file<float>(dir + "/ego.bin", 6);
  const auto agents = read_file<float>(dir + "/agents.bin", M * K * T1 * 3);
  const auto extent = read_file<float>(dir + "/agent_extent.bin", M * 2);
  const auto type = read_file<int32_t>(dir + "/agent_type.bin", M);
  try {
    const HighwayMap highway;
    trajcore::PlannerConfig config;
    config.chunk = chunk;
    config.steps = T1 - 1;
    trajcore::Planner planner(config);
    trajcore::PlanScene scene;
    scene.ego_state = {ego.data(), Shape{6}, {}};
    scene.agents = {agents.data(), Shape{M, K, T1, 3}, {}};
    scene.agent_extent = {extent.data(), Shape{M, 2}, {}};
    scene.agent_type = {type.data(), Shape{M}, {}};
    scene.road_map = highway.map.get();
    scene.reference_line = highway.line.get();
    planner.plan(scene);
    const trajcore::PlanResult& r = planner.plan(scene);
    trajcore::Tensor<int32_t> chosen;
    chosen.resize(Shape{1});
    chosen.data()[0] = r.chosen;
    write_file(dir + "/chosen.bin", chosen);
    write_file(dir + "/total.bin", r.scores.total);
    write_file(dir + "/reasons.bin", r.reasons);
    write_file(dir + "/states.bin", r.candidates.states);
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}
