// Argument checks of the tracker: parameters, shapes, values and outputs, with messages that name
// the argument, the expected and the received value.
#include <cmath>
#include <stdexcept>
#include <string>

#include "rollout_plan.hpp"
#include "track_plan.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {

void validate(const TrackerParams& t) {
  auto require = [](double value, bool ok, const char* field, const char* expected) {
    if (!std::isfinite(value) || !ok) {
      throw Error(std::string("tracker.") + field + " is " + detail::value_str(value) +
                  ", expected " + expected);
    }
  };
  const int32_t controller = static_cast<int32_t>(t.controller);
  if (controller != 0 && controller != 1) {
    throw Error("tracker.controller is " + std::to_string(controller) +
                ", expected 0 (LQR) or 1 (pure pursuit)");
  }
  require(t.q_longitudinal, t.q_longitudinal >= 0, "q_longitudinal", "a finite number >= 0");
  require(t.r_longitudinal, t.r_longitudinal > 0, "r_longitudinal", "a finite number > 0");
  require(t.q_lateral_error, t.q_lateral_error >= 0, "q_lateral_error", "a finite number >= 0");
  require(t.q_heading_error, t.q_heading_error >= 0, "q_heading_error", "a finite number >= 0");
  require(t.q_steering_angle, t.q_steering_angle >= 0, "q_steering_angle", "a finite number >= 0");
  require(t.r_lateral, t.r_lateral > 0, "r_lateral", "a finite number > 0");
  if (t.horizon < 2 || t.horizon > 1000) {
    throw Error("tracker.horizon is " + std::to_string(t.horizon) +
                ", expected 2 to 1000 steps (with one step the steering rate cannot act on the "
                "errors)");
  }
  require(t.stopping_gain, t.stopping_gain > 0, "stopping_gain", "a finite number > 0");
  require(t.stopping_speed, t.stopping_speed >= 0, "stopping_speed", "a finite number >= 0 (m/s)");
  require(t.acceleration_lag, t.acceleration_lag >= 0, "acceleration_lag",
          "a finite number >= 0 (s)");
  require(t.steering_lag, t.steering_lag >= 0, "steering_lag", "a finite number >= 0 (s)");
  require(t.lookahead_time, t.lookahead_time >= 0, "lookahead_time", "a finite number >= 0 (s)");
  require(t.min_lookahead, t.min_lookahead > 0, "min_lookahead", "a finite number > 0 (m)");
}

}  // namespace trajcore

namespace trajcore::detail {
namespace {

template <class Real>
void check_cpu(const TensorView<const Real>& view, const char* name) {
  if (view.device.is_cuda()) {
    throw Error(std::string(name) + " is on " + view.device.str() +
                ", expected a CPU array: track has no CUDA implementation yet");
  }
}

template <class Real>
BasicRolloutRequest<Real> as_rollout(const BasicTrackRequest<Real>& rq) {
  BasicRolloutRequest<Real> r;
  r.state0 = rq.state0;
  r.articulation0 = rq.articulation0;
  r.params = rq.params;
  r.dt = rq.dt;
  return r;
}

constexpr const char* kReferenceFields[6] = {"x", "y", "yaw", "v", "a", "steer"};

}  // namespace

template <class Real>
TrackPlan plan_track(const BasicTrackRequest<Real>& rq, TrackShapes* shapes) {
  validate(rq.params);
  validate(rq.tracker);
  if (!std::isfinite(rq.dt) || rq.dt <= 0) {
    throw Error("dt is " + value_str(rq.dt) + ", expected a finite number > 0 (s)");
  }
  check_items(rq.state0.shape, rq.state0.data, "state0", 6, "x, y, yaw, v, a, steer");
  const Shape& rs = rq.references.shape;
  const int64_t c = rs.rank() > 0 ? rs.back() : 0;
  if (rs.rank() < 3 || (c != 3 && c != 4 && c != 6)) {
    throw Error("references has shape " + rs.str() +
                ", expected (..., N, T+1, C) with C = 3 (x, y, yaw), 4 (x, y, yaw, v) or 6 "
                "(x, y, yaw, v, a, steer)");
  }
  const Shape scenes = rs.without_last(3);
  if (scenes.numel() == 0) {
    throw Error("references has shape " + rs.str() + ", expected at least one scene");
  }
  if (rs[rs.rank() - 3] == 0) {
    throw Error("references has shape " + rs.str() + ", expected at least one candidate (N >= 1)");
  }
  if (rs[rs.rank() - 2] < 2) {
    throw Error("references has shape " + rs.str() +
                ", expected at least two poses per candidate (T + 1 >= 2)");
  }
  if (rq.references.data == nullptr) throw Error("references has a null data pointer");
  const Shape candidates = rs.without_last(2);
  TrackPlan plan;
  plan.state_per_candidate = check_initial_state(rq.state0, rq.articulation0, rq.params, scenes,
                                                 candidates, "references", rs, "track");
  check_cpu(rq.references, "references");
  plan.trailer = rq.params.has_trailer;
  plan.rows = candidates.numel();
  plan.n = rs[rs.rank() - 3];
  plan.steps = rs[rs.rank() - 2] - 1;
  plan.fields = c;
  plan.max_step = kMaxReferenceSpeed * rq.dt;
  if (shapes != nullptr) {
    shapes->states = candidates;
    shapes->states.push_back(plan.steps + 1);
    shapes->states.push_back(6);
    shapes->saturation = candidates;
    shapes->saturation.push_back(plan.steps);
    shapes->controls = shapes->saturation;
    shapes->controls.push_back(2);
    shapes->trailer = Shape();
    if (plan.trailer) {
      shapes->trailer = candidates;
      shapes->trailer.push_back(plan.steps + 1);
      shapes->trailer.push_back(3);
    }
  }
  return plan;
}

template <class Real>
void check_track_values(const BasicTrackRequest<Real>& rq) {
  RolloutPlan unused;
  check_rollout_values(as_rollout(rq), unused);
}

template <class Real>
void throw_invalid_references(const BasicTrackRequest<Real>& rq) {
  const int64_t n = rq.references.numel();
  const int64_t c = rq.references.shape.back();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(rq.references.data[i])) {
      throw Error("references" + index_str(rq.references.shape, i) + " (" +
                  kReferenceFields[i % c] + ") is " + value_str(rq.references.data[i]) +
                  ", expected a finite number");
    }
  }
  const int64_t poses = rq.references.shape[rq.references.shape.rank() - 2];
  const std::string limit = value_str(kMaxReferenceSpeed) + " m/s";
  for (int64_t i = 0; i < n; i += c) {
    const Real* r = rq.references.data + i;
    if (c > 3 && std::fabs(r[3]) > kMaxReferenceSpeed) {
      throw Error("references" + index_str(rq.references.shape, i + 3) + " (v) is " +
                  value_str(r[3]) + ", expected a speed of at most " + limit);
    }
    if ((i / c) % poses == 0) continue;  // the first pose of a candidate
    const double dx = double(r[0]) - double(r[-c]), dy = double(r[1]) - double(r[1 - c]);
    if (std::fabs(dx) > kMaxReferenceSpeed * rq.dt || std::fabs(dy) > kMaxReferenceSpeed * rq.dt) {
      const Shape pose = rq.references.shape.without_last();
      throw Error("references" + index_str(pose, i / c) + " is " + value_str(std::hypot(dx, dy)) +
                  " m from the pose before (" + value_str(std::hypot(dx, dy) / rq.dt) +
                  " m/s), expected a speed of at most " + limit);
    }
  }
  throw std::logic_error("track: the kernel reported a reference defect the rescan did not find");
}

