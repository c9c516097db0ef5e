// Python bindings of trajcore/planner.hpp: conversion and validation only. The result lives in
// the C++ Planner; plan() returns numpy copies of it.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>

#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "boundary.hpp"
#include "numpy_copy.hpp"
#include "params.hpp"
#include "trajcore/error.hpp"
#include "trajcore/planner.hpp"

namespace trajcore::bindings {
namespace {

Planner make_planner(py::handle vehicle, py::handle tracker, py::handle profile,
                     std::vector<double> offsets, std::vector<double> speeds,
                     std::vector<double> durations, std::vector<double> speed_limit_fractions,
                     double comfortable_acceleration, int64_t steps, double dt, int64_t chunk,
                     const std::string& generator, py::handle pdm, py::handle emergency,
                     double stop_gap, bool comfortable_first) {
  PlannerConfig c;
  c.stop_gap = stop_gap;
  c.comfortable_first = comfortable_first;
  if (generator == "frenet_lattice") {
    c.generator = CandidateGenerator::kFrenetLattice;
  } else if (generator == "pdm_proposals") {
    c.generator = CandidateGenerator::kPdmProposals;
  } else {
    throw Error("generator is '" + generator + "', expected 'frenet_lattice' or 'pdm_proposals'");
  }
  c.pdm.offsets = pdm.attr("offsets").cast<std::vector<double>>();
  c.pdm.speed_fractions = pdm.attr("speed_fractions").cast<std::vector<double>>();
  c.pdm.fallback_speed_limit = pdm.attr("fallback_speed_limit").cast<double>();
  c.pdm.idm = idm_params_from_py(pdm.attr("idm"));
  c.emergency.enabled = emergency.attr("enabled").cast<bool>();
  c.emergency.on_fallback = emergency.attr("on_fallback").cast<bool>();
  c.emergency.deceleration = emergency.attr("deceleration").cast<double>();
  c.emergency.time_to_infraction = emergency.attr("time_to_infraction").cast<double>();
  c.emergency.max_speed = emergency.attr("max_speed").cast<double>();
  c.emergency.min_probability = emergency.attr("min_probability").cast<double>();
  c.vehicle = vehicle_params_from_py(vehicle);
  c.tracker = tracker_params_from_py(tracker);
  c.profile = scoring_profile_from_py(profile);
  c.lattice.lateral_offsets = std::move(offsets);
  c.lattice.target_speeds = std::move(speeds);
  c.lattice.durations = std::move(durations);
  c.lattice.speed_limit_fractions = std::move(speed_limit_fractions);
  c.lattice.comfortable_acceleration = comfortable_acceleration;
  c.steps = steps;
  c.dt = dt;
  c.chunk = chunk;
  return Planner(std::move(c));
}

// A Planner as Python sees it. plan() releases the GIL and the result lives in the Planner until
// the next cycle, so calls on one object from several threads are serialised: each waits
// (without the GIL) for the one before to finish and copy its result. Separate objects plan in
// parallel.
struct PyPlanner {
  explicit PyPlanner(Planner p) : planner(std::move(p)) {}
  Planner planner;
  std::mutex busy;
};

py::dict plan_py(PyPlanner& self, py::handle ego_state, py::handle agents, py::handle agent_extent,
                 py::handle agent_type, py::handle agent_prob, py::handle agent_valid,
                 py::handle ignored, py::handle route_lanes, py::handle previous,
                 int32_t previous_shift, py::handle red_lanes, const RoadMap& road_map,
                 const ReferenceLine& reference_line, double deadline_ms) {
  Call call;
  Array ego = call.input_floats(ego_state, "ego_state");
  Array ag = call.input_floats(agents, "agents");
  Array ex = call.input_floats(agent_extent, "agent_extent");
  Array ty = call.input_ints(agent_type, "agent_type", "AgentType values");
  PlanScene scene;
  scene.ego_state = ego.view<const float>();
  scene.agents = ag.view<const float>();
  scene.agent_extent = ex.view<const float>();
  scene.agent_type = ty.view<const int32_t>();
  Array pr = call.optional_floats(agent_prob, "agent_prob");
  Array va = call.optional_bools(agent_valid, "agent_valid");
  Array ig = call.optional_bools(ignored, "ignored");
  scene.agent_prob = pr.view<const float>();
  scene.agent_valid = va.view<const bool>();
  scene.ignored = ig.view<const bool>();
  Array rl;
  if (!route_lanes.is_none()) {
    rl = call.input_ints(route_lanes, "route_lanes", "lane indices");
    scene.route_lanes = rl.view<const int32_t>();
  }
  Array pv = call.optional_floats(previous, "previous");
  scene.previous = pv.view<const float>();
  scene.previous_shift = previous_shift;
  Array red;
  if (!red_lanes.is_none()) {
    red = call.input_ints(red_lanes, "red_lanes", "lane indices");
    scene.red_lanes = red.view<const int32_t>();
  }
  scene.road_map = &road_map;
  scene.reference_line = &reference_line;
  const PlanResult* r;
  std::unique_lock<std::mutex> lock(self.busy, std::defer_lock);
  {
    py::gil_scoped_release nogil;  // wait for the object without blocking other Python threads
    lock.lock();
    r = &self.planner.plan(scene, deadline_ms);
  }
  py::dict d;
  d["chosen"] = r->chosen;
  d["deadline_reached"] = r->deadline_reached;
  d["fallback"] = r->fallback;
  d["emergency_brake"] = r->emergency_brake;
  d["emergency_reason"] = static_cast<int32_t>(r->emergency_reason);
  py::array_t<float> trajectory({r->trajectory.shape[0], r->trajectory.shape[1]});
  std::copy(r->trajectory.data, r->trajectory.data + r->trajectory.numel(),
            trajectory.mutable_data());
  d["trajectory"] = trajectory;
  d["scored"] = r->scored;
  d["scores"] = score_result_dict(r->scores);
  d["reasons"] = to_numpy(r->reasons);
  py::dict c;
  c["states"] = to_numpy(r->candidates.states);
  c["saturation"] = to_numpy(r->candidates.saturation);
  c["controls"] = to_numpy(r->candidates.controls);
  c["trailer"] = r->candidates.trailer.defined() ? py::object(to_numpy(r->candidates.trailer))
                                                 : py::object(py::none());
  c["references"] = to_numpy(r->candidates.references);
  c["offsets"] = to_numpy(r->candidates.offsets);
  c["target_speeds"] = to_numpy(r->candidates.target_speeds);
  c["durations"] = to_numpy(r->candidates.durations);
  d["candidates"] = c;
  py::dict t;
  t["generate_ms"] = r->timings.generate_ms;
  t["score_ms"] = r->timings.score_ms;
  t["select_ms"] = r->timings.select_ms;
  t["total_ms"] = r->timings.total_ms;
  d["timings"] = t;
  return d;
}

}  // namespace

void bind_planner(py::module_& m) {
  py::class_<PyPlanner>(m, "_Planner")
      .def(py::init([](py::handle vehicle, py::handle tracker, py::handle profile,
                       std::vector<double> offsets, std::vector<double> speeds,
                       std::vector<double> durations, std::vector<double> speed_limit_fractions,
                       double comfortable_acceleration, int64_t steps, double dt, int64_t chunk,
                       const std::string& generator, py::handle pdm, py::handle emergency,
                       double stop_gap, bool comfortable_first) {
             return std::make_unique<PyPlanner>(make_planner(
                 vehicle, tracker, profile, std::move(offsets), std::move(speeds),
                 std::move(durations), std::move(speed_limit_fractions),
                 comfortable_acceleration, steps, dt, chunk,
                 generator, pdm, emergency, stop_gap, comfortable_first));
           }),
           py::arg("vehicle"), py::arg("tracker"), py::arg("profile"), py::arg("lateral_offsets"),
           py::arg("target_speeds"), py::arg("durations"), py::arg("speed_limit_fractions"),
           py::arg("comfortable_acceleration"),
           py::arg("steps"), py::arg("dt"),
           py::arg("chunk"), py::arg("generator"), py::arg("pdm"), py::arg("emergency"),
           py::arg("stop_gap"), py::arg("comfortable_first"))
      .def_property_readonly("candidate_count",
                             [](const PyPlanner& p) { return p.planner.candidate_count(); })
      .def_property_readonly("max_candidate_count",
                             [](const PyPlanner& p) { return p.planner.max_candidate_count(); })
      .def("plan", &plan_py, py::arg("ego_state"), py::arg("agents"), py::arg("agent_extent"),
           py::arg("agent_type"), py::arg("agent_prob"), py::arg("agent_valid"), py::arg("ignored"),
           py::arg("route_lanes"), py::arg("previous"), py::arg("previous_shift"),
           py::arg("red_lanes"), py::arg("road_map"), py::arg("reference_line"),
           py::arg("deadline_ms"));
}

}  // namespace trajcore::bindings
