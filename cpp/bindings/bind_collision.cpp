// Python bindings of trajcore/collision.hpp: conversion and validation only (see boundary.hpp).
#include <mutex>
#include <optional>

#include "bindings.hpp"
#include "boundary.hpp"
#include "trajcore/collision.hpp"
#include "trajcore/error.hpp"

namespace trajcore::bindings {
namespace {

// A workspace as Python sees it: calls release the GIL, so a second thread could reach the same
// workspace while the first still uses it; the lock turns that into an error instead of a race.
struct PyCollisionWorkspace {
  CollisionWorkspace workspace;
  std::mutex busy;
};

py::tuple check_collisions_py(py::handle ego, py::handle ego_extent, py::handle agents,
                              py::handle agent_extent, py::handle agent_prob,
                              py::handle agent_valid, float margin, bool swept,
                              float clearance_cap, bool compute_agent_first_step,
                              bool compute_min_clearance, PyCollisionWorkspace* workspace) {
  Call call;
  Array a_ego = call.input_floats(ego, "ego");
  Array a_ego_extent = call.input_floats(ego_extent, "ego_extent");
  Array a_agents = call.input_floats(agents, "agents");
  Array a_agent_extent = call.input_floats(agent_extent, "agent_extent");
  std::optional<Array> a_prob, a_valid;
  if (!agent_prob.is_none()) a_prob = call.input_floats(agent_prob, "agent_prob");
  if (!agent_valid.is_none()) a_valid = call.input_bools(agent_valid, "agent_valid");

  CollisionRequest request;
  request.ego = a_ego.view<const float>();
  request.ego_extent = a_ego_extent.view<const float>();
  request.agents = a_agents.view<const float>();
  request.agent_extent = a_agent_extent.view<const float>();
  if (a_prob) request.agent_prob = a_prob->view<const float>();
  if (a_valid) request.agent_valid = a_valid->view<const bool>();
  request.options.margin = margin;
  request.options.swept = swept;
  request.options.clearance_cap = clearance_cap;
  request.options.agent_first_step = compute_agent_first_step;
  request.options.min_clearance = compute_min_clearance;

  const CollisionShapes shapes = collision_result_shapes(request);
  Array collides = call.output(py::none(), "collides", shapes.collides, DType::kBool);
  Array first_step = call.output(py::none(), "first_step", shapes.first_step, DType::kInt32);
  Array prob = call.output(py::none(), "collision_prob", shapes.collision_prob, DType::kFloat32);
  std::optional<Array> agent_first, clearance;
  if (shapes.agent_first_step_enabled) {
    agent_first = call.output(py::none(), "agent_first_step", shapes.agent_first_step, DType::kInt32);
  }
  if (shapes.min_clearance_enabled) {
    clearance = call.output(py::none(), "min_clearance", shapes.min_clearance, DType::kFloat32);
  }
  CollisionOutputs outputs{collides.view<bool>(), first_step.view<int32_t>(), {},
                           prob.view<float>(), {}};
  if (agent_first) outputs.agent_first_step = agent_first->view<int32_t>();
  if (clearance) outputs.min_clearance = clearance->view<float>();

  thread_local PyCollisionWorkspace default_workspace;  // one per Python thread
  PyCollisionWorkspace& ws = workspace != nullptr ? *workspace : default_workspace;
  std::unique_lock<std::mutex> lock(ws.busy, std::try_to_lock);
  if (!lock.owns_lock()) {
    throw Error("workspace is in use by a call on another thread, expected one call at a time "
                "per CollisionWorkspace");
  }
  {
    py::gil_scoped_release nogil;
    check_collisions(request, outputs, ws.workspace, call.stream());
  }
  return py::make_tuple(collides.object, first_step.object,
                        agent_first ? agent_first->object : py::none(), prob.object,
                        clearance ? clearance->object : py::none());
}

}  // namespace

void bind_collision(py::module_& m) {
  py::class_<PyCollisionWorkspace>(m, "CollisionWorkspace",
                                   R"doc(Scratch memory reused by check_collisions calls.

Once a workspace has served a request of some size, requests up to that size allocate no scratch
memory. Use one workspace per thread at a time.)doc")
      .def(py::init<>())
      .def_property_readonly(
          "capacity_bytes",
          [](const PyCollisionWorkspace& w) { return w.workspace.capacity_bytes(); },
          "Bytes of scratch memory held.");
  m.def("_check_collisions", &check_collisions_py, py::arg("ego"), py::arg("ego_extent"),
        py::arg("agents"), py::arg("agent_extent"), py::arg("agent_prob"), py::arg("agent_valid"),
        py::arg("margin"), py::arg("swept"), py::arg("clearance_cap"),
        py::arg("compute_agent_first_step"), py::arg("compute_min_clearance"),
        py::arg("workspace").none(true),
        "check_collisions' compiled part; returns (collides, first_step, agent_first_step, "
        "collision_prob, min_clearance).");
}

}  // namespace trajcore::bindings
