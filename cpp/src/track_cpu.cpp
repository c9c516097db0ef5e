// CPU kernel of the tracker.
//
// Candidates are taken 16 at a time, one per SIMD lane, like the rollout kernel. Each block first
// turns its references into lane-major rear-axle paths (pose, speed, step curvature, arc length),
// then runs the closed loop step by step: controller (the LQR's horizon loop runs across lanes),
// lags, and the rollout step of detail/bicycle_step.hpp. Pure pursuit's target search is scalar.
// Rows are independent: results do not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "cpu_clones.hpp"
#include "parallel.hpp"
#include "track_plan.hpp"
#include "trajcore/detail/bicycle_step.hpp"
#include "trajcore/detail/tracking_law.hpp"

namespace trajcore::detail {
namespace {

constexpr int kLanes = 16;
// Below this rear-axle displacement (m) a reference step has no curvature (its heading change
// is a turn on the spot, which the bicycle cannot follow).
constexpr double kMinStepLength = 1e-3;

template <class R>
struct TrackKernel {
  const TrackPlan* plan;
  BicycleConstants<R> k;
  TrackerConstants<R> tk;
  TrackingController tk_controller;
  const R* state0;
  const R* references;
  const R* articulation0;  // may be null
  R* states;
  int32_t* saturation;
  R* controls;
  R* trailer;  // null without a trailer

  const R* state_of(int64_t row) const {
    return state0 + (plan->state_per_candidate ? row : row / plan->n) * 6;
  }
  R articulation_of(int64_t row) const {
    if (articulation0 == nullptr) return R(0);
    return articulation0[plan->state_per_candidate ? row : row / plan->n];
  }
};

// The references of one block, lane-major ([t * kLanes + lane]), as rear-axle paths.
template <class R>
struct ReferenceLanes {
  std::vector<R> x, y, yaw, c, s, v;  // T + 1 poses
  std::vector<R> kappa;               // T steps
  std::vector<R> arc;                 // T + 1 arc lengths (pure pursuit)

