// at_fault_collisions from C++. Usage: at_fault <dir>. <dir>/request.txt holds
// "N T1 S M K length width rear_axle_to_center dt"; raw files states.bin (N, T1, S) float32,
// areas.bin (N, T1) int32, agents.bin (M, K, T1, 3) float32, agent_extent.bin (M, 2) float32,
// agent_type.bin (M) int32, agent_first_step.bin (N, M, K) int32, agent_prob.bin (M, K)
// float32. Writes score.bin, at_fault_prob.bin, first_step.bin, collision_type.bin and
// score_nuplan.bin (nuPlan's per-class counts), and the
// time-to-collision metric's ttc_score.bin, ttc_prob.bin and ttc_first_step.bin.
#include <trajcore/collision_metrics.hpp>
#include <trajcore/error.hpp>

#include <iostream>
#include <string>

#include "raw_files.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: at_fault <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t N, T1, S, M, K;
  trajcore::AtFaultRequest rq;
  header >> N >> T1 >> S >> M >> K >> rq.length >> rq.width >> rq.rear_axle_to_center >> rq.dt;
  using trajcore::Shape;
  const auto states = read_file<float>(dir + "/states.bin", N * T1 * S);
  const auto areas = read_file<int32_t>(dir + "/areas.bin", N * T1);
  const auto agents = read_file<float>(dir + "/agents.bin", M * K * T1 * 3);
  const auto extent = read_file<float>(dir + "/agent_extent.bin", M * 2);
  const auto type = read_file<int32_t>(dir + "/agent_type.bin", M);
  const auto first = read_file<int32_t>(dir + "/agent_first_step.bin", N * M * K);
  const auto prob = read_file<float>(dir + "/agent_prob.bin", M * K);
  rq.states = {states.data(), Shape{N, T1, S}, {}};
  rq.areas = {areas.data(), Shape{N, T1}, {}};
  rq.agents = {agents.data(), Shape{M, K, T1, 3}, {}};
  rq.agent_extent = {extent.data(), Shape{M, 2}, {}};
  rq.agent_type = {type.data(), Shape{M}, {}};
  rq.agent_first_step = {first.data(), Shape{N, M, K}, {}};
  rq.agent_prob = {prob.data(), Shape{M, K}, {}};
  trajcore::Tensor<float> score, at_fault_prob;
  trajcore::Tensor<int32_t> first_step, collision_type;
  score.resize(Shape{N});
  at_fault_prob.resize(Shape{N});
  first_step.resize(Shape{N});
  collision_type.resize(Shape{N, M, K});
  try {
    trajcore::at_fault_collisions(
        rq, {score.view(), at_fault_prob.view(), first_step.view(), collision_type.view()});
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  write_file(dir + "/score.bin", score);
  write_file(dir + "/at_fault_prob.bin", at_fault_prob);
  write_file(dir + "/first_step.bin", first_step);
  write_file(dir + "/collision_type.bin", collision_type);
  rq.scoring = trajcore::AtFaultScoring::kNuplanCounts;
  trajcore::at_fault_collisions(
      rq, {score.view(), at_fault_prob.view(), first_step.view(), collision_type.view()});
  write_file(dir + "/score_nuplan.bin", score);
  trajcore::TtcRequest ttc;
  ttc.states = rq.states;
  ttc.areas = rq.areas;
  ttc.agents = rq.agents;
  ttc.agent_extent = rq.agent_extent;
  ttc.agent_prob = rq.agent_prob;
  ttc.length = rq.length;
  ttc.width = rq.width;
  ttc.rear_axle_to_center = rq.rear_axle_to_center;
  ttc.dt = rq.dt;
  try {
    trajcore::time_to_collision(ttc, {score.view(), at_fault_prob.view(), first_step.view()});
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  write_file(dir + "/ttc_score.bin", score);
  write_file(dir + "/ttc_prob.bin", at_fault_prob);
  write_file(dir + "/ttc_first_step.bin", first_step);
  std::cout << "ok\n";
  return 0;
}
