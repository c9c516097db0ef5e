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

// The shape checks of state0 ((scenes..., 6) or (candidates..., 6)) and of the optional
// articulation0, shared by rollout and track; true when state0 is per candidate. `other` names
// the array that fixes the candidates, `op` the entry point (in the CUDA error).
template <class Real>
bool check_initial_state(const TensorView<const Real>& state0,
                         const TensorView<const Real>& articulation0, const VehicleParams& params,
                         const Shape& scenes, const Shape& candidates, const char* other_name,
                         const Shape& other_shape, const char* op);

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
