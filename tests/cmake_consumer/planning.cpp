// track, frenet_lattice and pdm_proposals from C++, as a vehicle stack calls them: owned results
// reused across calls. Usage: planning <dir> <mode>, mode one of:
//   track    request.txt "B N T C preset controller dt" (controller: lqr or pure_pursuit); raw
//            float32 state0.bin (B, 6), references.bin (B, N, T+1, C) and, for the truck,
//            articulation0.bin (B).
//   lattice  request.txt "P B T dt preset" then three lines "count values..." for the lateral
//            offsets, target speeds and durations; points.bin (P, 2) float64, ego.bin (B, 6).
//   pdm      request.txt "P B M T dt preset speed_limit" then "count values..." lines for the
//            offsets and speed fractions; points.bin, ego.bin, agent_poses.bin (B, M, T+1, 3),
//            agent_extents.bin (B, M, 2) float32 and agent_valid.bin (B, M) uint8.
// Writes states.bin, saturation.bin, controls.bin, trailer.bin (truck) and, for the generators,
// references.bin, offsets.bin, target_speeds.bin and durations.bin.
#include <trajcore/error.hpp>
#include <trajcore/generators.hpp>
#include <trajcore/track.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "raw_files.hpp"

namespace {

trajcore::VehicleParams preset_named(const std::string& name) {
  return name == "semi_truck" ? trajcore::VehicleParams::semi_truck()
                              : trajcore::VehicleParams::passenger_car();
}

std::vector<double> read_list(std::istream& in) {
  size_t count = 0;
  in >> count;
  std::vector<double> values(count);
  for (double& v : values) in >> v;
  return values;
}

template <class Outputs>
void write_tracked(const std::string& dir, const Outputs& out) {
  write_file(dir + "/states.bin", out.states);
  write_file(dir + "/saturation.bin", out.saturation);
  write_file(dir + "/controls.bin", out.controls);
  if (out.trailer.defined()) write_file(dir + "/trailer.bin", out.trailer);
}

void write_candidates(const std::string& dir, const trajcore::CandidateSet& set) {
  write_tracked(dir, set);
  write_file(dir + "/references.bin", set.references);
  write_file(dir + "/offsets.bin", set.offsets);
  write_file(dir + "/target_speeds.bin", set.target_speeds);
  write_file(dir + "/durations.bin", set.durations);
}

void run_track(const std::string& dir, std::istream& header) {
  int64_t B, N, T, C;
  std::string preset, controller;
  double dt;
  header >> B >> N >> T >> C >> preset >> controller >> dt;
  trajcore::TrackRequest request;
  request.params = preset_named(preset);
  request.tracker.controller = controller == "pure_pursuit"
                                   ? trajcore::TrackingController::kPurePursuit
                                   : trajcore::TrackingController::kLqr;
  request.dt = dt;
  const auto state0 = read_file<float>(dir + "/state0.bin", B * 6);
  const auto references = read_file<float>(dir + "/references.bin", B * N * (T + 1) * C);
  std::vector<float> articulation0;
  request.state0 = {state0.data(), trajcore::Shape{B, 6}, {}};
  request.references = {references.data(), trajcore::Shape{B, N, T + 1, C}, {}};
  if (request.params.has_trailer) {
    articulation0 = read_file<float>(dir + "/articulation0.bin", B);
    request.articulation0 = {articulation0.data(), trajcore::Shape{B}, {}};
  }
  trajcore::TrackResult result;
  trajcore::track(request, result);
  trajcore::track(request, result);  // a second call reuses the result's memory
  write_tracked(dir, result);
}

void run_lattice(const std::string& dir, std::istream& header) {
  int64_t P, B;
  std::string preset;
  trajcore::FrenetLatticeRequest request;
  header >> P >> B >> request.steps >> request.dt >> preset;
  request.params = preset_named(preset);
  request.lateral_offsets = read_list(header);
  request.target_speeds = read_list(header);
  request.durations = read_list(header);
  const auto points = read_file<double>(dir + "/points.bin", P * 2);
  const auto ego = read_file<float>(dir + "/ego.bin", B * 6);
  const trajcore::ReferenceLine line({points.data(), trajcore::Shape{P, 2}, {}});
  request.reference_line = &line;
  request.ego_state = {ego.data(), trajcore::Shape{B, 6}, {}};
  trajcore::CandidateSet result;
  trajcore::frenet_lattice(request, result);
  trajcore::frenet_lattice(request, result);
  write_candidates(dir, result);
}

void run_pdm(const std::string& dir, std::istream& header) {
  int64_t P, B, M;
  std::string preset;
  trajcore::PdmProposalsRequest request;
  header >> P >> B >> M >> request.steps >> request.dt >> preset >> request.speed_limit;
  request.params = preset_named(preset);
  request.offsets = read_list(header);
  request.speed_fractions = read_list(header);
  const int64_t T1 = request.steps + 1;
  const auto points = read_file<double>(dir + "/points.bin", P * 2);
  const auto ego = read_file<float>(dir + "/ego.bin", B * 6);
  const auto poses = read_file<float>(dir + "/agent_poses.bin", B * M * T1 * 3);
  const auto extents = read_file<float>(dir + "/agent_extents.bin", B * M * 2);
  const auto valid = read_file<uint8_t>(dir + "/agent_valid.bin", B * M);  // 0 or 1: bool bytes
  const trajcore::ReferenceLine line({points.data(), trajcore::Shape{P, 2}, {}});
  request.centerline = &line;
  request.ego_state = {ego.data(), trajcore::Shape{B, 6}, {}};
  request.agent_poses = {poses.data(), trajcore::Shape{B, M, T1, 3}, {}};
  request.agent_extents = {extents.data(), trajcore::Shape{B, M, 2}, {}};
  request.agent_valid = {reinterpret_cast<const bool*>(valid.data()), trajcore::Shape{B, M}, {}};
  trajcore::CandidateSet result;
  trajcore::pdm_proposals(request, result);
  trajcore::pdm_proposals(request, result);
  write_candidates(dir, result);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: planning <dir> track|lattice|pdm\n";
    return 2;
  }
  const std::string dir = argv[1], mode = argv[2];
  std::ifstream header(dir + "/request.txt");
  try {
    if (mode == "track") {
      run_track(dir, header);
    } else if (mode == "lattice") {
      run_lattice(dir, header);
    } else if (mode == "pdm") {
      run_pdm(dir, header);
    } else {
      std::cerr << "unknown mode " << mode << "\n";
      return 2;
    }
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ok " << mode << "\n";
  return 0;
}
