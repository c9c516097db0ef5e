// What the tracking entry points agree on before a kernel runs: the sizes, and the checks that
// produce them (track_args.cpp).
#pragma once

#include <cstdint>

#include "trajcore/track.hpp"

namespace trajcore::detail {

// The fastest reference a vehicle is asked to follow (m/s): far beyond any vehicle or glitch in
// a log, and small enough that the controllers' float32 arithmetic stays finite (a reference
// speed of 3e37 m/s turned the LQR's gains into NaN; squares overflow near 1e19). Reference
// speeds, given or implied by consecutive poses, beyond it are refused.
constexpr double kMaxReferenceSpeed = 1e6;

struct TrackPlan {
  int64_t rows = 0;                  // candidates over all scenes: B * N
  int64_t n = 0;                     // candidates per scene
  int64_t steps = 0;                 // T
  int64_t fields = 0;                // C: columns of a reference (3, 4 or 6)
  bool state_per_candidate = false;  // state0 is (B, N, 6) rather than (B, 6)
  bool trailer = false;
  double max_step = 0;  // kMaxReferenceSpeed * dt: the longest move between consecutive poses
};

// Shapes and parameters (no values).
template <class Real>
TrackPlan plan_track(const BasicTrackRequest<Real>& request, TrackShapes* shapes);

// state0 and articulation0 (finite, within the vehicle's limits). The kernel checks the
// references as it reads them (finite, speeds within kMaxReferenceSpeed) and reports a defect;
// this rescan names it.
template <class Real>
void check_track_values(const BasicTrackRequest<Real>& request);
template <class Real>
[[noreturn]] void throw_invalid_references(const BasicTrackRequest<Real>& request);

template <class Real>
void check_track_outputs(const BasicTrackRequest<Real>& request, const TrackShapes& shapes,
                         const BasicTrackOutputs<Real>& out);

// The kernel (track_cpu.cpp); false when a reference value is not finite.
template <class Real>
bool track_cpu(const TrackPlan& plan, const BasicTrackRequest<Real>& request,
               const BasicTrackOutputs<Real>& out);

}  // namespace trajcore::detail
