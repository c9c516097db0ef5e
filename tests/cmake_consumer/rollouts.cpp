// rollout from C++, as a vehicle stack calls it: a preset vehicle, a request struct in, an owned
// result reused across calls. Usage: rollouts <dir>. <dir>/request.txt holds "B N T preset dt"
// (preset: passenger_car or semi_truck); raw float32 files state0.bin (B, 6), controls.bin
// (B, N, T, 2) and, for the truck, articulation0.bin (B). Writes states.bin, saturation.bin and,
// for the truck, trailer.bin.
#include <trajcore/error.hpp>
#include <trajcore/rollout.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "raw_files.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: rollouts <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream header(dir + "/request.txt");
  int64_t B, N, T;
  std::string preset;
  double dt;
  header >> B >> N >> T >> preset >> dt;

  trajcore::RolloutRequest request;
  request.params = preset == "semi_truck" ? trajcore::VehicleParams::semi_truck()
                                          : trajcore::VehicleParams::passenger_car();
  request.dt = dt;
  const auto state0 = read_file<float>(dir + "/state0.bin", B * 6);
  const auto controls = read_file<float>(dir + "/controls.bin", B * N * T * 2);
  std::vector<float> articulation0;
  request.state0 = {state0.data(), trajcore::Shape{B, 6}, {}};
  request.controls = {controls.data(), trajcore::Shape{B, N, T, 2}, {}};
  if (request.params.has_trailer) {
    articulation0 = read_file<float>(dir + "/articulation0.bin", B);
    request.articulation0 = {articulation0.data(), trajcore::Shape{B}, {}};
  }
  trajcore::RolloutResult result;
  try {
    trajcore::rollout(request, result);
    trajcore::rollout(request, result);  // a second call reuses the result's memory
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  write_file(dir + "/states.bin", result.states);
  write_file(dir + "/saturation.bin", result.saturation);
  if (result.trailer.defined()) write_file(dir + "/trailer.bin", result.trailer);
  std::cout << "ok " << result.states.shape().str() << "\n";
  return 0;
}
