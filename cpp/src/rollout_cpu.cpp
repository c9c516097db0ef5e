// CPU kernels of the rollout.
//
// Forward: candidates are taken 16 at a time, one per SIMD lane, and advanced together step by
// step (the step of detail/bicycle_step.hpp is branch-free, so the lane loop vectorises). Controls
// are transposed into lanes, and states out of lanes, 16 steps at a time so both sides touch
// memory in whole cache lines. Rows are independent: results do not depend on the thread count.
//
// Backward: per candidate, the double forward is recomputed and stored, then the adjoint runs
// back in time; each step's Jacobian comes from evaluating the same step template on dual numbers.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "dual.hpp"
#include "cpu_clones.hpp"
#include "parallel.hpp"
#include "rollout_plan.hpp"
#include "trajcore/detail/bicycle_step.hpp"

namespace trajcore::detail {
namespace {


constexpr int kLanes = 16;
constexpr int kStepChunk = 16;
constexpr int64_t kBackwardGrain = 4;

template <class Real>
struct Kernel {
  const RolloutPlan* plan;
  BicycleConstants<Real> k;
  const Real* state0;
  const Real* controls;
  const Real* articulation0;  // may be null
  Real* states;
  int32_t* saturation;
  Real* trailer;  // null without a trailer

  const Real* state_of(int64_t row) const {
    return state0 + (plan->state_per_candidate ? row : row / plan->n) * 6;
  }
  Real articulation_of(int64_t row) const {
    if (articulation0 == nullptr) return Real(0);
    return articulation0[plan->state_per_candidate ? row : row / plan->n];
  }
};

template <class R>
BicycleState<R> initial_state(const Kernel<R>& kn, int64_t row) {
  const R* s = kn.state_of(row);
  BicycleState<R> st{s[0], s[1], wrap_input_angle(s[2]), s[3], s[4], s[5], kn.articulation_of(row),
                     0, 0, 0};
  complete_state(&st);
  return st;
}

// Rows [r0, r0 + count), count <= kLanes; spare lanes repeat row r0 with zero controls.
template <class R, bool kTrailer>
TRAJCORE_ALWAYS_INLINE bool run_block(const Kernel<R>& kn, int64_t r0, int count) {
  const int64_t T = kn.plan->steps;
  alignas(64) R x[kLanes], y[kLanes], yaw[kLanes], v[kLanes], a[kLanes], steer[kLanes],
      art[kLanes], c[kLanes], s[kLanes], tan_steer[kLanes];
  alignas(64) R jerk[kStepChunk][kLanes], rate[kStepChunk][kLanes];
  alignas(64) R out[kStepChunk][6][kLanes];
  alignas(64) R pose[kStepChunk][3][kLanes];
  alignas(64) int32_t flags[kStepChunk][kLanes];

  for (int l = 0; l < kLanes; ++l) {
    const int64_t row = r0 + (l < count ? l : 0);
    const BicycleState<R> st = initial_state(kn, row);
    x[l] = st.x, y[l] = st.y, yaw[l] = st.yaw, v[l] = st.v, a[l] = st.a, steer[l] = st.steer;
    art[l] = st.articulation, c[l] = st.c, s[l] = st.s, tan_steer[l] = st.tan_steer;
    if (l >= count) continue;
    std::copy(kn.state_of(row), kn.state_of(row) + 6, kn.states + row * (T + 1) * 6);
    if (kTrailer) trailer_pose(kn.k, st, kn.trailer + row * (T + 1) * 3);
  }

  int finite = 1;
  for (int64_t t0 = 0; t0 < T; t0 += kStepChunk) {
    const int nt = static_cast<int>(std::min<int64_t>(kStepChunk, T - t0));
    for (int l = 0; l < kLanes; ++l) {
      if (l >= count) {
        for (int tt = 0; tt < nt; ++tt) jerk[tt][l] = rate[tt][l] = R(0);
        continue;
      }
      const R* u = kn.controls + ((r0 + l) * T + t0) * 2;
      for (int tt = 0; tt < nt; ++tt) {
        jerk[tt][l] = u[2 * tt];
        rate[tt][l] = u[2 * tt + 1];
      }
    }
    for (int tt = 0; tt < nt; ++tt) {
      for (int l = 0; l < kLanes; ++l) {
        const R limit = R(3.0e38);  // also catches inf and (through the comparison) NaN
        finite &= (std::fabs(jerk[tt][l]) <= limit) & (std::fabs(rate[tt][l]) <= limit);
      }
    }
    for (int tt = 0; tt < nt; ++tt) {
      for (int l = 0; l < kLanes; ++l) {
        const BicycleState<R> in{x[l],   y[l], yaw[l], v[l],        a[l],
                                 steer[l], art[l], c[l], s[l], tan_steer[l]};
        BicycleState<R> o;
        flags[tt][l] = bicycle_step<R, kTrailer>(kn.k, in, jerk[tt][l], rate[tt][l], &o);
        x[l] = o.x, y[l] = o.y, yaw[l] = o.yaw, v[l] = o.v, a[l] = o.a, steer[l] = o.steer;
        art[l] = o.articulation, c[l] = o.c, s[l] = o.s, tan_steer[l] = o.tan_steer;
        out[tt][0][l] = o.x, out[tt][1][l] = o.y, out[tt][2][l] = o.yaw;
        out[tt][3][l] = o.v, out[tt][4][l] = o.a, out[tt][5][l] = o.steer;
        if (kTrailer) {
          R p[3];
          trailer_pose(kn.k, o, p);
          pose[tt][0][l] = p[0], pose[tt][1][l] = p[1], pose[tt][2][l] = p[2];
        }
      }
    }
    for (int l = 0; l < count; ++l) {
      const int64_t row = r0 + l;
      R* dst = kn.states + (row * (T + 1) + t0 + 1) * 6;
      int32_t* sat = kn.saturation + row * T + t0;
      for (int tt = 0; tt < nt; ++tt) {
        for (int f = 0; f < 6; ++f) dst[tt * 6 + f] = out[tt][f][l];
        sat[tt] = flags[tt][l];
      }
      if (kTrailer) {
        R* tp = kn.trailer + (row * (T + 1) + t0 + 1) * 3;
        for (int tt = 0; tt < nt; ++tt) {
          for (int f = 0; f < 3; ++f) tp[tt * 3 + f] = pose[tt][f][l];
        }
      }
    }
  }
  return finite != 0;
}

TRAJCORE_CPU_CLONES bool block_f32_car(const Kernel<float>& kn, int64_t r0, int count) {
  return run_block<float, false>(kn, r0, count);
}
TRAJCORE_CPU_CLONES bool block_f32_truck(const Kernel<float>& kn, int64_t r0, int count) {
  return run_block<float, true>(kn, r0, count);
}
bool block(const Kernel<float>& kn, int64_t r0, int count) {
  return kn.plan->trailer ? block_f32_truck(kn, r0, count) : block_f32_car(kn, r0, count);
}
bool block(const Kernel<double>& kn, int64_t r0, int count) {
  return kn.plan->trailer ? run_block<double, true>(kn, r0, count)
                          : run_block<double, false>(kn, r0, count);
}

// --- backward ----------------------------------------------------------------------------------

constexpr int kDirections = 9;  // x, y, yaw, v, a, steer, articulation; jerk, steering rate
using D = Dual<kDirections>;

BicycleState<D> seeded(const BicycleState<double>& st) {
  BicycleState<D> d{D::seed(st.x, 0), D::seed(st.y, 1), D::seed(st.yaw, 2), D::seed(st.v, 3),
                    D::seed(st.a, 4), D::seed(st.steer, 5), D::seed(st.articulation, 6), D(), D(),
                    D()};
  complete_state(&d);
  return d;
}

template <bool kTrailer>
bool backward_row(const Kernel<double>& kn, const BicycleConstants<D>& kd, int64_t row,
                  const double* grad_states, const double* grad_trailer,
                  const RolloutGradients& grads, std::vector<BicycleState<double>>& traj) {
  const int64_t T = kn.plan->steps;
  const double* u = kn.controls + row * T * 2;
  for (int64_t i = 0; i < 2 * T; ++i) {
    if (!std::isfinite(u[i])) return false;
  }
  traj.resize(static_cast<size_t>(T + 1));
  traj[0] = initial_state(kn, row);
  for (int64_t t = 0; t < T; ++t) {
    bicycle_step<double, kTrailer>(kn.k, traj[t], u[2 * t], u[2 * t + 1], &traj[t + 1]);
  }
  double lam[7] = {0, 0, 0, 0, 0, 0, 0};  // dLoss / d(state at step t), accumulated backwards
  double* g_controls = grads.controls.data + row * T * 2;
  for (int64_t t = T;; --t) {
    const double* gs = grad_states + (row * (T + 1) + t) * 6;
    for (int i = 0; i < 6; ++i) lam[i] += gs[i];
    if (kTrailer && grad_trailer != nullptr) {
      const double* gt = grad_trailer + (row * (T + 1) + t) * 3;
      D p[3];
      trailer_pose(kd, seeded(traj[t]), p);
      for (int i = 0; i < 7; ++i) lam[i] += gt[0] * p[0].d[i] + gt[1] * p[1].d[i] + gt[2] * p[2].d[i];
    }
    if (t == 0) break;
    BicycleState<D> o;
    bicycle_step<D, kTrailer>(kd, seeded(traj[t - 1]), D::seed(u[2 * (t - 1)], 7),
                              D::seed(u[2 * (t - 1) + 1], 8), &o);
    const D* outs[7] = {&o.x, &o.y, &o.yaw, &o.v, &o.a, &o.steer, &o.articulation};
    double next[kDirections] = {};
    for (int j = 0; j < 7; ++j) {
      if (lam[j] == 0) continue;
      for (int i = 0; i < kDirections; ++i) next[i] += lam[j] * outs[j]->d[i];
    }
    g_controls[2 * (t - 1)] = next[7];
    g_controls[2 * (t - 1) + 1] = next[8];
    std::copy(next, next + 7, lam);
  }
  std::copy(lam, lam + 6, grads.state0.data + row * 6);
  if (kTrailer) grads.articulation0.data[row] = lam[6];
  return true;
}

template <class Real>
Kernel<Real> make_kernel(const RolloutPlan& plan, const BasicRolloutRequest<Real>& rq,
                         const BasicRolloutOutputs<Real>& out) {
  return Kernel<Real>{&plan,
                      make_bicycle_constants<Real>(rq.params, rq.dt),
                      rq.state0.data,
                      rq.controls.data,
                      rq.articulation0.data,
                      out.states.data,
                      out.saturation.data,
                      out.trailer.data};
}

}  // namespace

template <class Real>
bool rollout_cpu(const RolloutPlan& plan, const BasicRolloutRequest<Real>& rq,
                 const BasicRolloutOutputs<Real>& out) {
  const Kernel<Real> kn = make_kernel(plan, rq, out);
  std::atomic<bool> finite{true};
  parallel_for(plan.rows, kLanes, [&](int64_t begin, int64_t end) {
    if (!block(kn, begin, static_cast<int>(end - begin))) finite.store(false);
  });
  return finite.load();
}

template bool rollout_cpu(const RolloutPlan&, const BasicRolloutRequest<float>&,
                          const BasicRolloutOutputs<float>&);
template bool rollout_cpu(const RolloutPlan&, const BasicRolloutRequest<double>&,
                          const BasicRolloutOutputs<double>&);

bool rollout_backward_cpu(const RolloutPlan& plan, const BasicRolloutRequest<double>& rq,
                          const double* grad_states, const double* grad_trailer,
                          const RolloutGradients& grads) {
  const Kernel<double> kn = make_kernel(plan, rq, BasicRolloutOutputs<double>{});
  const BicycleConstants<D> kd = make_bicycle_constants<D>(rq.params, rq.dt);
  std::atomic<bool> finite{true};
  parallel_for(plan.rows, kBackwardGrain, [&](int64_t begin, int64_t end) {
    std::vector<BicycleState<double>> traj;
    for (int64_t row = begin; row < end; ++row) {
      const bool ok = plan.trailer
                          ? backward_row<true>(kn, kd, row, grad_states, grad_trailer, grads, traj)
                          : backward_row<false>(kn, kd, row, grad_states, grad_trailer, grads, traj);
      if (!ok) finite.store(false);
    }
  });
  return finite.load();
}

}  // namespace trajcore::detail
