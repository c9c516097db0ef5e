// Argument checks of check_collisions: shapes and options first, values once they are needed.
#include <cmath>
#include <sstream>
#include <string>

#include "collision_plan.hpp"
#include "validate.hpp"

namespace trajcore::detail {
namespace {

const char* const kPoseFields[3] = {"x", "y", "yaw"};

[[noreturn]] void bad_shape(const char* name, const Shape& got, const std::string& expected) {
  throw Error(std::string(name) + " has shape " + got.str() + ", expected " + expected);
}

// "(B, M, 2) = (3, 5, 2)" for batched plans, "(M, 2) = (5, 2)" otherwise.
std::string form(const CollisionPlan& p, const std::string& symbols, Shape dims) {
  Shape full;
  if (p.batched) full.push_back(p.B);
  for (int i = 0; i < dims.rank(); ++i) full.push_back(dims[i]);
  return "(" + std::string(p.batched ? "B, " : "") + symbols + ") = " + full.str();
}

Shape with_scene(const CollisionPlan& p, Shape dims) {
  Shape full;
  if (p.batched) full.push_back(p.B);
  for (int i = 0; i < dims.rank(); ++i) full.push_back(dims[i]);
  return full;
}

void check_array(const TensorView<const float>& v, const char* name, const Device& device) {
  if (v.numel() > 0 && v.data == nullptr) throw Error(std::string(name) + " has a null data pointer");
  check_same_device(v.device, device, name, "agents");
}

void check_option(float value, const char* name) {
  if (!std::isfinite(value) || value < 0.f) {
    throw Error(std::string(name) + " is " + value_str(value) + ", expected a finite value >= 0 (m)");
  }
}

}  // namespace

CollisionPlan plan_collisions(const CollisionRequest& r) {
  CollisionPlan p;
  const Shape& a = r.agents.shape;
  if ((a.rank() != 5 && a.rank() != 4) || a.back() != 3) {
    bad_shape("agents", a, "(B, M, K, T+1, 3) or (M, K, T+1, 3) = x, y, yaw per agent, mode and step");
  }
  p.batched = a.rank() == 5;
  const int o = p.batched ? 1 : 0;
  p.B = p.batched ? a[0] : 1;
  p.M = a[o];
  p.K = a[o + 1];
  p.T1 = a[o + 2];
  if (p.B < 1) bad_shape("agents", a, "at least one scene (B >= 1)");
  if (p.K < 1) bad_shape("agents", a, "at least one mode (K >= 1)");
  if (p.T1 < 1) bad_shape("agents", a, "at least one step (T+1 >= 1)");

  const Shape& e = r.ego.shape;
  if (e.rank() != o + 3 || (p.batched && e[0] != p.B) || e[o + 1] != p.T1 || e[o + 2] < 3) {
    bad_shape("ego", e,
              std::string(p.batched ? "(B, N, T+1, S) = (" + std::to_string(p.B) + ", "
                                    : "(N, T+1, S) = (") +
                  "N, " + std::to_string(p.T1) + ", S >= 3) to match agents " + a.str());
  }
  p.N = e[o];
  p.S = e[o + 2];
  if (p.N < 1) bad_shape("ego", e, "at least one candidate (N >= 1)");

  const Shape& ee = r.ego_extent.shape;
  p.shared_ego_extent = ee == Shape{2};
  if (!p.shared_ego_extent && !(p.batched && ee == Shape{p.B, 2})) {
    bad_shape("ego_extent", ee,
              p.batched ? "(2,) or (B, 2) = (" + std::to_string(p.B) + ", 2) = length, width"
                        : std::string("(2,) = length, width"));
  }
  if (r.agent_extent.shape != with_scene(p, {p.M, 2})) {
    bad_shape("agent_extent", r.agent_extent.shape, form(p, "M, 2", {p.M, 2}) + " = length, width");
  }
  p.has_prob = r.agent_prob.data != nullptr;
  if (p.has_prob && r.agent_prob.shape != with_scene(p, {p.M, p.K})) {
    bad_shape("agent_prob", r.agent_prob.shape, form(p, "M, K", {p.M, p.K}));
  }
  if (r.agent_valid.data != nullptr) {
    const Shape& v = r.agent_valid.shape;
    if (v == with_scene(p, {p.M})) {
      p.valid_form = ValidForm::kAgent;
    } else if (v == with_scene(p, {p.M, p.T1})) {
      p.valid_form = ValidForm::kStep;
    } else if (v == with_scene(p, {p.M, p.K, p.T1})) {
      p.valid_form = ValidForm::kModeStep;
    } else {
      bad_shape("agent_valid", v,
                form(p, "M", {p.M}) + ", " + form(p, "M, T+1", {p.M, p.T1}) + " or " +
                    form(p, "M, K, T+1", {p.M, p.K, p.T1}));
    }
  }

  const Device device = r.agents.device;
  check_array(r.agents, "agents", device);
  check_array(r.ego, "ego", device);
  check_array(r.ego_extent, "ego_extent", device);
  check_array(r.agent_extent, "agent_extent", device);
  if (p.has_prob) check_array(r.agent_prob, "agent_prob", device);
  if (r.agent_valid.data != nullptr) check_same_device(r.agent_valid.device, device, "agent_valid", "agents");
  if (device.is_cuda()) {
    throw Error("agents is on " + device.str() +
                ", but check_collisions runs on CPU arrays in this version: pass CPU arrays");
  }
  check_option(r.options.margin, "margin");
  check_option(r.options.clearance_cap, "clearance_cap");
  return p;
}

CollisionShapes result_shapes(const CollisionPlan& p, const CollisionOptions& options) {
  CollisionShapes s;
  s.collides = with_scene(p, {p.N, p.T1});
  s.first_step = with_scene(p, {p.N});
  s.collision_prob = s.first_step;
  s.agent_first_step_enabled = options.agent_first_step;
  s.min_clearance_enabled = options.min_clearance;
  if (options.agent_first_step) s.agent_first_step = with_scene(p, {p.N, p.M, p.K});
  if (options.min_clearance) s.min_clearance = s.first_step;
  return s;
}

void check_extents(const CollisionRequest& r, const CollisionPlan& p) {
  auto check = [](const TensorView<const float>& v, const char* name) {
    for (int64_t i = 0; i < v.numel(); ++i) {
      if (!std::isfinite(v.data[i]) || v.data[i] < 0.f) {
        throw Error(std::string(name) + index_str(v.shape, i) + " (" + (i % 2 ? "width" : "length") +
                    ") is " + value_str(v.data[i]) + ", expected a finite value >= 0 (m)");
      }
    }
  };
  check(r.ego_extent, "ego_extent");
  check(r.agent_extent, "agent_extent");
  (void)p;
}

void throw_invalid_ego(const CollisionRequest& r, const CollisionPlan& p) {
  const int64_t rows = p.B * p.N * p.T1;
  for (int64_t i = 0; i < rows; ++i) {
    for (int f = 0; f < 3; ++f) {
      const float v = r.ego.data[i * p.S + f];
      if (!std::isfinite(v)) {
        throw Error("ego" + index_str(r.ego.shape, i * p.S + f) + " (" + kPoseFields[f] + ") is " +
                    value_str(v) + ", expected a finite value");
      }
    }
  }
  throw std::logic_error("check_collisions: the ego check tripped but the rescan found no value");
}

void throw_invalid_agents(const CollisionRequest& r, const CollisionPlan& p) {
  for (int64_t b = 0; b < p.B; ++b) {
    for (int64_t m = 0; m < p.M; ++m) {
      for (int64_t k = 0; k < p.K; ++k) {
        for (int64_t t = 0; t < p.T1; ++t) {
          if (!p.valid(r.agent_valid.data, b, m, k, t)) continue;
          const int64_t row = ((b * p.M + m) * p.K + k) * p.T1 + t;
          for (int f = 0; f < 3; ++f) {
            const float v = r.agents.data[row * 3 + f];
            if (!std::isfinite(v)) {
              throw Error("agents" + index_str(r.agents.shape, row * 3 + f) + " (" +
                          kPoseFields[f] + ") is " + value_str(v) +
                          ", expected a finite value where agent_valid is true");
            }
          }
        }
      }
    }
  }
  throw std::logic_error("check_collisions: the agents check tripped but the rescan found no value");
}

void normalise_probabilities(const CollisionRequest& r, const CollisionPlan& p,
                             const uint8_t* mode_valid, double* prob) {
  const float* given = r.agent_prob.data;
  for (int64_t row = 0; row < p.B * p.M; ++row) {
    const int64_t base = row * p.K;
    double sum = 0.0;
    int64_t n_valid = 0;
    for (int64_t k = 0; k < p.K; ++k) {
      if (!mode_valid[base + k]) continue;
      const float v = p.has_prob ? given[base + k] : 1.f;
      if (!(v >= 0.f && v <= 1.f)) {  // also catches NaN
        throw Error("agent_prob" + index_str(r.agent_prob.shape, base + k) + " is " + value_str(v) +
                    ", expected a probability in [0, 1]");
      }
      sum += static_cast<double>(v);
      ++n_valid;
    }
    if (p.has_prob && n_valid > 0 && !(std::fabs(sum - 1.0) <= kProbabilityTolerance)) {
      std::ostringstream os;
      os << "agent_prob" << index_str(p.batched ? Shape{p.B, p.M} : Shape{p.M}, row) << " sums to "
         << sum << " over the agent's " << n_valid << " valid mode" << (n_valid > 1 ? "s" : "")
         << ", expected 1 (within " << kProbabilityTolerance << ")";
      throw Error(os.str());
    }
    for (int64_t k = 0; k < p.K; ++k) {
      prob[base + k] = mode_valid[base + k] ? (p.has_prob ? static_cast<double>(given[base + k]) : 1.0) / sum : 0.0;
    }
  }
}

}  // namespace trajcore::detail
