// Parameter structs from the Python frozen dataclasses that mirror them (any object with the C++
// field names as attributes): conversion and validation only.
#pragma once

#include "bindings.hpp"
#include "trajcore/comfort.hpp"
#include "trajcore/generators.hpp"
#include "trajcore/scoring.hpp"
#include "trajcore/track.hpp"
#include "trajcore/vehicle.hpp"

namespace trajcore::bindings {

VehicleParams vehicle_params_from_py(py::handle obj);  // a trajcore.VehicleParams
TrackerParams tracker_params_from_py(py::handle obj);  // a trajcore.TrackerParams
ComfortParams comfort_params_from_py(py::handle obj);  // a trajcore.ComfortParams
// a trajcore.ExtendedComfortParams
ExtendedComfortParams extended_comfort_params_from_py(py::handle obj);
ScoringProfile scoring_profile_from_py(py::handle obj);  // a trajcore.ScoringProfile
SafeDistanceParams safe_distance_params_from_py(py::handle obj);  // trajcore.SafeDistanceParams
IdmParams idm_params_from_py(py::handle obj);  // a trajcore.generators.IdmParams

}  // namespace trajcore::bindings