  void resize(int64_t steps) {
    const size_t poses = static_cast<size_t>((steps + 1) * kLanes);
    for (auto* a : {&x, &y, &yaw, &c, &s, &v, &arc}) a->resize(poses);
    kappa.resize(static_cast<size_t>(steps * kLanes));
  }
};

// Copies the reference of `row` into lane l; false if a value is not finite or a speed, given or
// implied by consecutive poses, beyond kMaxReferenceSpeed.
template <class R>
TRAJCORE_ALWAYS_INLINE bool copy_reference(const TrackKernel<R>& kn, int64_t row, int l,
                                           ReferenceLanes<R>& ref) {
  const int64_t T = kn.plan->steps, C = kn.plan->fields;
  const R* src = kn.references + row * (T + 1) * C;
  const R limit = R(3.0e38);  // also catches inf and (through the comparison) NaN
  const double step = kn.plan->max_step;
  int finite = 1;
  for (int64_t t = 0; t <= T; ++t) {
    const R* r = src + t * C;
    for (int64_t f = 0; f < C; ++f) finite &= std::fabs(r[f]) <= limit;
    if (C > 3) finite &= std::fabs(r[3]) <= R(kMaxReferenceSpeed);
    if (t > 0) {
      finite &= std::fabs(double(r[0]) - double(r[-C])) <= step;
      finite &= std::fabs(double(r[1]) - double(r[1 - C])) <= step;
    }
    const size_t at = static_cast<size_t>(t * kLanes + l);
    ref.x[at] = r[0], ref.y[at] = r[1], ref.yaw[at] = r[2];
    if (C > 3) ref.v[at] = r[3];
  }
  return finite != 0;
}

// Turns the copied references into rear-axle paths: pose, arc length, step curvature and, for
// references without speeds, the speeds (all lanes at once).
template <class R>
TRAJCORE_ALWAYS_INLINE void complete_references(const TrackKernel<R>& kn, ReferenceLanes<R>& ref) {
  const int64_t T = kn.plan->steps;
  const R offset = kn.k.center_offset;
  for (int64_t t = 0; t <= T; ++t) {
    R* x = ref.x.data() + t * kLanes;
    R* y = ref.y.data() + t * kLanes;
    R* yaw = ref.yaw.data() + t * kLanes;
    R* c = ref.c.data() + t * kLanes;
    R* s = ref.s.data() + t * kLanes;
    for (int l = 0; l < kLanes; ++l) {
      yaw[l] = wrap_input_angle(yaw[l]);
      sincos_r(yaw[l], &s[l], &c[l]);
      x[l] -= offset * c[l];
      y[l] -= offset * s[l];
    }
  }
  const bool estimate_speed = kn.plan->fields == 3;
  for (int l = 0; l < kLanes; ++l) ref.arc[l] = R(0);
  for (int64_t t = 0; t < T; ++t) {
    const size_t a = static_cast<size_t>(t * kLanes), b = a + kLanes;
    for (int l = 0; l < kLanes; ++l) {
      const R dx = ref.x[b + l] - ref.x[a + l], dy = ref.y[b + l] - ref.y[a + l];
      const R length = sqrt_r(dx * dx + dy * dy);
      const R turn = wrap_angle(ref.yaw[b + l] - ref.yaw[a + l]);
      const bool moves = length > R(kMinStepLength);
      ref.kappa[a + l] = turn / (moves ? length : R(1)) * (moves ? R(1) : R(0));
      ref.arc[b + l] = ref.arc[a + l] + length;
      if (estimate_speed) {
        // Mean speed of the step along the heading; a pose takes the mean of its two steps
        // (ref.v[b] holds the step's speed until the next step averages it).
        const R speed = (dx * ref.c[a + l] + dy * ref.s[a + l]) / kn.k.dt;
        ref.v[a + l] = t == 0 ? speed : R(0.5) * (ref.v[a + l] + speed);
        ref.v[b + l] = speed;
      }
    }
  }
}

// Pure pursuit target of lane l: `ahead` metres along the reference path past the projection
// of (px, py) on segment *segment, which only moves forward.
template <class R>
void pursuit_target(const ReferenceLanes<R>& ref, int l, int64_t T, R px, R py, R ahead,
                    int64_t* segment, R* tx, R* ty) {
  auto at = [l](int64_t t) { return static_cast<size_t>(t * kLanes + l); };
  int64_t seg = *segment;
  R along = R(0);  // projection's distance from the segment's start
  for (;; ++seg) {
    const R dx = ref.x[at(seg + 1)] - ref.x[at(seg)], dy = ref.y[at(seg + 1)] - ref.y[at(seg)];
    const R length = ref.arc[at(seg + 1)] - ref.arc[at(seg)];
    along =
        length > R(0) ? ((px - ref.x[at(seg)]) * dx + (py - ref.y[at(seg)]) * dy) / length : R(0);
    if (seg + 1 >= T || along < length) break;
  }
  *segment = seg;
  along = along > R(0) ? along : R(0);
  R projection = ref.arc[at(seg)] + along;
  if (seg + 1 >= T && along >= ref.arc[at(T)] - ref.arc[at(seg)]) {
    // Past the last pose: project on the straight continuation along the last heading.
    const R beyond = (px - ref.x[at(T)]) * ref.c[at(T)] + (py - ref.y[at(T)]) * ref.s[at(T)];
    projection = ref.arc[at(T)] + (beyond > R(0) ? beyond : R(0));
  }
  const R target = projection + ahead;
  if (target >= ref.arc[at(T)]) {
    // Past the end: straight on along the last heading.
    const R beyond = target - ref.arc[at(T)];
    *tx = ref.x[at(T)] + beyond * ref.c[at(T)];
    *ty = ref.y[at(T)] + beyond * ref.s[at(T)];
    return;
  }
  int64_t t = seg;
  while (ref.arc[at(t + 1)] < target) ++t;
  const R length = ref.arc[at(t + 1)] - ref.arc[at(t)];
  const R f = length > R(0) ? (target - ref.arc[at(t)]) / length : R(0);
  *tx = ref.x[at(t)] + f * (ref.x[at(t + 1)] - ref.x[at(t)]);
  *ty = ref.y[at(t)] + f * (ref.y[at(t + 1)] - ref.y[at(t)]);
}

// Rows [r0, r0 + count), count <= kLanes; spare lanes repeat row r0.
template <class R, bool kTrailer, TrackingController kController>
TRAJCORE_ALWAYS_INLINE bool run_block(const TrackKernel<R>& kn, int64_t r0, int count,
                                      ReferenceLanes<R>& ref) {
  const int64_t T = kn.plan->steps;
  const TrackerConstants<R>& tk = kn.tk;
  const int32_t H = tk.horizon;
  alignas(64) R x[kLanes], y[kLanes], yaw[kLanes], v[kLanes], a[kLanes], steer[kLanes], art[kLanes],
      c[kLanes], s[kLanes], tan_steer[kLanes];
  alignas(64) R a_cmd[kLanes], steer_target[kLanes];
  alignas(64) R ze[kLanes], zp[kLanes], zd[kLanes], be[kLanes], bp[kLanes], bd[kLanes];
  alignas(64) R out[8][kLanes];
  alignas(64) int32_t flags[kLanes];
  alignas(64) int32_t stop[kLanes];
  int64_t segment[kLanes];

  bool finite = true;
  for (int l = 0; l < kLanes; ++l) {
    const int64_t row = r0 + (l < count ? l : 0);
    finite &= copy_reference(kn, row, l, ref);
    const R* s0 = kn.state_of(row);
    BicycleState<R> st{s0[0], s0[1], wrap_input_angle(s0[2]), s0[3],
                       s0[4], s0[5], kn.articulation_of(row), 0,
                       0,     0};
    complete_state(&st);
    x[l] = st.x, y[l] = st.y, yaw[l] = st.yaw, v[l] = st.v, a[l] = st.a, steer[l] = st.steer;
    art[l] = st.articulation, c[l] = st.c, s[l] = st.s, tan_steer[l] = st.tan_steer;
    segment[l] = 0;
    if (l >= count) continue;
    std::copy(s0, s0 + 6, kn.states + row * (T + 1) * 6);
    if (kTrailer) trailer_pose(kn.k, st, kn.trailer + row * (T + 1) * 3);
  }
  if (!finite) return false;
  complete_references(kn, ref);

  for (int64_t i = 0; i < T; ++i) {
    const size_t now = static_cast<size_t>(i * kLanes);
    const size_t goal = static_cast<size_t>(std::min<int64_t>(i + H, T) * kLanes);
    for (int l = 0; l < kLanes; ++l) {
      const R px = x[l] - tk.center_offset * c[l], py = y[l] - tk.center_offset * s[l];
      stop[l] = stopping(tk, v[l], ref.v[goal + l]);
      a_cmd[l] = acceleration_command(tk, stop[l], v[l], ref.v[goal + l]);
      R lateral, heading;
      lateral_errors(px, py, yaw[l], ref.x[now + l], ref.y[now + l], ref.yaw[now + l],
                     ref.c[now + l], ref.s[now + l], &lateral, &heading);
      const LqrResponse<R> r = lqr_start(lateral, heading, steer[l]);
      ze[l] = r.ze, zp[l] = r.zp, zd[l] = r.zd, be[l] = r.be, bp[l] = r.bp, bd[l] = r.bd;
    }
    if (kController == TrackingController::kLqr) {
      for (int32_t h = 0; h < H; ++h) {
        const R* kappa = ref.kappa.data() + std::min<int64_t>(i + h, T - 1) * kLanes;
        for (int l = 0; l < kLanes; ++l) {
          LqrResponse<R> r{ze[l], zp[l], zd[l], be[l], bp[l], bd[l]};
          lqr_advance(tk, h, v[l], a_cmd[l], kappa[l], &r);
          ze[l] = r.ze, zp[l] = r.zp, zd[l] = r.zd, be[l] = r.be, bp[l] = r.bp, bd[l] = r.bd;
        }
      }
    } else {
      for (int l = 0; l < kLanes; ++l) {
        const R px = x[l] - tk.center_offset * c[l], py = y[l] - tk.center_offset * s[l];
        const R lookahead = std::max(tk.min_lookahead, tk.lookahead_time * v[l]);
        R tx, ty;
        pursuit_target(ref, l, T, px, py, lookahead, &segment[l], &tx, &ty);
        steer_target[l] = pure_pursuit_angle(tk, px, py, yaw[l], tx, ty);
      }
    }
    for (int l = 0; l < kLanes; ++l) {
      R rate;
      if (kController == TrackingController::kLqr) {
        const LqrResponse<R> r{ze[l], zp[l], zd[l], be[l], bp[l], bd[l]};
        rate = lqr_solve(tk, r) * tk.rate_per_rate_command;
      } else {
        rate = (steer_target[l] - steer[l]) * tk.rate_per_angle_error;
      }
      rate = stop[l] ? R(0) : rate;
      const R jerk = lagged_jerk(tk, a[l], a_cmd[l]);
      const BicycleState<R> in{x[l],     y[l],   yaw[l], v[l], a[l],
                               steer[l], art[l], c[l],   s[l], tan_steer[l]};
      BicycleState<R> o;
      flags[l] = bicycle_step<R, kTrailer>(kn.k, in, jerk, rate, &o);
      x[l] = o.x, y[l] = o.y, yaw[l] = o.yaw, v[l] = o.v, a[l] = o.a, steer[l] = o.steer;
      art[l] = o.articulation, c[l] = o.c, s[l] = o.s, tan_steer[l] = o.tan_steer;
      out[0][l] = o.x, out[1][l] = o.y, out[2][l] = o.yaw, out[3][l] = o.v, out[4][l] = o.a;
      out[5][l] = o.steer, out[6][l] = jerk, out[7][l] = rate;
    }
    for (int l = 0; l < count; ++l) {
      const int64_t row = r0 + l;
      R* dst = kn.states + (row * (T + 1) + i + 1) * 6;
      for (int f = 0; f < 6; ++f) dst[f] = out[f][l];
      kn.controls[(row * T + i) * 2] = out[6][l];
      kn.controls[(row * T + i) * 2 + 1] = out[7][l];
      kn.saturation[row * T + i] = flags[l];
      if (kTrailer) {
        const BicycleState<R> st{x[l],     y[l],   yaw[l], v[l], a[l],
                                 steer[l], art[l], c[l],   s[l], tan_steer[l]};
        trailer_pose(kn.k, st, kn.trailer + (row * (T + 1) + i + 1) * 3);
      }
    }
  }
  return true;
}

template <class R, TrackingController kController>
TRAJCORE_ALWAYS_INLINE bool block_for(const TrackKernel<R>& kn, int64_t r0, int count,
                                      ReferenceLanes<R>& ref) {
  return kn.plan->trailer ? run_block<R, true, kController>(kn, r0, count, ref)
                          : run_block<R, false, kController>(kn, r0, count, ref);
}

TRAJCORE_CPU_CLONES bool block_f32_lqr(const TrackKernel<float>& kn, int64_t r0, int count,
                                       ReferenceLanes<float>& ref) {
  return block_for<float, TrackingController::kLqr>(kn, r0, count, ref);
}
TRAJCORE_CPU_CLONES bool block_f32_pursuit(const TrackKernel<float>& kn, int64_t r0, int count,
                                           ReferenceLanes<float>& ref) {
  return block_for<float, TrackingController::kPurePursuit>(kn, r0, count, ref);
}
bool block(const TrackKernel<float>& kn, int64_t r0, int count, ReferenceLanes<float>& ref) {
  return kn.tk_controller == TrackingController::kLqr ? block_f32_lqr(kn, r0, count, ref)
                                                      : block_f32_pursuit(kn, r0, count, ref);
}
bool block(const TrackKernel<double>& kn, int64_t r0, int count, ReferenceLanes<double>& ref) {
  return kn.tk_controller == TrackingController::kLqr
             ? block_for<double, TrackingController::kLqr>(kn, r0, count, ref)
             : block_for<double, TrackingController::kPurePursuit>(kn, r0, count, ref);
}

}  // namespace

template <class Real>
bool track_cpu(const TrackPlan& plan, const BasicTrackRequest<Real>& rq,
               const BasicTrackOutputs<Real>& out) {
  const TrackKernel<Real> kn{&plan,
                             make_bicycle_constants<Real>(rq.params, rq.dt),
                             make_tracker_constants<Real>(rq.tracker, rq.params, rq.dt),
                             rq.tracker.controller,
                             rq.state0.data,
                             rq.references.data,
                             rq.articulation0.data,
                             out.states.data,
                             out.saturation.data,
                             out.controls.data,
                             out.trailer.data};
  std::atomic<bool> finite{true};
  parallel_for(plan.rows, kLanes, [&](int64_t begin, int64_t end) {
    // Grown once per thread: a steady planning loop does not allocate.
    thread_local ReferenceLanes<Real> ref;
    ref.resize(plan.steps);
    if (!block(kn, begin, static_cast<int>(end - begin), ref)) finite.store(false);
  });
  return finite.load();
}

template bool track_cpu(const TrackPlan&, const BasicTrackRequest<float>&,
                        const BasicTrackOutputs<float>&);
template bool track_cpu(const TrackPlan&, const BasicTrackRequest<double>&,
                        const BasicTrackOutputs<double>&);

}  // namespace trajcore::detail
