// check_collisions: argument checks (collision_args.cpp), then the CPU kernels.
#include <string>

#include "collision_plan.hpp"
#include "collision_workspace.hpp"
#include "validate.hpp"

namespace trajcore {

CollisionWorkspace::CollisionWorkspace() : impl_(std::make_unique<Impl>()) {}
CollisionWorkspace::~CollisionWorkspace() = default;
CollisionWorkspace::CollisionWorkspace(CollisionWorkspace&&) noexcept = default;
CollisionWorkspace& CollisionWorkspace::operator=(CollisionWorkspace&&) noexcept = default;
int64_t CollisionWorkspace::capacity_bytes() const { return impl_->bytes(); }

CollisionShapes collision_result_shapes(const CollisionRequest& request) {
  return detail::result_shapes(detail::plan_collisions(request), request.options);
}

namespace {

template <class T>
detail::ByteRange bytes_of(const TensorView<T>& v) {
  return {v.data, v.data ? v.numel() * static_cast<int64_t>(sizeof(T)) : 0};
}

// Every enabled output has its expected shape and device, disabled ones are null, and no output
// shares memory with an input or another output.
void check_outputs(const CollisionRequest& r, const CollisionShapes& shapes,
                   const CollisionOutputs& out) {
  const Device device = r.agents.device;
  detail::check_output(out.collides.shape, out.collides.data, out.collides.device, "collides",
                       shapes.collides, device);
  detail::check_output(out.first_step.shape, out.first_step.data, out.first_step.device,
                       "first_step", shapes.first_step, device);
  detail::check_output(out.collision_prob.shape, out.collision_prob.data,
                       out.collision_prob.device, "collision_prob", shapes.collision_prob, device);
  auto optional = [&](const auto& v, const char* name, bool enabled, const Shape& shape) {
    if (enabled) {
      detail::check_output(v.shape, v.data, v.device, name, shape, device);
    } else if (v.data != nullptr) {
      throw Error(std::string(name) + " was given, but its option is off: expected no array");
    }
  };
  optional(out.agent_first_step, "agent_first_step", shapes.agent_first_step_enabled,
           shapes.agent_first_step);
  optional(out.min_clearance, "min_clearance", shapes.min_clearance_enabled, shapes.min_clearance);

  const detail::ByteRange outputs[] = {bytes_of(out.collides), bytes_of(out.first_step),
                                       bytes_of(out.agent_first_step),
                                       bytes_of(out.collision_prob), bytes_of(out.min_clearance)};
  const char* output_names[] = {"collides", "first_step", "agent_first_step", "collision_prob",
                                "min_clearance"};
  const detail::ByteRange inputs[] = {bytes_of(r.ego), bytes_of(r.ego_extent), bytes_of(r.agents),
                                      bytes_of(r.agent_extent), bytes_of(r.agent_prob),
                                      bytes_of(r.agent_valid)};
  const char* input_names[] = {"ego", "ego_extent", "agents", "agent_extent", "agent_prob",
                               "agent_valid"};
  for (int o = 0; o < 5; ++o) {
    if (outputs[o].bytes == 0) continue;
    for (int i = 0; i < 6; ++i) {
      if (inputs[i].bytes > 0) {
        detail::check_no_overlap(outputs[o], output_names[o], inputs[i], input_names[i]);
      }
    }
    for (int j = 0; j < o; ++j) {
      if (outputs[j].bytes > 0) {
        detail::check_no_overlap(outputs[o], output_names[o], outputs[j], output_names[j]);
      }
    }
  }
}

}  // namespace

void check_collisions(const CollisionRequest& request, const CollisionOutputs& outputs,
                      CollisionWorkspace& workspace, Stream stream) {
  (void)stream;  // CPU only in this version (plan_collisions rejects CUDA arrays)
  const detail::CollisionPlan plan = detail::plan_collisions(request);
  check_outputs(request, detail::result_shapes(plan, request.options), outputs);
  detail::check_extents(request, plan);
  detail::check_collisions_cpu(request, plan, outputs, workspace.impl());
}

void check_collisions(const CollisionRequest& request, CollisionResult& result,
                      CollisionWorkspace& workspace) {
  const CollisionShapes shapes = collision_result_shapes(request);
  result.collides.resize(shapes.collides);
  result.first_step.resize(shapes.first_step);
  result.collision_prob.resize(shapes.collision_prob);
  if (shapes.agent_first_step_enabled) {
    result.agent_first_step.resize(shapes.agent_first_step);
  } else {
    result.agent_first_step.reset();
  }
  if (shapes.min_clearance_enabled) {
    result.min_clearance.resize(shapes.min_clearance);
  } else {
    result.min_clearance.reset();
  }
  const CollisionOutputs outputs{result.collides.view(), result.first_step.view(),
                                 result.agent_first_step.view(), result.collision_prob.view(),
                                 result.min_clearance.view()};
  check_collisions(request, outputs, workspace);
}

}  // namespace trajcore
