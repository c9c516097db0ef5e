// Loads a predictor file with trajcore::Predictor and runs it on inputs written by the Python
// test (tests/test_cpp_predictor.py): raw little-endian arrays named after the inputs, with
// their shapes in shapes.txt ("name d0 d1 ..."). Writes trajectories.bin, probabilities.bin
// and config.txt to the output folder. With a fourth argument R, the run is timed R more times
// (after 10 warm-up calls) and the milliseconds of each go to timings.txt
// (bench/bench_predictor.py).
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "trajcore/error.hpp"
#include "trajcore/predictor.hpp"

namespace {

std::map<std::string, trajcore::Shape> read_shapes(const std::string& folder) {
  std::map<std::string, trajcore::Shape> shapes;
  std::ifstream file(folder + "/shapes.txt");
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream words(line);
    std::string name;
    words >> name;
    trajcore::Shape shape;
    for (int64_t d; words >> d;) shape.push_back(d);
    shapes[name] = shape;
  }
  return shapes;
}

template <class T>
std::vector<T> read(const std::string& path, int64_t count) {
  std::vector<T> values(static_cast<size_t>(count));
  std::ifstream(path, std::ios::binary)
      .read(reinterpret_cast<char*>(values.data()),
            static_cast<std::streamsize>(sizeof(T) * count));
  return values;
}

template <class T>
void write(const std::string& path, const std::vector<T>& values) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(values.data()),
             static_cast<std::streamsize>(sizeof(T) * values.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: predictor_run MODEL INPUT_DIR OUTPUT_DIR [REPEATS]\n";
    return 2;
  }
  const std::string model = argv[1], in = argv[2], out = argv[3];
  try {
    const trajcore::Predictor predictor = trajcore::Predictor::load(model);
    const trajcore::PredictorConfig& c = predictor.config();
    std::ofstream(out + "/config.txt")
        << c.history << " " << c.future << " " << c.modes << " " << c.lane_points << " " << c.dt
        << " " << c.lane_spacing << "\n";
    auto shapes = read_shapes(in);
    auto floats = [&](const char* name) {
      return read<float>(in + "/" + name + ".bin", shapes[name].numel());
    };
    auto bytes = [&](const char* name) {
      return read<uint8_t>(in + "/" + name + ".bin", shapes[name].numel());
    };
    const auto states = floats("agent_states"), extent = floats("agent_extent");
    const auto points = floats("lane_points"), attributes = floats("lane_attributes");
    const auto valid = bytes("agent_valid"), point_valid = bytes("lane_point_valid");
    const auto types = read<int64_t>(in + "/agent_type.bin", shapes["agent_type"].numel());
    trajcore::PredictorInputs inputs;
    inputs.agent_states = {states.data(), shapes["agent_states"], {}};
    inputs.agent_valid = {valid.data(), shapes["agent_valid"], {}};
    inputs.agent_type = {types.data(), shapes["agent_type"], {}};
    inputs.agent_extent = {extent.data(), shapes["agent_extent"], {}};
    inputs.lane_points = {points.data(), shapes["lane_points"], {}};
    inputs.lane_point_valid = {point_valid.data(), shapes["lane_point_valid"], {}};
    inputs.lane_attributes = {attributes.data(), shapes["lane_attributes"], {}};
    const trajcore::Shape& s = shapes["agent_states"];
    const trajcore::Shape trajectory_shape{s[0], s[1], c.modes, c.future, 3};
    const trajcore::Shape probability_shape{s[0], s[1], c.modes};
    std::vector<float> trajectories(static_cast<size_t>(trajectory_shape.numel()));
    std::vector<float> probabilities(static_cast<size_t>(probability_shape.numel()));
    predictor.run(inputs, {{trajectories.data(), trajectory_shape, {}},
                           {probabilities.data(), probability_shape, {}}});
    if (argc == 5) {
      const trajcore::PredictorOutputs outputs{{trajectories.data(), trajectory_shape, {}},
                                               {probabilities.data(), probability_shape, {}}};
      for (int i = 0; i < 10; ++i) predictor.run(inputs, outputs);
      std::ofstream timings(out + "/timings.txt");
      for (int i = 0, n = std::stoi(argv[4]); i < n; ++i) {
        const auto start = std::chrono::steady_clock::now();
        predictor.run(inputs, outputs);
        const std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - start;
        timings << took.count() << "\n";
      }
    }
    write(out + "/trajectories.bin", trajectories);
    write(out + "/probabilities.bin", probabilities);
  } catch (const trajcore::Error& e) {
    std::cerr << "trajcore::Error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
