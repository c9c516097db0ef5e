"""The demo's recording: a procedurally generated three-lane highway with an on-ramp, logged for
10 s at 10 Hz, in dense traffic at 14-19 m/s (the speeds of the NGSIM US-101 recordings the
shipped predictor learnt from). A car merges from the ramp into the right lane, a car in the
left lane cuts in ahead of the ego in the middle lane (the logged ego brakes for it), a truck
holds the right lane and traffic passes on the left. Generated from closed-form speed and
lane-change profiles, so it ships as code (no licence, no data file) and is the same on every
machine."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..data.scenario import Scenario, Track, scenario_from_tracks
from ..road_map import Lane

LANE_WIDTH = 3.7
SPEED_LIMIT = 25.0  # m/s
DT = 0.1
STEPS = 101  # 10 s
#: Where the on-ramp's taper starts and ends (m along the road).
TAPER = (60.0, 140.0)


def highway_merge_scenario() -> Scenario:
    """The demo scenario (docs/replay.md, "The demo")."""
    tracks = [
        _track("lead", "car", (4.6, 1.9), x0=55.0, lane=1.0, speed=[(0, 16.0)]),
        _track(
            "cut_in",
            "car",
            (4.7, 1.9),
            x0=34.0,
            lane=2.0,
            speed=[(0, 15.5), (4.5, 14.0)],
            lane_change=(2.5, 4.5, 1.0),
        ),
        _track(
            "merger",
            "car",
            (4.5, 1.8),
            x0=-10.0,
            lane=-1.0,
            speed=[(0, 14.0), (5.0, 16.5)],
            lane_change=(3.0, 5.5, 0.0),
        ),
        _track("truck", "truck", (12.0, 2.5), x0=25.0, lane=0.0, speed=[(0, 13.5)]),
        _track("passer", "car", (4.8, 1.9), x0=-25.0, lane=2.0, speed=[(0, 19.0)]),
        _track("follower", "car", (4.6, 1.9), x0=-22.0, lane=1.0, speed=[(0, 16.0), (4.0, 14.5)]),
        _track("right_rear", "car", (4.4, 1.8), x0=-35.0, lane=0.0, speed=[(0, 15.5)]),
    ]
    # The logged human: 16.5 m/s, brakes to 14 m/s for the cut-in, then gathers speed again.
    ego = _track(
        "ego",
        "car",
        (5.18, 2.3),
        x0=0.0,
        lane=1.0,
        speed=[(0, 16.5), (3.0, 16.5), (4.5, 14.0), (7.0, 14.0), (10.0, 15.5)],
    )
    return scenario_from_tracks(
        name="trajcore_highway_merge",
        source="trajcore.sim.highway (procedural)",
        dt=DT,
        tracks=tracks,
        lanes=_lanes(),
        ego=ego,
        steps=STEPS,
    )


def _lanes() -> list[Lane]:
    """Right (split at the end of the taper so the ramp can lead into it), middle, left, ramp."""

    def straight(y: float, start: float, end: float) -> Lane:
        x = np.linspace(start, end, 2)
        line = np.column_stack([x, np.full(2, y)])
        half = np.array([0.0, LANE_WIDTH / 2])
        return Lane(line, line + half, line - half, SPEED_LIMIT)

    right_before = straight(0.0, -150.0, TAPER[1])
    right_after = straight(0.0, TAPER[1], 600.0)
    middle = straight(LANE_WIDTH, -150.0, 600.0)
    left = straight(2 * LANE_WIDTH, -150.0, 600.0)
    x = np.linspace(-150.0, TAPER[1], 60)
    u = np.clip((x - TAPER[0]) / (TAPER[1] - TAPER[0]), 0.0, 1.0)
    y = -LANE_WIDTH * (1.0 - _smoothstep(u))
    centre = np.column_stack([x, y])
    half = np.column_stack([np.zeros_like(x), np.full_like(x, LANE_WIDTH / 2)])
    ramp = Lane(centre, centre + half, centre - half, 20.0)
    return [
        Lane(right_before.centerline, right_before.left, right_before.right, SPEED_LIMIT, (1,)),
        right_after,
        middle,
        left,
        Lane(ramp.centerline, ramp.left, ramp.right, 20.0, (1,)),
    ]


def _smoothstep(u: NDArray[np.float64]) -> NDArray[np.float64]:
    return u * u * (3.0 - 2.0 * u)


def _track(
    track_id: str,
    kind: str,
    extent: tuple[float, float],
    *,
    x0: float,
    lane: float,
    speed: list[tuple[float, float]],
    lane_change: tuple[float, float, float] | None = None,
) -> Track:
    """A vehicle at x0 in lane ``lane`` (0 right, 1 middle, 2 left, -1 the ramp) whose speed
    follows the piecewise-linear (time, m/s) profile and which moves to lane ``lane_change[2]``
    between times ``lane_change[0]`` and ``[1]``."""
    t = np.arange(STEPS) * DT
    knots, values = zip(*speed)
    v = np.interp(t, knots, values)
    # Trapezoidal integration of the speed: positions consistent with the logged speeds.
    x = x0 + np.concatenate([[0.0], np.cumsum((v[1:] + v[:-1]) / 2 * DT)])
    y = np.full_like(t, lane * LANE_WIDTH)
    if lane_change is not None:
        start, end, target = lane_change
        u = np.clip((t - start) / (end - start), 0.0, 1.0)
        y = (lane + (target - lane) * _smoothstep(u)) * LANE_WIDTH
    dy = np.gradient(y, DT)
    yaw = np.arctan2(dy, v)
    states = np.column_stack([x, y, yaw, v * np.cos(yaw), v * np.sin(yaw)])
    # Speed along the path (v is the longitudinal speed): vx = v, vy = dy/dt.
    states[:, 3], states[:, 4] = v, dy
    return Track(
        track_id=track_id,
        kind=kind,
        agent_type=0,
        extent=extent,
        steps=np.arange(STEPS, dtype=np.int64),
        states=states,
    )


__all__ = ["LANE_WIDTH", "highway_merge_scenario"]
