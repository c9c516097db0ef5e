// trajcore::Predictor on libtorch: torch::jit for TorchScript files, AOTIModelPackageLoader for
// .pt2 packages. Compiled in the consumer's project (see trajcore/predictor.hpp).
#include "trajcore/predictor.hpp"

#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <torch/script.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
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
  // "agent_types": [0, ...] (absent from files exported before it was recorded).
  std::smatch types;
  if (std::regex_search(json, types, std::regex("\"agent_types\"\\s*:\\s*\\[([^\\]]*)\\]"))) {
    const std::string list = types[1].str();
    const std::regex item("-?[0-9]+");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), item);
         it != std::sregex_iterator(); ++it) {
      c.agent_types.push_back(std::stoll(it->str()));
    }
  }
  return c;
}

template <class T>
torch::Tensor wrap(const TensorView<const T>& v, torch::ScalarType type) {
  std::vector<int64_t> sizes(v.shape.rank());
  for (int i = 0; i < v.shape.rank(); ++i) sizes[i] = v.shape[i];
  return torch::from_blob(const_cast<T*>(v.data), sizes, torch::TensorOptions().dtype(type));
}

std::string index_of(const torch::Tensor& where) {
  const torch::Tensor at = where.nonzero()[0];
  std::string s = "[";
  for (int64_t d = 0; d < at.size(0); ++d) {
    s += (d ? ", " : "") + std::to_string(at[d].item<int64_t>());
  }
  return s + "]";
}

std::string number_str(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << v;
  return os.str();
}

// Values under a False mask are not read: non-finite ones there become 0 (the network masks by
// multiplying, and NaN * 0 would reach every agent); a non-finite value that is read is an error.
// Largest magnitude read: beyond it float32 arithmetic inside the network overflows to NaN
// (Python: trajcore.predictor_inputs.MAX_MAGNITUDE).
constexpr double kMaxMagnitude = 1e15;

torch::Tensor finite_where_read(torch::Tensor x, const torch::Tensor& read, const char* name) {
  const torch::Tensor finite = torch::isfinite(x);
  const torch::Tensor wrong = read.expand_as(x) & ~(finite & (x.abs() <= kMaxMagnitude));
  if (wrong.any().item<bool>()) {  // nonzero() and masked_select() agree on row-major order
    throw Error(std::string(name) + index_of(wrong) + " is " +
                number_str(x.masked_select(wrong)[0].item<double>()) +
                ", expected a finite number of magnitude <= 1e+15 (or its mask False)");
  }
  if (finite.all().item<bool>()) return x;
  return torch::where(finite, x, torch::zeros({}, x.options()));
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

  if (b == 0 || a == 0) {
    throw Error("agent_states is empty: shape " + in.agent_states.shape.str() +
                ", expected at least one scene and one agent slot");
  }

  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> inputs{
      wrap(in.agent_states, torch::kFloat32),   wrap(in.agent_valid, torch::kBool),
      wrap(in.agent_type, torch::kInt64),       wrap(in.agent_extent, torch::kFloat32),
      wrap(in.lane_points, torch::kFloat32),    wrap(in.lane_point_valid, torch::kBool),
      wrap(in.lane_attributes, torch::kFloat32)};
  // The same checks as Python's trajcore.predictor_inputs, in the same order.
  const torch::Tensor bad_type = (inputs[2] < -1) | (inputs[2] > 3);
  if (bad_type.any().item<bool>()) {
    throw Error("agent_type" + index_of(bad_type) + " is " +
                std::to_string(inputs[2].masked_select(bad_type)[0].item<int64_t>()) +
                ", expected -1 (empty) or an AgentType in [0, 3]");
  }
  const torch::Tensor present = inputs[1].any(-1);
  inputs[0] = finite_where_read(inputs[0], inputs[1].unsqueeze(-1), "agent_states");
  inputs[3] = finite_where_read(inputs[3], present.unsqueeze(-1), "agent_extent");
  inputs[4] = finite_where_read(inputs[4], inputs[5].unsqueeze(-1), "lane_points");
  inputs[6] = finite_where_read(inputs[6], inputs[5].any(-1).unsqueeze(-1), "lane_attributes");
  if ((inputs[3].index({present}) < 0).any().item<bool>()) {
    throw Error("agent_extent has a negative length or width, expected >= 0");
  }
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
