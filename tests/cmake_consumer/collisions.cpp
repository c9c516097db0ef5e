// check_collisions from C++, as a vehicle stack calls it: request struct in, result struct out,
// one workspace reused across calls. Usage: collisions <dir>. <dir>/request.txt holds
// "B N T1 S M K margin swept clearance_cap has_prob has_valid"; the arrays are raw files
// (float32 ego.bin, ego_extent.bin (B, 2), agents.bin, agent_extent.bin, agent_prob.bin; uint8
// agent_valid.bin (B, M, K, T1)). The five results are written back as raw files.
#include <trajcore/collision.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "raw_files.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: collisions <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t B, N, T1, S, M, K;
  float margin, cap;
  int swept, has_prob, has_valid;
  header >> B >> N >> T1 >> S >> M >> K >> margin >> swept >> cap >> has_prob >> has_valid;

  const auto ego = read_file<float>(dir + "/ego.bin", B * N * T1 * S);
  const auto ego_extent = read_file<float>(dir + "/ego_extent.bin", B * 2);
  const auto agents = read_file<float>(dir + "/agents.bin", B * M * K * T1 * 3);
  const auto agent_extent = read_file<float>(dir + "/agent_extent.bin", B * M * 2);
  std::vector<float> prob;
  if (has_prob) prob = read_file<float>(dir + "/agent_prob.bin", B * M * K);
  std::unique_ptr<bool[]> valid;
  if (has_valid) {
    const auto bytes = read_file<uint8_t>(dir + "/agent_valid.bin", B * M * K * T1);
    valid.reset(new bool[bytes.size()]);
    for (size_t i = 0; i < bytes.size(); ++i) valid[i] = bytes[i] != 0;
  }

  trajcore::CollisionRequest request;
  request.ego = {ego.data(), {B, N, T1, S}};
  request.ego_extent = {ego_extent.data(), {B, 2}};
  request.agents = {agents.data(), {B, M, K, T1, 3}};
  request.agent_extent = {agent_extent.data(), {B, M, 2}};
  if (has_prob) request.agent_prob = {prob.data(), {B, M, K}};
  if (has_valid) request.agent_valid = {valid.get(), {B, M, K, T1}};
  request.options.margin = margin;
  request.options.swept = swept != 0;
  request.options.clearance_cap = cap;

  trajcore::CollisionWorkspace workspace;
  trajcore::CollisionResult result;
  try {
    trajcore::check_collisions(request, result, workspace);
    trajcore::check_collisions(request, result, workspace);  // warm: reuses every buffer
  } catch (const trajcore::Error& e) {
    std::cout << "error: " << e.what() << "\n";
    return 1;
  }
  write_file(dir + "/collides.bin", result.collides);
  write_file(dir + "/first_step.bin", result.first_step);
  write_file(dir + "/agent_first_step.bin", result.agent_first_step);
  write_file(dir + "/collision_prob.bin", result.collision_prob);
  write_file(dir + "/min_clearance.bin", result.min_clearance);
  std::cout << "ok " << workspace.capacity_bytes() << "\n";
  return 0;
}
