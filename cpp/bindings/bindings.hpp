// One registration function per public header; module.cpp calls them all.
#pragma once

#include <pybind11/pybind11.h>

namespace trajcore::bindings {

namespace py = pybind11;

void bind_box(py::module_& m);
void bind_collision(py::module_& m);
void bind_rollout(py::module_& m);
void bind_agents(py::module_& m);
void bind_reference_line(py::module_& m);
void bind_road_map(py::module_& m);
void bind_map_metrics(py::module_& m);
void bind_collision_metrics(py::module_& m);
void bind_comfort(py::module_& m);
void bind_scoring(py::module_& m);
void bind_planner(py::module_& m);
void bind_track(py::module_& m);
void bind_generators(py::module_& m);
void bind_scene(py::module_& m);

}  // namespace trajcore::bindings
