// Scoring: the metrics of one profile and their aggregation.
#include "trajcore/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "trajcore/collision.hpp"
#include "trajcore/collision_metrics.hpp"
#include "parallel.hpp"
#include "score_aggregate.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

void check_weight(double w, const char* name) {
  if (!(w >= 0) || !std::isfinite(w)) {
    throw Error(std::string("profile.") + name + " is " + detail::value_str(w) +
                ", expected a finite weight >= 0");
  }
}

template <class T>
void resize(Tensor<T>& t, const Shape& shape) {
  if (!t.defined() || t.shape() != shape) t.resize(shape);
}

}  // namespace

ScoringProfile ScoringProfile::named(const std::string& name) {
  ScoringProfile p;
  p.name = name;
  if (name == "pdm_closed") return p;
  if (name == "navsim_pdms") {
    p.gate_driving_direction = false;
    p.progress_threshold = 5.0;
    p.clip_progress = true;
    return p;
  }
  if (name == "trajcore_default") {
    p.use_probabilities = true;
    p.clip_progress = true;
    p.comfort.lateral = LateralAcceleration::kSpeedTimesYawRate;
    return p;
  }
  throw Error("profile is '" + name +
              "', expected one of 'pdm_closed', 'navsim_pdms', 'trajcore_default'");
}

void validate(const ScoringProfile& p) {
  check_weight(p.weight_progress, "weight_progress");
  check_weight(p.weight_ttc, "weight_ttc");
  check_weight(p.weight_comfort, "weight_comfort");
  if (p.weight_progress + p.weight_ttc + p.weight_comfort <= 0) {
    throw Error("profile weights are all 0, expected at least one positive weight");
  }
  if (!(p.drivable_tolerance >= 0)) {
    throw Error("profile.drivable_tolerance is " + detail::value_str(p.drivable_tolerance) +
                ", expected >= 0 metres");
  }
  if (!(p.progress_threshold >= 0)) {
    throw Error("profile.progress_threshold is " + detail::value_str(p.progress_threshold) +
                ", expected >= 0 metres");
  }
}

namespace {

// Buffers and sub-requests of score, kept per thread so that warm calls do not allocate.
struct ScoreBuffers {
  std::vector<float> wrong_way, uniform, at_fault_prob, ttc_prob;
  EgoAreaRequest areas;
  TtcRequest ttc;
  CollisionWorkspace workspace;
  CollisionResult contacts;
};

}  // namespace

