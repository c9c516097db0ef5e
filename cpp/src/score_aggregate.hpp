// The aggregation step of trajcore::score on its own (internal: the planner's chunked scoring).
#pragma once

#include <cstdint>

#include "trajcore/scoring.hpp"

namespace trajcore {

// Progress (normalised, rule kSceneBest) and total recomputed from the sub-scores and progress_m
// in `result`, over the first `scored` candidates of each scene (all with -1). With `human` (the
// expert scored alone, one candidate per scene), the human filter is applied to the sub-scores
// before the totals.
void aggregate_scores(const ScoringProfile& profile, TensorView<const float> progress_reference,
                      ScoreResult& result, int64_t scored = -1,
                      const ScoreResult* human = nullptr);

}  // namespace trajcore
