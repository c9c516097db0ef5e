// propagate_agents and ReferenceLine from C++. Usage: geometry <dir>. <dir>/request.txt holds
// "P Q M T dt"; raw files points.bin (P, 2) float64, xy.bin (Q, 2) float32, agents.bin (M, 5)
// float32. Writes sd.bin (Q, 2) = ReferenceLine(points).project(xy) and pred.bin
// (M, 1, T+1, 3) = propagate_agents(agents, T, dt, CTRV).
#include <trajcore/agents.hpp>
#include <trajcore/error.hpp>
#include <trajcore/reference_line.hpp>

#include <iostream>
#include <string>

#include "raw_files.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: geometry <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t P, Q, M, T;
  double dt;
  header >> P >> Q >> M >> T >> dt;
  const auto points = read_file<double>(dir + "/points.bin", P * 2);
  const auto xy = read_file<float>(dir + "/xy.bin", Q * 2);
  const auto agents = read_file<float>(dir + "/agents.bin", M * 5);
  try {
    const trajcore::ReferenceLine line({points.data(), trajcore::Shape{P, 2}, {}});
    trajcore::Tensor<float> sd;
    sd.resize(trajcore::Shape{Q, 2});
    line.project({xy.data(), trajcore::Shape{Q, 2}, {}}, sd.view());
    write_file(dir + "/sd.bin", sd);
    trajcore::Tensor<float> pred;
    pred.resize(trajcore::propagate_agents_shape(trajcore::Shape{M, 5}, T, dt,
                                                 trajcore::MotionModel::kConstantTurnRate));
    trajcore::propagate_agents({agents.data(), trajcore::Shape{M, 5}, {}}, {}, T, dt,
                               trajcore::MotionModel::kConstantTurnRate, pred.view());
    write_file(dir + "/pred.bin", pred);
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}
