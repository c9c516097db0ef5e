// The argument checks of at_fault_collisions, shared with the time-to-collision metrics (which
// take the same states, areas and agents).
#pragma once

#include <cstdint>

#include "trajcore/collision_metrics.hpp"

namespace trajcore::detail {

struct AtFaultDims {
  int64_t B, N, T1, S, M, K;
};

// Shapes, finite values, agent types, first steps, ego extent, dt and outputs; throws
// trajcore::Error naming the argument.
AtFaultDims check_at_fault(const AtFaultRequest& request, const AtFaultOutputs& out);

}  // namespace trajcore::detail