void score(const ScoreRequest& rq, ScoreResult& out) {
  thread_local ScoreBuffers buf;
  validate(rq.profile);
  const ScoringProfile& pr = rq.profile;
  if (rq.road_map == nullptr) throw Error("road_map is null, expected a RoadMap");
  if (rq.centerline == nullptr) throw Error("centerline is null, expected a ReferenceLine");
  const Shape& s = rq.states.shape;
  if (rq.states.data == nullptr || (s.rank() != 3 && s.rank() != 4) || s.back() < 5) {
    throw Error("states has shape " + s.str() + ", expected (B, N, T+1, S) with S >= 5");
  }
  const bool batched = s.rank() == 4;
  const int64_t B = batched ? s[0] : 1, N = s[s.rank() - 3], T1 = s[s.rank() - 2], S = s.back();
  const Shape per_candidate = s.without_last().without_last();
  const Shape per_step = s.without_last();

  // Map metrics.
  resize(out.areas, per_step);
  EgoAreaRequest& area_rq = buf.areas;  // assigning reuses route_lanes' capacity
  area_rq.states = rq.states;
  area_rq.length = rq.length;
  area_rq.width = rq.width;
  area_rq.road_map = rq.road_map;
  area_rq.route_lanes = rq.route_lanes;
  area_rq.drivable_tolerance = pr.drivable_tolerance;
  ego_areas(area_rq, out.areas.view());
  for (auto* t : {&out.total, &out.no_collision, &out.drivable_area, &out.driving_direction,
                  &out.progress, &out.progress_m, &out.ttc, &out.comfort}) {
    resize(*t, per_candidate);
  }
  for (auto* t : {&out.collision_step, &out.drivable_area_step, &out.driving_direction_step,
                  &out.ttc_step, &out.comfort_step, &out.comfort_failed}) {
    resize(*t, per_candidate);
  }
  const TensorView<const int32_t> areas{out.areas.data(), per_step, {}};
  drivable_area_compliance(areas, out.drivable_area.view(), out.drivable_area_step.view());
  DrivingDirectionRequest ddc;
  ddc.states = rq.states;
  ddc.areas = areas;
  ddc.road_map = rq.road_map;
  ddc.rule = pr.direction_rule;
  ddc.window = pr.direction_window;
  ddc.skip_intersections = pr.direction_skip_intersections;
  ddc.compliance_threshold = pr.direction_compliance_threshold;
  ddc.violation_threshold = pr.direction_violation_threshold;
  std::vector<float>& wrong_way = buf.wrong_way;
  wrong_way.resize(static_cast<size_t>(B * N));
  driving_direction_compliance(ddc, {out.driving_direction.view(),
                                     {wrong_way.data(), per_candidate, {}},
                                     out.driving_direction_step.view()});

  // Collisions: first contacts, then nuPlan's classification; time to collision.
  const float extent[2] = {rq.length, rq.width};
  CollisionRequest cr;
  cr.ego = rq.states;
  cr.ego_extent = {extent, Shape{2}, {}};
  cr.agents = rq.agents;
  cr.agent_extent = rq.agent_extent;
  cr.agent_prob = rq.agent_prob;
  cr.agent_valid = rq.agent_valid;
  cr.options.min_clearance = false;
  CollisionResult& contacts = buf.contacts;
  check_collisions(cr, contacts, buf.workspace);
  const Shape& a = rq.agents.shape;
  const int64_t M = a[a.rank() - 4], K = a[a.rank() - 3];
  // Mode probabilities for the probabilistic sub-scores: given, or uniform over the modes.
  std::vector<float>& uniform = buf.uniform;
  TensorView<const float> prob = rq.agent_prob;
  if (prob.data == nullptr) {
    // (At least one element: a scene without agents still needs a non-null view.)
    uniform.assign(static_cast<size_t>(std::max<int64_t>(B * M * K, 1)),
                   K > 0 ? 1.0f / static_cast<float>(K) : 0.0f);
    Shape ps;
    if (batched) ps.push_back(B);
    ps.push_back(M);
    ps.push_back(K);
    prob = {uniform.data(), ps, {}};
  }
  Shape types = per_candidate;
  types.push_back(M);
  types.push_back(K);
  resize(out.collision_type, types);
  std::vector<float>& at_fault_prob = buf.at_fault_prob;
  std::vector<float>& ttc_prob = buf.ttc_prob;
  at_fault_prob.resize(static_cast<size_t>(B * N));
  ttc_prob.resize(static_cast<size_t>(B * N));
  AtFaultRequest af;
  af.states = rq.states;
  af.areas = areas;
  af.agents = rq.agents;
  af.agent_extent = rq.agent_extent;
  af.agent_type = rq.agent_type;
  af.agent_first_step = {contacts.agent_first_step.data(), contacts.agent_first_step.shape(), {}};
  af.agent_prob = prob;
  af.ignored = rq.ignored;
  af.length = rq.length;
  af.width = rq.width;
  af.rear_axle_to_center = rq.rear_axle_to_center;
  af.dt = rq.dt;
  af.stopped_speed = pr.collision_stopped_speed;
  at_fault_collisions(af, {out.no_collision.view(),
                           {at_fault_prob.data(), per_candidate, {}},
                           out.collision_step.view(),
                           out.collision_type.view()});
  TtcRequest& ttc = buf.ttc;  // assigning reuses projection_steps' capacity
  ttc.states = rq.states;
  ttc.areas = areas;
  ttc.agents = rq.agents;
  ttc.agent_extent = rq.agent_extent;
  ttc.agent_prob = prob;
  ttc.agent_valid = rq.agent_valid;
  ttc.ignored = rq.ignored;
  ttc.length = rq.length;
  ttc.width = rq.width;
  ttc.rear_axle_to_center = rq.rear_axle_to_center;
  ttc.dt = rq.dt;
  ttc.projection_steps = pr.ttc_projection_steps;
  ttc.stopped_speed = pr.ttc_stopped_speed;
  time_to_collision(ttc,
                    {out.ttc.view(), {ttc_prob.data(), per_candidate, {}}, out.ttc_step.view()});
  if (pr.use_probabilities) {
    for (int64_t i = 0; i < B * N; ++i) {
      out.no_collision.data()[i] = 1.0f - at_fault_prob[i];
      out.ttc.data()[i] = 1.0f - ttc_prob[i];
    }
  }
  comfort(rq.states, rq.dt, pr.comfort,
          {out.comfort.view(), out.comfort_failed.view(), out.comfort_step.view(), {}});

  // Progress along the centreline, projections clamped to it.
  if (rq.progress_reference.data != nullptr) {
    Shape want;
    if (batched) want.push_back(B);
    if (rq.progress_reference.shape != (batched ? want : Shape{})) {
      throw Error("progress_reference has shape " + rq.progress_reference.shape.str() +
                  ", expected " + (batched ? want.str() : std::string("()")) + " = (B)");
    }
  }
  const double length = rq.centerline->length();
  auto station = [&](const float* st) {
    double sx, dx;
    rq.centerline->project(st[0], st[1], &sx, &dx);
    return std::clamp(sx, 0.0, length);
  };
  const float* states = rq.states.data;
  float* progress_m = out.progress_m.data();
  detail::parallel_for(B * N, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* first = states + (i * T1) * S;
      const float* last = states + (i * T1 + T1 - 1) * S;
      progress_m[i] = static_cast<float>(station(last) - station(first));
    }
  });
  aggregate_scores(pr, rq.progress_reference, out);
}

