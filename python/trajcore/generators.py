"""Candidate generators: a Frenet lattice and PDM-Closed's centreline x IDM proposals, tracked
into trajectories the vehicle can drive.

The work happens in C++ (``trajcore::frenet_lattice``, ``trajcore::pdm_proposals``); methods,
ordering of candidates and differences from the published planners: docs/rollout.md
("Candidate generation").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import _core
from ._repr import readable_repr
from .reference_line import ReferenceLine
from .track import TrackerParams
from .vehicle import VehicleParams


@readable_repr
@dataclass(frozen=True)
class Candidates:
    """Tracked candidates and what produced them, in the library of ``ego_state``."""

    #: (B, N, T+1, 6) tracked states; step 0 is the ego state.
    states: Any
    #: (B, N, T) int32 :class:`trajcore.Saturation` bits of the tracking.
    saturation: Any
    #: (B, N, T, 2) jerk and steering rate; ``rollout(ego_state, controls)`` reproduces states.
    controls: Any
    #: (B, N, T+1, 3) trailer poses, or None without a trailer.
    trailer: Any
    #: (B, N, T+1, 4) x, y, yaw of the box centre and speed: the maneuvers the tracker followed.
    references: Any
    #: (N,) lateral offset (m), target speed (m/s) and maneuver duration (s) of each candidate.
    offsets: Any
    target_speeds: Any
    durations: Any


@dataclass(frozen=True)
class IdmParams:
    """PDM-Closed's IDM (tuPlan Garage ``BatchIDMPolicy``)."""

    min_gap: float = 1.0
    headway: float = 1.5
    max_acceleration: float = 1.5
    comfortable_braking: float = 3.0
    #: PDM uses 10 (the textbook IDM uses 4).
    exponent: float = 10.0


def frenet_lattice(
    ego_state: Any,
    reference_line: ReferenceLine,
    lateral_offsets: Sequence[float],
    target_speeds: Sequence[float],
    durations: Sequence[float],
    T: int,
    dt: float,
    *,
    params: VehicleParams | None = None,
    tracker: TrackerParams | None = None,
    comfortable_acceleration: float = math.inf,
) -> Candidates:
    """Every (lateral offset, target speed, duration) maneuver along the line, tracked.

    From the ego rear axle's Frenet state, a quintic d(t) reaches the offset and a quartic s(t)
    the target speed at the duration (Werling et al.); both are held after it. Candidate
    n = (i * len(target_speeds) + j) * len(durations) + k combines offset i, speed j, duration k.

    Args:
        ego_state: (B, 6) or (6,) x, y, yaw, v, a, steer of the box centre.
        reference_line: the line the offsets are measured from (left positive).
        T, dt: steps and step length (s) of the output.
        params: the vehicle (default: ``VehicleParams.passenger_car()``).
        tracker: the tracker (default: nuPlan's / PDM-Closed's LQR).
        comfortable_acceleration: m/s^2 (> 0). A speed-up whose quartic would accelerate
            harder takes longer: the shortest duration that keeps within it (its lateral
            maneuver and reported duration stay). Slowing down keeps its duration. From rest
            the speed-up is a jerk-limited trapezoid of acceleration reaching at most the bound
            within 0.8 s (docs/rollout.md). Infinity (default): no bound.
    """
    d = _core._frenet_lattice(
        ego_state,
        reference_line._line,
        [float(x) for x in lateral_offsets],
        [float(x) for x in target_speeds],
        [float(x) for x in durations],
        int(T),
        float(dt),
        params or VehicleParams.passenger_car(),
        tracker or TrackerParams(),
        float(comfortable_acceleration),
    )
    return Candidates(**d)


def pdm_proposals(
    ego_state: Any,
    centerline: ReferenceLine,
    agent_poses: Any = None,
    agent_extents: Any = None,
    agent_valid: Any = None,
    *,
    offsets: Sequence[float] = (-1.0, 0.0, 1.0),
    speed_fractions: Sequence[float] = (0.2, 0.4, 0.6, 0.8, 1.0),
    speed_limit: float | None = None,
    stop_line: float | None = None,
    T: int = 40,
    dt: float = 0.1,
    idm: IdmParams | None = None,
    params: VehicleParams | None = None,
    tracker: TrackerParams | None = None,
) -> Candidates:
    """PDM-Closed's proposals: paths at ``offsets`` from the centreline, each with an IDM speed
    profile per target speed ``fraction * speed_limit`` (15 m/s when None, PDM's fallback),
    following the nearest agent ahead in the path's corridor; tracked. Candidate
    n = i * len(speed_fractions) + j combines offset i and fraction j.

    Args:
        ego_state: (B, 6) or (6,).
        agent_poses: (B, M, T+1, 3) box-centre poses of the agents over the same steps (e.g.
            predictions or :func:`trajcore.propagate_agents`), or None for no agents.
        agent_extents: (B, M, 2) length and width; agent_valid: (B, M) bool, optional.
        stop_line: station on the centreline (m) the front bumper stops behind, as behind a
            standing car there (a red light's stop line); None: no stop.
    """
    if agent_poses is not None and agent_extents is None:
        raise ValueError("agent_extents is None, expected (B, M, 2) with agent_poses")
    d = _core._pdm_proposals(
        ego_state,
        centerline._line,
        agent_poses,
        agent_extents,
        agent_valid,
        [float(x) for x in offsets],
        [float(x) for x in speed_fractions],
        15.0 if speed_limit is None else float(speed_limit),
        math.nan if stop_line is None else float(stop_line),
        idm or IdmParams(),
        int(T),
        float(dt),
        params or VehicleParams.passenger_car(),
        tracker or TrackerParams(),
    )
    return Candidates(**d)
