// The CPU collision kernels' scratch memory (behind trajcore::CollisionWorkspace).
#pragma once

#include <cstdint>
#include <vector>

#include "aligned_vector.hpp"
#include "collision_plan.hpp"

namespace trajcore {

struct CollisionWorkspace::Impl {
  // Per agent mode, fields over steps in structure-of-arrays form (collision_cpu.cpp: a lead
  // block whose last slot is step -1, then the steps padded to whole windows): x, y, cos, sin,
  // turn growth, valid, swept-valid. Candidates' tracks live in per-thread scratch.
  detail::AlignedVector<float> agent_tracks;
  // Axis-aligned bounds per object and time window (min x, max x, min y, max y), and per scene,
  // window and agent the union over its modes (four rows of M each).
  std::vector<float> mode_bounds, agent_bounds;
  std::vector<float> agent_half, scene_half;  // half length, half width (margins included)
  std::vector<uint8_t> mode_valid;            // (B, M, K): valid at one step or more
  std::vector<double> prob;                   // (B, M, K) renormalised over valid modes
  std::vector<char> chunk_ok;

  // A copy of the inputs the agent tracks above were prepared from. A call with the same
  // agents (a planner scoring its candidates in chunks, time to collision's projections) finds
  // them equal and skips the preparation: comparing is far cheaper than preparing.
  struct PreparedFrom {
    bool ready = false;
    int64_t B = 0, M = 0, K = 0, T1 = 0;
    detail::ValidForm valid_form = detail::ValidForm::kNone;
    bool swept = false;
    std::vector<float> agents, half;
    std::vector<uint8_t> valid;
  } prepared_from;

  int64_t bytes() const;
};

namespace detail {

// Fills `outputs` (all checked) for a CPU request.
void check_collisions_cpu(const CollisionRequest& request, const CollisionPlan& plan,
                          const CollisionOutputs& outputs, CollisionWorkspace::Impl& ws);

}  // namespace detail
}  // namespace trajcore
