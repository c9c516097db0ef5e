// trajcore::Predictor on libtorch: torch::jit for TorchScript files, AOTIModelPackageLoader for
// .pt2 packages. Compiled in the consumer's project (see trajcore/predictor.hpp).
#include "trajcore/predictor.hpp"

#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <torch/script.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <unordered_map>
#include <vector>

#include "trajcore/error.hpp"

namespace trajcore {
namespace {

constexpr const char* kConfigName = "trajcore_predictor.json";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The flat numbers of trajcore's own config JSON ({"format": 1, "config": {...}}).
PredictorConfig parse_config(const std::string& json, const std::string& path) {
  auto number = [&](const char* key) {
    const std::regex pattern(std::string("\"") + key + "\"\\s*:\\s*(-?[0-9.eE+-]+)");
    std::smatch match;
    if (!std::regex_search(json, match, pattern)) {
      throw Error(path + ": " + kConfigName + " has no \"" + key +
                  "\", expected the predictor config");
    }
    return std::stod(match[1].str());
  };
  if (number("format") != 1) throw Error(path + ": predictor format is not 1");
  PredictorConfig c;
  c.history = static_cast<int64_t>(number("history"));
  c.future = static_cast<int64_t>(number("future"));
  c.modes = static_cast<int64_t>(number("modes"));
  c.lane_points = static_cast<int64_t>(number("lane_points"));
  c.dt = number("dt");
  c.lane_spacing = number("lane_spacing");
  return c;
}

template <class T>
torch::Tensor wrap(const TensorView<const T>& v, torch::ScalarType type) {
  std::vector<int64_t> sizes(v.shape.rank());
  for (int i = 0; i < v.shape.rank(); ++i) sizes[i] = v.shape[i];
  return torch::from_blob(const_cast<T*>(v.data), sizes, torch::TensorOptions().dtype(type));
}

void expect(const Shape& got, const Shape& want, const char* name) {
  if (got != want) {
    throw Error(std::string(name) + " has shape " + got.str() + ", expected " + want.str());
  }
}

}  // namespace

struct Predictor::Impl {
  std::string path;
  PredictorConfig config;
  std::unique_ptr<torch::jit::Module> script;
  std::unique_ptr<torch::inductor::AOTIModelPackageLoader> package;
};

Predictor::Predictor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;
Predictor::~Predictor() = default;

const PredictorConfig& Predictor::config() const { return impl_->config; }
const std::string& Predictor::path() const { return impl_->path; }

Predictor Predictor::load(const std::string& path) {
  if (!std::ifstream(path).good()) throw Error(path + ": no such predictor file");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  std::string json;
  try {
    if (ends_with(path, ".pt2")) {
      impl->package = std::make_unique<torch::inductor::AOTIModelPackageLoader>(path);
      const auto metadata = impl->package->get_metadata();
      const auto found = metadata.find("trajcore_predictor");
      if (found != metadata.end()) json = found->second;
    } else {
      torch::jit::ExtraFilesMap extra{{kConfigName, ""}};
      impl->script =
          std::make_unique<torch::jit::Module>(torch::jit::load(path, torch::kCPU, extra));
      impl->script->eval();
      json = extra[kConfigName];
    }
  } catch (const c10::Error& e) {
    throw Error(path + ": libtorch cannot load it (" + e.what_without_backtrace() + ")");
  }
  if (json.empty()) {
    throw Error(path + ": no " + std::string(kConfigName) +
                " inside, expected a file written by trajcore's export");
  }
  impl->config = parse_config(json, path);
  return Predictor(std::move(impl));
}

void Predictor::run(const PredictorInputs& in, const PredictorOutputs& out) const {
  const PredictorConfig& c = impl_->config;
  if (in.agent_states.data == nullptr || in.agent_states.shape.rank() != 4) {
    throw Error("agent_states has shape " + in.agent_states.shape.str() +
                ", expected (B, A, H+1, 5)");
  }
  if (in.lane_points.data == nullptr && in.lane_points.shape.numel() != 0) {
    throw Error("lane_points is null, expected (B, L, P, 2)");
  }
  const int64_t b = in.agent_states.shape[0], a = in.agent_states.shape[1];
  const int64_t l = in.lane_points.shape.rank() == 4 ? in.lane_points.shape[1] : -1;
  expect(in.agent_states.shape, Shape{b, a, c.history + 1, 5}, "agent_states");
  expect(in.agent_valid.shape, Shape{b, a, c.history + 1}, "agent_valid");
  expect(in.agent_type.shape, Shape{b, a}, "agent_type");
  expect(in.agent_extent.shape, Shape{b, a, 2}, "agent_extent");
  expect(in.lane_points.shape, Shape{b, l, c.lane_points, 2}, "lane_points");
  expect(in.lane_point_valid.shape, Shape{b, l, c.lane_points}, "lane_point_valid");
  expect(in.lane_attributes.shape, Shape{b, l, 3}, "lane_attributes");
  expect(out.trajectories.shape, Shape{b, a, c.modes, c.future, 3}, "trajectories");
  expect(out.probabilities.shape, Shape{b, a, c.modes}, "probabilities");

  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> inputs{
      wrap(in.agent_states, torch::kFloat32),   wrap(in.agent_valid, torch::kBool),
      wrap(in.agent_type, torch::kInt64),       wrap(in.agent_extent, torch::kFloat32),
      wrap(in.lane_points, torch::kFloat32),    wrap(in.lane_point_valid, torch::kBool),
      wrap(in.lane_attributes, torch::kFloat32)};
  torch::Tensor trajectories, probabilities;
  try {
    if (impl_->package) {
      const std::vector<torch::Tensor> result = impl_->package->run(inputs);
      trajectories = result.at(0), probabilities = result.at(1);
    } else {
      std::vector<torch::jit::IValue> values(inputs.begin(), inputs.end());
      const auto result = impl_->script->forward(values).toTuple();
      trajectories = result->elements().at(0).toTensor();
      probabilities = result->elements().at(1).toTensor();
    }
  } catch (const c10::Error& e) {
    throw Error(impl_->path + ": the network failed (" + e.what_without_backtrace() + ")");
  }
  std::memcpy(out.trajectories.data, trajectories.contiguous().data_ptr<float>(),
              sizeof(float) * out.trajectories.numel());
  std::memcpy(out.probabilities.data, probabilities.contiguous().data_ptr<float>(),
              sizeof(float) * out.probabilities.numel());
}

}  // namespace trajcore
