"""One recorded scene in one layout, whatever format it came from: agents' logged states on a
common time axis with validity, their classes and extents, the lanes, and the ego's log when the
recording has one. docs/data.md gives the layout and what each loader fills in."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..road_map import Lane, RoadMap

#: Fields of the last axis of ``agent_states`` and ``ego_states``.
STATE_FIELDS = ("x", "y", "yaw", "vx", "vy")


class LightState(enum.IntEnum):
    """A lane's traffic-light state (``Scenario.lane_lights``)."""

    #: No light controls the lane (or its light is switched off).
    NONE = 0
    GREEN = 1
    YELLOW = 2
    #: Red, and red-with-yellow: the lane may not be entered.
    RED = 3


@dataclass(frozen=True, eq=False)
class Scenario:
    """A recording on steps 0 … T-1, ``dt`` seconds apart, in the recording's own planar frame
    (metres, yaw counter-clockwise from +x). Arrays are float64: the log as recorded; the hot
    path converts to float32 once."""

    name: str
    #: Seconds between steps.
    dt: float
    #: (M,) the recording's track ids, as strings.
    agent_id: tuple[str, ...]
    #: (M,) the recording's own class names ("car", "riderless_bicycle", ...).
    agent_kind: tuple[str, ...]
    #: (M,) int32 :class:`trajcore.AgentType`.
    agent_type: NDArray[np.int32]
    #: (M, 2) length, width (m).
    agent_extent: NDArray[np.float64]
    #: (M, T, 5) x, y, yaw, vx, vy (m, rad, m/s; velocity in the scene frame); 0 where invalid.
    agent_states: NDArray[np.float64]
    #: (M, T) bool: the agent was recorded at that step.
    agent_valid: NDArray[np.bool_]
    #: The map's lanes (centrelines, boundaries, speed limits, successors).
    lanes: tuple[Lane, ...] = ()
    #: Drivable-area polygons (P, 2); empty when the drivable area is the lanes' union.
    drivable_areas: tuple[NDArray[np.float64], ...] = ()
    #: (T, 5) the ego's logged states, or None when the recording has no ego log.
    ego_states: NDArray[np.float64] | None = None
    #: (T,) bool, or None with ego_states.
    ego_valid: NDArray[np.bool_] | None = None
    #: (2,) the ego's length and width, or None with ego_states.
    ego_extent: NDArray[np.float64] | None = None
    #: Index of the agent the recording marks as the one to predict (Argoverse 2's focal track);
    #: -1 when there is none.
    focal_agent: int = -1
    #: (T, L) int8 :class:`LightState` of each lane at each step, or None when the recording has
    #: no traffic lights. A light controls the lanes beyond its stop line (in CommonRoad, the
    #: successors of the lanelets that refer to it): entering them on red runs the light.
    lane_lights: NDArray[np.int8] | None = None
    #: The file(s) it was read from.
    source: str = ""

    @property
    def steps(self) -> int:
        """T, the number of time steps."""
        return int(self.agent_valid.shape[1])

    @property
    def agent_count(self) -> int:
        """M, the number of agents (the ego not included)."""
        return len(self.agent_id)

    @property
    def has_ego(self) -> bool:
        return self.ego_states is not None

    def road_map(self, *, cell_size: float = 2.0) -> RoadMap:
        """The scenario's lanes (and drivable areas) as a :class:`trajcore.RoadMap`."""
        if not self.lanes:
            raise ValueError(f"scenario {self.name!r} has no lanes, expected at least one")
        return RoadMap(self.lanes, self.drivable_areas, cell_size=cell_size)


