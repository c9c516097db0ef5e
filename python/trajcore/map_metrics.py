"""Map metrics of candidate trajectories: ego areas per step, drivable-area compliance and
driving-direction, speed-limit and traffic-light compliance and lane keeping, each with the step
of its first infraction.

The work happens in C++ (``trajcore/map_metrics.hpp``); docs/scoring.md ("Map metrics") gives
the rules, their sources (nuPlan, PDM-Closed, NAVSIM) and where they differ.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import _core
from ._repr import readable_repr
from .reference_line import ReferenceLine
from .road_map import RoadMap


class EgoArea(enum.IntFlag):
    """Bits of :func:`ego_areas`, per candidate step (PDM-Closed's scorer's ego areas)."""

    #: Two lane polygons hold corners, and no lane polygon holds all four.
    MULTIPLE_LANES = 1
    #: A corner lies farther than ``drivable_tolerance`` from the drivable area.
    OFF_ROAD = 2
    #: The centre is in no lane of the route.
    OFF_ROUTE = 4
    #: The centre is in a lane marked ``in_intersection``.
    IN_INTERSECTION = 8


def ego_areas(
    states: Any,
    ego_extent: Sequence[float],
    road_map: RoadMap,
    *,
    route_lanes: Sequence[int] | None = None,
    drivable_tolerance: float = 0.0,
) -> Any:
    """(..., T+1, S) box-centre states (x, y, yaw first) -> (..., T+1) int32 :class:`EgoArea`
    bits. ``route_lanes``: lane indices of the route (None: every lane). ``drivable_tolerance``:
    0 for NAVSIM / PDM-Closed (a corner outside every drivable polygon), 0.3 for nuPlan."""
    length, width = (float(v) for v in ego_extent)
    return _core._ego_areas(
        states,
        length,
        width,
        road_map._map,
        [int(i) for i in route_lanes or ()],
        float(drivable_tolerance),
    )


@readable_repr
@dataclass(frozen=True)
class ComplianceResult:
    #: (...) float32 score.
    score: Any
    #: (...) int32: step of the first infraction, -1 without one.
    first_step: Any


@readable_repr
@dataclass(frozen=True)
class DirectionResult:
    #: (...) float32: 1, 0.5 or 0.
    score: Any
    #: (...) float32: the largest wrong-way distance (m) that decided the score.
    wrong_way: Any
    #: (...) int32: first step whose wrong-way sum reaches the compliance threshold, -1 without.
    first_step: Any


def drivable_area_compliance(areas: Any) -> ComplianceResult:
    """0 for candidates with an OFF_ROAD step (the first one is reported), else 1."""
    score, first = _core._drivable_area_compliance(areas)
    return ComplianceResult(score=score, first_step=first)


_RULES = {"lane_progress": 0, "off_route": 1}


def driving_direction_compliance(
    states: Any,
    *,
    road_map: RoadMap | None = None,
    areas: Any = None,
    rule: Literal["lane_progress", "off_route"] = "lane_progress",
    window: int = 10,
    skip_intersections: bool = False,
    compliance_threshold: float = 2.0,
    violation_threshold: float = 6.0,
) -> DirectionResult:
    """Driving against the traffic: 1 below ``compliance_threshold`` metres of wrong-way driving,
    0.5 below ``violation_threshold``, else 0.

    ``rule="lane_progress"`` (nuPlan, needs ``road_map``): backward progress along the located
    lane's centreline, summed over ``window`` + 1 steps. ``rule="off_route"`` (PDM-Closed,
    NAVSIM; needs ``areas`` from :func:`ego_areas`): distance driven while OFF_ROUTE, summed over
    runs of such steps (``window=0``, PDM-Closed) or over ``window`` + 1 steps (NAVSIM v2, with
    ``skip_intersections``).
    """
    if rule not in _RULES:
        raise ValueError(f"rule is {rule!r}, expected 'lane_progress' or 'off_route'")
    if rule == "lane_progress" and road_map is None:
        raise ValueError("road_map is None, expected a RoadMap for rule='lane_progress'")
    if rule == "off_route" and areas is None:
        raise ValueError("areas is None, expected ego_areas(...) for rule='off_route'")
    score, wrong, first = _core._driving_direction_compliance(
        states,
        areas,
        None if road_map is None else road_map._map,
        _RULES[rule],
        int(window),
        bool(skip_intersections),
        float(compliance_threshold),
        float(violation_threshold),
    )
    return DirectionResult(score=score, wrong_way=wrong, first_step=first)


@readable_repr
@dataclass(frozen=True)
class SpeedLimitResult:
    #: (...) float32 nuPlan speed-limit compliance score in [0, 1].
    score: Any
    #: (...) float32: the largest overspeed (m/s).
    max_overspeed: Any
    #: (...) int32: first step over the limit, -1 without one.
    first_step: Any


def speed_limit_compliance(
    states: Any, road_map: RoadMap, *, max_overspeed: float = 2.23
) -> SpeedLimitResult:
    """nuPlan's speed-limit compliance: max(0, 1 - sum of overspeeds / (max_overspeed * T)).

    The overspeed of a step is v above the limit of the lane the centre is located in; in an
    intersection lane, the largest limit of its predecessors and successors (nuPlan's lane
    connectors). Steps outside lanes or with unknown limits do not count.
    """
    score, worst, first = _core._speed_limit_compliance(states, road_map._map, float(max_overspeed))
    return SpeedLimitResult(score=score, max_overspeed=worst, first_step=first)


@readable_repr
@dataclass(frozen=True)
class StepComplianceResult:
    #: (...) float32: 1 compliant, 0 not.
    score: Any
    #: (...) int32: the step of the infraction, -1 without one.
    first_step: Any


def lane_keeping(
    states: Any,
    areas: Any,
    centerline: ReferenceLine,
    *,
    dt: float,
    max_deviation: float = 0.5,
    window: float = 2.0,
) -> StepComplianceResult:
    """NAVSIM v2's lane keeping: 0 once the centre stays more than ``max_deviation`` from the
    centreline for ceil(window / dt) consecutive steps. Steps in an intersection (IN_INTERSECTION)
    are skipped: they neither count nor reset the run. ``first_step`` completes the run."""
    steps = math.ceil(window / dt)
    score, first = _core._lane_keeping(
        states, areas, centerline._line, float(max_deviation), int(steps)
    )
    return StepComplianceResult(score=score, first_step=first)


def traffic_light_compliance(
    states: Any, ego_extent: Any, road_map: RoadMap, red_lights: Any, front_margin: float = 0.0
) -> StepComplianceResult:
    """NAVSIM v2's traffic-light compliance: 0 when at some step the ego box meets the polygon of
    a lane whose light is red then. ``red_lights`` (B, T+1, R) int32: the red lanes per step,
    -1 padding. ``front_margin`` (m) lengthens the box ahead (a planner's stop buffer; NAVSIM:
    0)."""
    length, width = (float(v) for v in np.asarray(ego_extent, np.float64).reshape(2))
    score, first = _core._traffic_light_compliance(
        states, length, width, road_map._map, red_lights, float(front_margin)
    )
    return StepComplianceResult(score=score, first_step=first)
