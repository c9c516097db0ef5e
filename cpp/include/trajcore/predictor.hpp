// trajcore::Predictor: runs an exported multimodal predictor (TorchScript .ts or AOTInductor
// .pt2, written by trajcore.models.export) on libtorch. The twin of Python's
// trajcore.Predictor.load / run: same files, same seven inputs, same outputs
// (docs/prediction.md).
//
// The header carries no torch types. The target trajcore::predictor is compiled in the
// consumer's project against the consumer's libtorch: find_package(Torch) before
// find_package(trajcore) defines it (no ABI lock to the libtorch trajcore was built with).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trajcore/tensor.hpp"

namespace trajcore {

// The network's sizes, read from the file (trajcore_predictor.json inside it).
struct PredictorConfig {
  int64_t history = 0;      // H: steps of history before the current one
  int64_t future = 0;       // F: steps predicted
  int64_t modes = 0;        // K
  int64_t lane_points = 0;  // P: points per lane segment
  double dt = 0;            // seconds per step
  double lane_spacing = 0;  // metres between lane points
  // The AgentType classes the network was trained on (empty: every class; files written before
  // trajcore recorded them).
  std::vector<int64_t> agent_types;
};

// One scene batch in one frame (B scenes, A agents, L lane segments); CPU, C-contiguous.
struct PredictorInputs {
  TensorView<const float> agent_states;        // (B, A, H+1, 5) x, y, yaw, vx, vy
  TensorView<const uint8_t> agent_valid;       // (B, A, H+1) 0 / 1
  TensorView<const int64_t> agent_type;        // (B, A) AgentType, -1 for empty slots
  TensorView<const float> agent_extent;        // (B, A, 2)
  TensorView<const float> lane_points;         // (B, L, P, 2)
  TensorView<const uint8_t> lane_point_valid;  // (B, L, P) 0 / 1
  TensorView<const float> lane_attributes;     // (B, L, 3)
};

struct PredictorOutputs {
  TensorView<float> trajectories;   // (B, A, K, F, 3) x, y, yaw of steps 1..F
  TensorView<float> probabilities;  // (B, A, K), summing to 1 over K
};

class Predictor {
 public:
  // A .ts (TorchScript) or .pt2 (AOTInductor package) file. Throws trajcore::Error for a missing
  // file, a file without trajcore's config, or one libtorch cannot load.
  static Predictor load(const std::string& path);

  Predictor(Predictor&&) noexcept;
  Predictor& operator=(Predictor&&) noexcept;
  ~Predictor();

  const PredictorConfig& config() const;
  const std::string& path() const;

  // Checks the inputs' and outputs' shapes against each other and the config (errors name the
  // argument, the expected and the received shape), then runs the network.
  void run(const PredictorInputs& inputs, const PredictorOutputs& outputs) const;

 private:
  struct Impl;
  explicit Predictor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trajcore