def scenario_from_tracks(
    *,
    name: str,
    source: str,
    dt: float,
    tracks: list[Track],
    lanes: list[Lane],
    drivable_areas: list[NDArray[np.float64]] = [],  # noqa: B006 (never mutated)
    ego: Track | None = None,
    focal_id: str | None = None,
    steps: int | None = None,
    lane_lights: Callable[[int], NDArray[np.int8]] | None = None,
) -> Scenario:
    """A Scenario from checked tracks, on steps 0 … ``steps`` - 1 (default: up to the last
    recorded step). ``lane_lights(steps)``, when given, returns the (steps, L) light states."""
    last = max((int(t.steps[-1]) for t in [*tracks, *([ego] if ego else [])]), default=-1)
    if last < 0:
        raise ValueError(f"{source}: no agent has a recorded state, expected at least one")
    if steps is None:
        steps = last + 1
    elif last >= steps:
        raise ValueError(f"{source}: a track reaches step {last}, expected steps < {steps}")
    m = len(tracks)
    states = np.zeros((m, steps, 5), np.float64)
    valid = np.zeros((m, steps), np.bool_)
    for i, track in enumerate(tracks):
        states[i, track.steps] = track.states
        valid[i, track.steps] = True
    ego_states = ego_valid = ego_extent = None
    if ego is not None:
        ego_states = np.zeros((steps, 5), np.float64)
        ego_valid = np.zeros(steps, np.bool_)
        ego_states[ego.steps] = ego.states
        ego_valid[ego.steps] = True
        ego_extent = np.asarray(ego.extent, np.float64)
    ids = tuple(t.track_id for t in tracks)
    return Scenario(
        name=name,
        dt=dt,
        agent_id=ids,
        agent_kind=tuple(t.kind for t in tracks),
        agent_type=np.array([t.agent_type for t in tracks], np.int32).reshape(m),
        agent_extent=np.array([t.extent for t in tracks], np.float64).reshape(m, 2),
        agent_states=states,
        agent_valid=valid,
        lanes=tuple(lanes),
        drivable_areas=tuple(drivable_areas),
        ego_states=ego_states,
        ego_valid=ego_valid,
        ego_extent=ego_extent,
        focal_agent=ids.index(focal_id) if focal_id in ids else -1,
        source=source,
        lane_lights=None if lane_lights is None else lane_lights(steps),
    )


@dataclass(frozen=True)
class Track:
    """One track as read: its steps (increasing, distinct) and a (len(steps), 5) state per step."""

    track_id: str
    kind: str
    agent_type: int
    extent: tuple[float, float]
    steps: NDArray[np.int64]
    states: NDArray[np.float64]

    def check(self, source: str) -> None:
        """Raises ValueError naming the file, the track and the step of a defect."""
        where = f"{source}: track {self.track_id}"
        if len(self.steps) == 0:
            raise ValueError(f"{where} has no states, expected at least one")
        if int(self.steps[0]) < 0:
            raise ValueError(f"{where} starts at step {int(self.steps[0])}, expected >= 0")
        repeated = np.flatnonzero(np.diff(self.steps) <= 0)
        if repeated.size:
            k = int(repeated[0])
            raise ValueError(
                f"{where} has step {int(self.steps[k + 1])} after step {int(self.steps[k])}, "
                "expected increasing steps"
            )
        bad = np.argwhere(~np.isfinite(self.states))
        if bad.size:
            row, col = (int(v) for v in bad[0])
            raise ValueError(
                f"{where} has {STATE_FIELDS[col]} = {self.states[row, col]} at step "
                f"{int(self.steps[row])}, expected a finite value"
            )
        if not all(np.isfinite(v) and v > 0 for v in self.extent):
            raise ValueError(f"{where} has extent {self.extent}, expected a positive length, width")


def check_time_step(tracks: list[Track], dt: float, source: str) -> None:
    """Raises ValueError when the recorded positions and speeds disagree about the time step:
    the median ratio of the speed from position differences to the recorded speed, over steps
    where the recorded speed exceeds 2 m/s, is outside [0.8, 1.25] (a file that states the wrong
    step). Recordings with fewer than 20 such steps are not judged."""
    ratios = []
    for track in tracks:
        s = track.states
        consecutive = np.flatnonzero((track.steps[2:] - track.steps[:-2]) == 2) + 1
        if consecutive.size == 0:
            continue
        moved = np.linalg.norm(s[consecutive + 1, :2] - s[consecutive - 1, :2], axis=1) / (2 * dt)
        recorded = np.linalg.norm(s[consecutive, 3:5], axis=1)
        moving = recorded > 2.0
        ratios.append(moved[moving] / recorded[moving])
    ratio = np.concatenate(ratios) if ratios else np.empty(0)
    if ratio.size < 20:
        return
    median = float(np.median(ratio))
    if not 0.8 <= median <= 1.25:
        raise ValueError(
            f"{source}: positions move {median:.2f} times the recorded speeds at a {dt:g} s step, "
            f"expected about 1: give the real step (about {dt * median:.2g} s) as dt= in "
            "Python, --dt on the command line"
        )