void aggregate_scores(const ScoringProfile& pr, TensorView<const float> progress_reference,
                      ScoreResult& out, int64_t scored) {
  const Shape& shape = out.total.shape();
  if (!out.total.defined() || shape.rank() < 1) {
    throw Error("aggregate_scores needs a result whose metrics have run (total is undefined)");
  }
  const int64_t N = shape[shape.rank() - 1], B = shape.numel() / std::max<int64_t>(N, 1);
  const int64_t count = scored < 0 ? N : std::min(scored, N);
  thread_local std::vector<double> gates_storage, gated_storage;
  std::vector<double>& gates = gates_storage;
  std::vector<double>& gated = gated_storage;
  gates.resize(static_cast<size_t>(N));
  gated.resize(static_cast<size_t>(N));
  const double wsum = pr.weight_progress + pr.weight_ttc + pr.weight_comfort;
  for (int64_t b = 0; b < B; ++b) {
    double best = progress_reference.data != nullptr ? progress_reference.data[b]
                                                     : -std::numeric_limits<double>::infinity();
    for (int64_t n = 0; n < count; ++n) {
      const int64_t i = b * N + n;
      const double raw = out.progress_m.data()[i];
      double g = 1.0;
      if (pr.gate_collision) g *= out.no_collision.data()[i];
      if (pr.gate_drivable_area) g *= out.drivable_area.data()[i];
      if (pr.gate_driving_direction) g *= out.driving_direction.data()[i];
      gates[n] = g;
      gated[n] = (pr.clip_progress ? std::max(raw, 0.0) : raw) * g;
      best = std::max(best, gated[n]);
    }
    for (int64_t n = 0; n < count; ++n) {
      const int64_t i = b * N + n;
      double progress;
      if (best > pr.progress_threshold) {
        progress = gated[n] / best;
        if (pr.clip_progress) progress = std::clamp(progress, 0.0, 1.0);
      } else {
        progress = gates[n] == 0.0 ? 0.0 : 1.0;
      }
      out.progress.data()[i] = static_cast<float>(progress);
      const double weighted = (pr.weight_progress * progress + pr.weight_ttc * out.ttc.data()[i] +
                               pr.weight_comfort * out.comfort.data()[i]) /
                              wsum;
      out.total.data()[i] = static_cast<float>(gates[n] * weighted);
    }
  }
}

}  // namespace trajcore
