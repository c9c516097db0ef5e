// The rollout entry points: argument checks (rollout_args.cpp), then the CPU kernels.
#include "trajcore/rollout.hpp"

#include "rollout_plan.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

template <class Real>
void rollout_impl(const BasicRolloutRequest<Real>& request, const BasicRolloutOutputs<Real>& out) {
  RolloutShapes shapes;
  const detail::RolloutPlan plan = detail::plan_rollout(request, &shapes);
  detail::check_rollout_values(request, plan);
  detail::check_rollout_outputs(request, shapes, out);
  if (!detail::rollout_cpu(plan, request, out)) detail::throw_invalid_controls(request);
}

}  // namespace

template <class Real>
RolloutShapes rollout_shapes(const BasicRolloutRequest<Real>& request) {
  RolloutShapes shapes;
  detail::plan_rollout(request, &shapes);
  return shapes;
}
template RolloutShapes rollout_shapes(const BasicRolloutRequest<float>&);
template RolloutShapes rollout_shapes(const BasicRolloutRequest<double>&);

void rollout(const BasicRolloutRequest<float>& request, const BasicRolloutOutputs<float>& out,
             Stream) {
  rollout_impl(request, out);
}

void rollout(const BasicRolloutRequest<double>& request, const BasicRolloutOutputs<double>& out,
             Stream) {
  rollout_impl(request, out);
}

void rollout(const BasicRolloutRequest<float>& request, RolloutResult& result) {
  const RolloutShapes shapes = rollout_shapes(request);
  result.states.resize(shapes.states);
  result.saturation.resize(shapes.saturation);
  if (request.params.has_trailer) {
    result.trailer.resize(shapes.trailer);
  } else {
    result.trailer.reset();
  }
  rollout(request, RolloutOutputs{result.states.view(), result.saturation.view(),
                                  result.trailer.defined() ? result.trailer.view()
                                                           : TensorView<float>{}});
}

void rollout_backward(const BasicRolloutRequest<double>& request,
                      TensorView<const double> grad_states, TensorView<const double> grad_trailer,
                      const RolloutGradients& grads) {
  RolloutShapes shapes;
  const detail::RolloutPlan plan = detail::plan_rollout(request, &shapes);
  detail::check_rollout_values(request, plan);
  const Device cpu;
  detail::check_output(grad_states.shape, grad_states.data, grad_states.device, "grad_states",
                       shapes.states, cpu);
  if (grad_trailer.data != nullptr) {
    if (!plan.trailer) {
      throw Error("grad_trailer is given, but params has no trailer (has_trailer is false)");
    }
    detail::check_output(grad_trailer.shape, grad_trailer.data, grad_trailer.device,
                         "grad_trailer", shapes.trailer, cpu);
  }
  Shape per_candidate = shapes.saturation.without_last();
  Shape state_shape = per_candidate;
  state_shape.push_back(6);
  detail::check_output(grads.state0.shape, grads.state0.data, grads.state0.device, "grad_state0",
                       state_shape, cpu);
  Shape control_shape = shapes.saturation;
  control_shape.push_back(2);
  detail::check_output(grads.controls.shape, grads.controls.data, grads.controls.device,
                       "grad_controls", control_shape, cpu);
  if (plan.trailer) {
    detail::check_output(grads.articulation0.shape, grads.articulation0.data,
                         grads.articulation0.device, "grad_articulation0", per_candidate, cpu);
  }
  if (!detail::rollout_backward_cpu(plan, request, grad_states.data, grad_trailer.data, grads)) {
    detail::throw_invalid_controls(request);
  }
}

}  // namespace trajcore
