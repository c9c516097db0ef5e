// The tracking entry points: argument checks (track_args.cpp), then the CPU kernel.
#include "trajcore/track.hpp"

#include "track_plan.hpp"

namespace trajcore {
namespace {

template <class Real>
void track_impl(const BasicTrackRequest<Real>& request, const BasicTrackOutputs<Real>& out) {
  TrackShapes shapes;
  const detail::TrackPlan plan = detail::plan_track(request, &shapes);
  detail::check_track_values(request);
  detail::check_track_outputs(request, shapes, out);
  if (!detail::track_cpu(plan, request, out)) detail::throw_invalid_references(request);
}

}  // namespace

template <class Real>
TrackShapes track_shapes(const BasicTrackRequest<Real>& request) {
  TrackShapes shapes;
  detail::plan_track(request, &shapes);
  return shapes;
}
template TrackShapes track_shapes(const BasicTrackRequest<float>&);
template TrackShapes track_shapes(const BasicTrackRequest<double>&);

void track(const BasicTrackRequest<float>& request, const BasicTrackOutputs<float>& out, Stream) {
  track_impl(request, out);
}

void track(const BasicTrackRequest<double>& request, const BasicTrackOutputs<double>& out,
           Stream) {
  track_impl(request, out);
}

void track(const BasicTrackRequest<float>& request, TrackResult& result) {
  const TrackShapes shapes = track_shapes(request);
  result.states.resize(shapes.states);
  result.saturation.resize(shapes.saturation);
  result.controls.resize(shapes.controls);
  if (request.params.has_trailer) {
    result.trailer.resize(shapes.trailer);
  } else {
    result.trailer.reset();
  }
  track(request, TrackOutputs{result.states.view(), result.saturation.view(),
                              result.controls.view(),
                              result.trailer.defined() ? result.trailer.view()
                                                       : TensorView<float>{}});
}

}  // namespace trajcore