template <class Real>
void check_track_outputs(const BasicTrackRequest<Real>& rq, const TrackShapes& shapes,
                         const BasicTrackOutputs<Real>& out) {
  const Device dev = rq.state0.device;
  check_output(out.states.shape, out.states.data, out.states.device, "states", shapes.states, dev);
  check_output(out.saturation.shape, out.saturation.data, out.saturation.device, "saturation",
               shapes.saturation, dev);
  check_output(out.controls.shape, out.controls.data, out.controls.device, "controls",
               shapes.controls, dev);
  if (rq.params.has_trailer) {
    check_output(out.trailer.shape, out.trailer.data, out.trailer.device, "trailer", shapes.trailer,
                 dev);
  } else if (out.trailer.data != nullptr) {
    throw Error("trailer output is given, but params has no trailer (has_trailer is false)");
  }
  const int64_t size = int64_t(sizeof(Real));
  const ByteRange ins[2] = {{rq.state0.data, rq.state0.numel() * size},
                            {rq.references.data, rq.references.numel() * size}};
  const char* in_names[2] = {"state0", "references"};
  const ByteRange outs[4] = {{out.states.data, out.states.numel() * size},
                             {out.saturation.data, out.saturation.numel() * 4},
                             {out.controls.data, out.controls.numel() * size},
                             {out.trailer.data, out.trailer.numel() * size}};
  const char* names[4] = {"states", "saturation", "controls", "trailer"};
  for (int o = 0; o < 4; ++o) {
    if (outs[o].data == nullptr) continue;
    for (int i = 0; i < 2; ++i) check_no_overlap(outs[o], names[o], ins[i], in_names[i]);
    for (int p = 0; p < o; ++p) {
      if (outs[p].data != nullptr) check_no_overlap(outs[o], names[o], outs[p], names[p]);
    }
  }
}

template TrackPlan plan_track(const BasicTrackRequest<float>&, TrackShapes*);
template TrackPlan plan_track(const BasicTrackRequest<double>&, TrackShapes*);
template void check_track_values(const BasicTrackRequest<float>&);
template void check_track_values(const BasicTrackRequest<double>&);
template void throw_invalid_references(const BasicTrackRequest<float>&);
template void throw_invalid_references(const BasicTrackRequest<double>&);
template void check_track_outputs(const BasicTrackRequest<float>&, const TrackShapes&,
                                  const BasicTrackOutputs<float>&);
template void check_track_outputs(const BasicTrackRequest<double>&, const TrackShapes&,
                                  const BasicTrackOutputs<double>&);

}  // namespace trajcore::detail
