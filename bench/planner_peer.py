"""The peer of bench_planner.py: CommonRoad's reactive planner (commonroad-reactive-planner, a
Werling-style sampling planner with CommonRoad's drivability checker) on the same scenario.

It needs commonroad-reactive-planner, commonroad-clcs and commonroad-route-planner
(`pip install ".[bench]"`). The coordinate system is passed explicitly
(`CoordinateSystem(ref, clcs_params=CLCSParams())`): the plain `set_reference_path(ref)` form
crashes in release 2025.1.
"""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import numpy as np


def reference_path(scenario: Any, planning_problem: Any) -> np.ndarray:
    """The route planner's shortest reference path from the planning problem's start."""
    from commonroad_route_planner.reference_path_planner import ReferencePathPlanner
    from commonroad_route_planner.route_planner import RoutePlanner

    routes = RoutePlanner(scenario.lanelet_network, planning_problem).plan_routes()
    planner = ReferencePathPlanner(scenario.lanelet_network, planning_problem, routes)
    return np.asarray(planner.plan_shortest_reference_path().reference_path, np.float64)


def reactive_planner_cycles(scenario: Any, planning_problem: Any, cycles: int) -> dict[str, Any]:
    """Times `cycles` planning cycles (plan() from the planning problem's initial state)."""
    from commonroad_clcs.config import CLCSParams
    from commonroad_rp.reactive_planner import ReactivePlanner
    from commonroad_rp.utility.config import ReactivePlannerConfiguration
    from commonroad_rp.utility.utils_coordinate_system import CoordinateSystem

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    config = ReactivePlannerConfiguration()
    config.update(scenario=scenario, planning_problem=planning_problem)
    planner = ReactivePlanner(config)
    ref = reference_path(scenario, planning_problem)
    planner.set_reference_path(coordinate_system=CoordinateSystem(ref, clcs_params=CLCSParams()))
    v0 = float(planning_problem.initial_state.velocity)
    planner.set_desired_velocity(desired_velocity=max(v0, 5.0), current_speed=v0)
    planner.plan()  # warm-up
    seconds = []
    found = 0
    for _ in range(cycles):
        start = time.perf_counter()
        optimal = planner.plan()
        seconds.append(time.perf_counter() - start)
        found += optimal is not None
    return {
        "seconds": seconds,
        "samples_per_cycle": int(getattr(planner, "_total_count_samples", 0)),
        "horizon_steps": int(config.planning.time_steps_computation),
        "found": found,
    }
