// Shared checks and tracking of the candidate generators.
#include "generator_common.hpp"

#include <cmath>
#include <string>

#include "rollout_plan.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore::detail {

Shape check_ego_state(TensorView<const float> ego, const VehicleParams& params) {
  validate(params);
  if (ego.shape.rank() > 2) {
    throw Error("ego_state has shape " + ego.shape.str() + ", expected (B, 6) or (6)");
  }
  check_items(ego.shape, ego.data, "ego_state", 6, "x, y, yaw, v, a, steer");
  if (ego.device.is_cuda()) {
    throw Error("ego_state is on " + ego.device.str() +
                ", expected a CPU array: the generators have no CUDA implementation yet");
  }
  BasicRolloutRequest<float> as_state0;
  as_state0.state0 = ego;
  as_state0.params = params;
  try {
    check_rollout_values(as_state0, RolloutPlan{});
  } catch (const Error& e) {
    std::string message = e.what();
    if (message.rfind("state0", 0) == 0) message = "ego_state" + message.substr(6);
    throw Error(message);
  }
  return ego.shape.without_last();
}

void check_values(const std::vector<double>& values, const char* name, double lo, bool lo_open,
                  double hi) {
  if (values.empty()) throw Error(std::string(name) + " is empty, expected at least one value");
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
    if (!ok) {
      std::string range;
      if (std::isfinite(lo)) range += std::string(lo_open ? " > " : " >= ") + value_str(lo);
      if (std::isfinite(hi)) range += (range.empty() ? " <= " : " and <= ") + value_str(hi);
      throw Error(std::string(name) + "[" + std::to_string(i) + "] is " + value_str(v) +
                  ", expected a finite number" + range);
    }
  }
}

void check_candidate_outputs(TensorView<const float> ego, int64_t n, int64_t steps, bool trailer,
                             const CandidateOutputs& out) {
  const CandidateShapes shapes = candidate_shapes(ego.shape, n, steps, trailer);
  const Device dev = ego.device;
  check_output(out.states.shape, out.states.data, out.states.device, "states", shapes.states, dev);
  check_output(out.saturation.shape, out.saturation.data, out.saturation.device, "saturation",
               shapes.saturation, dev);
  check_output(out.controls.shape, out.controls.data, out.controls.device, "controls",
               shapes.controls, dev);
  if (trailer) {
    check_output(out.trailer.shape, out.trailer.data, out.trailer.device, "trailer", shapes.trailer,
                 dev);
  } else if (out.trailer.data != nullptr) {
    throw Error("trailer output is given, but params has no trailer (has_trailer is false)");
  }
  check_output(out.references.shape, out.references.data, out.references.device, "references",
               shapes.references, dev);
  check_output(out.offsets.shape, out.offsets.data, out.offsets.device, "offsets", shapes.metadata,
               dev);
  check_output(out.target_speeds.shape, out.target_speeds.data, out.target_speeds.device,
               "target_speeds", shapes.metadata, dev);
  check_output(out.durations.shape, out.durations.data, out.durations.device, "durations",
               shapes.metadata, dev);
}

CandidateOutputs size_candidates(TensorView<const float> ego, int64_t n, int64_t steps,
                                 bool trailer, CandidateSet& r) {
  const CandidateShapes shapes = candidate_shapes(ego.shape, n, steps, trailer);
  r.states.resize(shapes.states);
  r.saturation.resize(shapes.saturation);
  r.controls.resize(shapes.controls);
  if (trailer) {
    r.trailer.resize(shapes.trailer);
  } else {
    r.trailer.reset();
  }
  r.references.resize(shapes.references);
  r.offsets.resize(shapes.metadata);
  r.target_speeds.resize(shapes.metadata);
  r.durations.resize(shapes.metadata);
  return CandidateOutputs{r.states.view(),        r.saturation.view(),
                          r.controls.view(),      trailer ? r.trailer.view() : TensorView<float>{},
                          r.references.view(),    r.offsets.view(),
                          r.target_speeds.view(), r.durations.view()};
}

void track_candidates(TensorView<const float> ego, double dt, const VehicleParams& params,
                      const TrackerParams& tracker, const CandidateOutputs& out) {
  TrackRequest rq;
  rq.state0 = ego;
  rq.references = out.references;
  rq.params = params;
  rq.tracker = tracker;
  rq.dt = dt;
  try {
    track(rq, TrackOutputs{out.states, out.saturation, out.controls, out.trailer});
  } catch (const Error& e) {
    // The references are the generator's own: name what the caller gave instead.
    if (std::string(e.what()).rfind("references", 0) != 0) throw;
    throw Error(
        "ego_state and the maneuvers asked for give references the tracker cannot follow: " +
        std::string(e.what()) +
        " (is the ego far from the line, or a maneuver shorter than a step?)");
  }
}

RearAxle rear_axle(const float* s, const VehicleParams& params) {
  const double yaw = s[2], c = params.rear_axle_to_center;
  return RearAxle{s[0] - c * std::cos(yaw), s[1] - c * std::sin(yaw), yaw, s[3], s[4], s[5]};
}

}  // namespace trajcore::detail

namespace trajcore {

CandidateShapes candidate_shapes(const Shape& ego_state, int64_t n, int64_t steps, bool trailer) {
  const Shape scenes = ego_state.without_last();
  auto with = [&](std::initializer_list<int64_t> tail) {
    Shape s = scenes;
    for (int64_t d : tail) s.push_back(d);
    return s;
  };
  CandidateShapes c;
  c.states = with({n, steps + 1, 6});
  c.saturation = with({n, steps});
  c.controls = with({n, steps, 2});
  c.trailer = trailer ? with({n, steps + 1, 3}) : Shape();
  c.references = with({n, steps + 1, 4});
  c.metadata = Shape{n};
  return c;
}

}  // namespace trajcore
