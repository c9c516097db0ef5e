// What check_collisions resolved from a request: dimensions, optional-argument forms, and the
// argument checks that need them. Shared by the entry point and the CPU kernels.
#pragma once

#include <cstdint>

#include "trajcore/collision.hpp"

namespace trajcore::detail {

// Which form agent_valid came in.
enum class ValidForm { kNone, kAgent, kStep, kModeStep };  // absent, (B,M), (B,M,T+1), (B,M,K,T+1)

struct CollisionPlan {
  int64_t B = 1, N = 0, T1 = 0, S = 0, M = 0, K = 0;
  bool batched = false;          // the inputs carry the scene dimension
  bool shared_ego_extent = false;  // ego_extent is (2,) for every scene
  ValidForm valid_form = ValidForm::kNone;
  bool has_prob = false;

  // agent_valid at (scene b, agent m, mode k, step t); true when absent.
  bool valid(const bool* v, int64_t b, int64_t m, int64_t k, int64_t t) const {
    switch (valid_form) {
      case ValidForm::kNone: return true;
      case ValidForm::kAgent: return v[b * M + m];
      case ValidForm::kStep: return v[(b * M + m) * T1 + t];
      case ValidForm::kModeStep: return v[((b * M + m) * K + k) * T1 + t];
    }
    return true;
  }
};

// Shapes, devices and options; throws trajcore::Error naming the argument.
CollisionPlan plan_collisions(const CollisionRequest& request);
CollisionShapes result_shapes(const CollisionPlan& plan, const CollisionOptions& options);

// Value checks, each throwing for the first offending entry (serial: they run on the error path,
// or over arrays far smaller than the poses).
void check_extents(const CollisionRequest& request, const CollisionPlan& plan);
[[noreturn]] void throw_invalid_ego(const CollisionRequest& request, const CollisionPlan& plan);
[[noreturn]] void throw_invalid_agents(const CollisionRequest& request, const CollisionPlan& plan);

// Mode probabilities renormalised over valid modes (0 for invalid ones), into `prob` (B*M*K);
// throws for a value outside [0, 1] or a sum farther than kProbabilityTolerance from 1.
void normalise_probabilities(const CollisionRequest& request, const CollisionPlan& plan,
                             const uint8_t* mode_valid, double* prob);

}  // namespace trajcore::detail
