// What the rollout entry points agree on before a kernel runs: the sizes, and the checks that
// produce them (rollout_args.cpp).
#pragma once

#include <cstdint>

#include "trajcore/rollout.hpp"

namespace trajcore::detail {

struct RolloutPlan {
  int64_t rows = 0;   // candidates over all scenes: B * N
  int64_t n = 0;      // candidates per scene
  int64_t steps = 0;  // T
  bool state_per_candidate = false;  // state0 is (B, N, 6) rather than (B, 6)
  bool trailer = false;
};

// Shapes and parameters (no values).
template <class Real>
RolloutPlan plan_rollout(const BasicRolloutRequest<Real>& request, RolloutShapes* shapes);

// state0 (finite, within the vehicle's limits) and articulation0. The kernels check the controls
// as they read them and report a non-finite one; this rescan names it.
template <class Real>
void check_rollout_values(const BasicRolloutRequest<Real>& request, const RolloutPlan& plan);
template <class Real>
[[noreturn]] void throw_invalid_controls(const BasicRolloutRequest<Real>& request);

template <class Real>
void check_rollout_outputs(const BasicRolloutRequest<Real>& request, const RolloutShapes& shapes,
                           const BasicRolloutOutputs<Real>& out);

// The kernels (rollout_cpu.cpp); inputs other than the controls are valid by now. Return false
// when a control is not finite (outputs are then unspecified).
template <class Real>
bool rollout_cpu(const RolloutPlan& plan, const BasicRolloutRequest<Real>& request,
                 const BasicRolloutOutputs<Real>& out);
bool rollout_backward_cpu(const RolloutPlan& plan, const BasicRolloutRequest<double>& request,
                          const double* grad_states, const double* grad_trailer,
                          const RolloutGradients& grads);

}  // namespace trajcore::detail
