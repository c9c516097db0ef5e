// Collision checking of ego candidate trajectories against multimodal agent predictions.
//
// Layouts (the leading scene dimension B is optional: every argument has it, or none has it,
// except ego_extent, which may be one (2,) pair for all scenes):
//   ego           (B, N, T+1, S)     candidate states; fields 0..2 are x, y, yaw (S >= 3)
//   ego_extent    (2,) or (B, 2)     length, width
//   agents        (B, M, K, T+1, 3)  predicted x, y, yaw per agent, mode and step
//   agent_extent  (B, M, 2)          length, width
//   agent_prob    (B, M, K)          mode probabilities; optional (uniform over valid modes)
//   agent_valid   (B, M), (B, M, T+1) or (B, M, K, T+1) bool; optional (all valid)
//
// Semantics (docs/collision.md has the full text):
// - Boxes are oriented rectangles tested by separating axes; touching counts. `margin` grows
//   every box by that much on each side.
// - Entries under a false agent_valid are never read: they never collide and may hold anything
//   (NaN padding included). A mode is valid if it is valid at one step or more.
// - swept: each object also moves continuously between consecutive steps (centre and heading
//   interpolated linearly), and a contact during (t-1, t] is reported at step t. The test is exact
//   while headings stay constant and conservative while they turn (by at most |delta yaw| x
//   half-diagonal per object): it never misses a contact.
// - collision_prob = 1 - prod_m (1 - sum_k p_mk [mode k of agent m collides]), agents taken as
//   independent; p is renormalised over the agent's valid modes (it must already sum to 1 within
//   kProbabilityTolerance).
// - min_clearance: the smallest signed box distance (negative = penetration depth) to any valid
//   agent mode at any step, margins included, capped at clearance_cap.
#pragma once

#include <cstdint>
#include <memory>

#include "trajcore/error.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore {

inline constexpr float kProbabilityTolerance = 1e-3f;

struct CollisionOptions {
  float margin = 0.f;           // m added to every box side, >= 0
  bool swept = false;           // also check the motion between consecutive steps
  float clearance_cap = 10.f;   // m; min_clearance never exceeds it (finite, >= 0)
  bool agent_first_step = true;  // compute CollisionResult::agent_first_step
  bool min_clearance = true;     // compute CollisionResult::min_clearance
};

struct CollisionRequest {
  TensorView<const float> ego;
  TensorView<const float> ego_extent;
  TensorView<const float> agents;
  TensorView<const float> agent_extent;
  TensorView<const float> agent_prob;  // data == nullptr: uniform over each agent's valid modes
  TensorView<const bool> agent_valid;  // data == nullptr: everything valid
  CollisionOptions options;
};

// Output shapes; an optional field switched off in the options has rank 0 and `enabled` false.
struct CollisionShapes {
  Shape collides;          // (B, N, T+1)
  Shape first_step;        // (B, N)
  Shape agent_first_step;  // (B, N, M, K)
  Shape collision_prob;    // (B, N)
  Shape min_clearance;     // (B, N)
  bool agent_first_step_enabled = true;
  bool min_clearance_enabled = true;
};

// Validates the request's shapes, devices and options (not its values) and returns the result
// shapes. Throws trajcore::Error naming the argument.
CollisionShapes collision_result_shapes(const CollisionRequest& request);

// Views of caller-owned outputs. Leave the data of a field switched off in the options null.
struct CollisionOutputs {
  TensorView<bool> collides;             // some valid agent mode overlaps the ego at step t
  TensorView<int32_t> first_step;        // first colliding step, -1 if none
  TensorView<int32_t> agent_first_step;  // first step candidate n meets mode k of agent m, or -1
  TensorView<float> collision_prob;
  TensorView<float> min_clearance;
};

// Scratch memory reused across calls: once it has served a request of some size, requests up to
// that size allocate nothing. One workspace must not be used by two calls at the same time.
class CollisionWorkspace {
 public:
  CollisionWorkspace();
  ~CollisionWorkspace();
  CollisionWorkspace(CollisionWorkspace&&) noexcept;
  CollisionWorkspace& operator=(CollisionWorkspace&&) noexcept;

  struct Impl;
  Impl& impl() { return *impl_; }
  int64_t capacity_bytes() const;

 private:
  std::unique_ptr<Impl> impl_;
};

// Owned results, reused across calls like the workspace.
struct CollisionResult {
  Tensor<bool> collides;
  Tensor<int32_t> first_step;
  Tensor<int32_t> agent_first_step;  // undefined when switched off
  Tensor<float> collision_prob;
  Tensor<float> min_clearance;       // undefined when switched off
};

// Checks every candidate against every valid agent mode. Validates everything (shapes, devices,
// values, probabilities) and throws trajcore::Error naming the argument. CPU arrays only in this
// version; results are bitwise identical for any thread count.
void check_collisions(const CollisionRequest& request, const CollisionOutputs& outputs,
                      CollisionWorkspace& workspace, Stream stream = nullptr);

// The same, into `result` (resized as needed, its memory kept across calls).
void check_collisions(const CollisionRequest& request, CollisionResult& result,
                      CollisionWorkspace& workspace);

}  // namespace trajcore
