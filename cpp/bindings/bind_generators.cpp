// Python bindings of trajcore/generators.hpp: conversion and validation only (see boundary.hpp).
// The generators fill a C++ CandidateSet; its arrays are copied once into arrays of the caller's
// library (that of ego_state).
#include <cstring>
#include <optional>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "boundary.hpp"
#include "params.hpp"
#include "trajcore/error.hpp"
#include "trajcore/generators.hpp"

namespace trajcore::bindings {
namespace {

// Arrays of the caller's library for N candidates, and views of them for the C++ generators.
struct CandidateArrays {
  std::vector<Array> arrays;  // states, saturation, controls, references, 3 x metadata, trailer
  CandidateOutputs views;

  CandidateArrays(Call& call, const Shape& ego, int64_t n, int64_t steps, bool trailer) {
    const CandidateShapes s = candidate_shapes(ego, n, steps, trailer);
    arrays.push_back(call.output(py::none(), "states", s.states, DType::kFloat32));
    arrays.push_back(call.output(py::none(), "saturation", s.saturation, DType::kInt32));
    arrays.push_back(call.output(py::none(), "controls", s.controls, DType::kFloat32));
    arrays.push_back(call.output(py::none(), "references", s.references, DType::kFloat32));
    arrays.push_back(call.output(py::none(), "offsets", s.metadata, DType::kFloat32));
    arrays.push_back(call.output(py::none(), "target_speeds", s.metadata, DType::kFloat32));
    arrays.push_back(call.output(py::none(), "durations", s.metadata, DType::kFloat32));
    if (trailer) arrays.push_back(call.output(py::none(), "trailer", s.trailer, DType::kFloat32));
    views = CandidateOutputs{arrays[0].view<float>(),
                             arrays[1].view<int32_t>(),
                             arrays[2].view<float>(),
                             trailer ? arrays[7].view<float>() : TensorView<float>{},
                             arrays[3].view<float>(),
                             arrays[4].view<float>(),
                             arrays[5].view<float>(),
                             arrays[6].view<float>()};
  }

  py::dict to_dict() const {
    py::dict d;
    const char* names[7] = {"states",  "saturation",    "controls", "references",
                            "offsets", "target_speeds", "durations"};
    for (int i = 0; i < 7; ++i) d[names[i]] = arrays[size_t(i)].object;
    d["trailer"] = arrays.size() > 7 ? arrays[7].object : py::object(py::none());
    return d;
  }
};

// The shape checks the output allocation needs before the generator validates the rest.
void check_sizes(const Array& ego, int64_t steps) {
  if (ego.shape.rank() < 1 || ego.shape.rank() > 2 || ego.shape.back() != 6) {
    throw Error("ego_state has shape " + ego.shape.str() + ", expected (B, 6) or (6)");
  }
  if (steps < 1) throw Error("T is " + std::to_string(steps) + ", expected at least 1");
}

py::dict frenet_lattice_py(py::handle ego_state, const ReferenceLine& line,
                           std::vector<double> offsets, std::vector<double> speeds,
                           std::vector<double> durations, int64_t steps, double dt,
                           py::handle params, py::handle tracker,
                           double comfortable_acceleration) {
  Call call;
  Array ego = call.input_floats(ego_state, "ego_state");
  FrenetLatticeRequest rq;
  rq.ego_state = ego.view<const float>();
  rq.reference_line = &line;
  rq.lateral_offsets = std::move(offsets);
  rq.target_speeds = std::move(speeds);
  rq.durations = std::move(durations);
  rq.comfortable_acceleration = comfortable_acceleration;
  rq.steps = steps;
  rq.dt = dt;
  rq.params = vehicle_params_from_py(params);
  rq.tracker = tracker_params_from_py(tracker);
  check_sizes(ego, steps);
  const int64_t n = int64_t(rq.lateral_offsets.size() * rq.target_speeds.size() *
                            rq.durations.size());
  CandidateArrays out(call, ego.shape, n, steps, rq.params.has_trailer);
  {
    py::gil_scoped_release nogil;
    frenet_lattice(rq, out.views);
  }
  return out.to_dict();
}

py::dict pdm_proposals_py(py::handle ego_state, const ReferenceLine& line, py::handle agent_poses,
                          py::handle agent_extents, py::handle agent_valid,
                          std::vector<double> offsets, std::vector<double> fractions,
                          double speed_limit, double stop_line, py::handle idm,
                          int64_t steps, double dt, py::handle params, py::handle tracker) {
  Call call;
  Array ego = call.input_floats(ego_state, "ego_state");
  std::optional<Array> poses, extents, valid;
  PdmProposalsRequest rq;
  rq.ego_state = ego.view<const float>();
  if (!agent_poses.is_none()) {
    poses = call.input_floats(agent_poses, "agent_poses");
    extents = call.input_floats(agent_extents, "agent_extents");
    rq.agent_poses = poses->view<const float>();
    rq.agent_extents = extents->view<const float>();
    if (!agent_valid.is_none()) {
      valid = call.input_bools(agent_valid, "agent_valid");
      rq.agent_valid = valid->view<const bool>();
    }
  }
  rq.centerline = &line;
  rq.offsets = std::move(offsets);
  rq.speed_fractions = std::move(fractions);
  rq.speed_limit = speed_limit;
  rq.stop_line = stop_line;
  rq.idm = idm_params_from_py(idm);
  rq.steps = steps;
  rq.dt = dt;
  rq.params = vehicle_params_from_py(params);
  rq.tracker = tracker_params_from_py(tracker);
  check_sizes(ego, steps);
  const int64_t n = int64_t(rq.offsets.size() * rq.speed_fractions.size());
  CandidateArrays out(call, ego.shape, n, steps, rq.params.has_trailer);
  {
    py::gil_scoped_release nogil;
    pdm_proposals(rq, out.views);
  }
  return out.to_dict();
}

}  // namespace

void bind_generators(py::module_& m) {
  m.def("_frenet_lattice", &frenet_lattice_py, py::arg("ego_state"), py::arg("line"),
        py::arg("offsets"), py::arg("speeds"), py::arg("durations"), py::arg("steps"),
        py::arg("dt"), py::arg("params"), py::arg("tracker"),
        py::arg("comfortable_acceleration"), "Frenet lattice: dict of arrays. Use trajcore.frenet_lattice.");
  m.def("_pdm_proposals", &pdm_proposals_py, py::arg("ego_state"), py::arg("line"),
        py::arg("agent_poses"), py::arg("agent_extents"), py::arg("agent_valid"),
        py::arg("offsets"), py::arg("fractions"), py::arg("speed_limit"), py::arg("stop_line"),
        py::arg("idm"), py::arg("steps"), py::arg("dt"), py::arg("params"), py::arg("tracker"),
        "PDM-Closed proposals: dict of arrays. Use trajcore.pdm_proposals.");
}

}  // namespace trajcore::bindings
