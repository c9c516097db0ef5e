"""Scene files: one planning scene as a vehicle stack sees it at one step (the ego's state and
history, the agents present and their history, the map, the route), written by Python and read by
Python and C++ (trajcore/scene_file.hpp). docs/scene_files.md lists the entries.

``predictor_window`` turns a scene into the predictor's seven inputs exactly as the C++ twin
``trajcore::predictor_window`` does, so that a scene predicts and plans identically in both."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..data.windows import WindowConfig, _window
from ..road_map import Lane, RoadMap
from .array_file import read_arrays, write_arrays

SCENE_KIND = "scene"
#: Version of the scene schema; readers refuse other versions.
SCENE_VERSION = 2


@dataclass(frozen=True, eq=False)
class SceneFrame:
    """One scene at step ``step`` of a recording (or a simulation of it), in its planar frame.

    Histories hold H+1 states (x, y, yaw, vx, vy; the last is the current one) at ``dt``."""

    name: str
    step: int
    dt: float
    #: (6,) float32 x, y, yaw, v, a, steering: the planner's ego state.
    ego_state: NDArray[np.float32]
    #: (2,) length, width (m).
    ego_extent: NDArray[np.float64]
    ego_history: NDArray[np.float64]  # (H+1, 5)
    ego_history_valid: NDArray[np.bool_]  # (H+1,)
    #: (M,) the agents' indices in the recording: the agents present at this step.
    agent_index: NDArray[np.int32]
    agent_history: NDArray[np.float64]  # (M, H+1, 5)
    agent_history_valid: NDArray[np.bool_]  # (M, H+1)
    agent_type: NDArray[np.int32]  # (M,) AgentType
    agent_extent: NDArray[np.float64]  # (M, 2)
    lanes: tuple[Lane, ...]
    drivable_areas: tuple[NDArray[np.float64], ...]
    #: The lanes as the predictor reads them (trajcore.data.lane_segments): (S, P, 2) points,
    #: (S, P) validity, (S, 3) attributes.
    segment_points: NDArray[np.float64]
    segment_valid: NDArray[np.bool_]
    segment_attributes: NDArray[np.float32]
    #: Lanes of the route (empty: every lane) and the reference line's points and options.
    route_lanes: NDArray[np.int32]
    reference_points: NDArray[np.float64]  # (Q, 2)
    reference_spacing: float = 0.5
    reference_smoothing: float = 1.0
    #: (R,) int32 the lanes whose traffic light is red at this step (trajcore.PlanScene's).
    red_lanes: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))

    @property
    def history(self) -> int:
        """H, the steps of history before the current one."""
        return int(self.ego_history.shape[0]) - 1

    @property
    def agent_count(self) -> int:
        return int(self.agent_index.shape[0])

    def road_map(self, *, cell_size: float = 2.0) -> RoadMap:
        return RoadMap(self.lanes, self.drivable_areas, cell_size=cell_size)


def write_scene(path: str | Path, frame: SceneFrame) -> None:
    arrays: dict[str, Any] = {
        "meta/name": np.frombuffer(frame.name.encode(), np.uint8),
        "meta/step": np.array([frame.step], np.int64),
        "meta/dt": np.array([frame.dt], np.float64),
        "ego/state": frame.ego_state.astype(np.float32),
        "ego/extent": frame.ego_extent,
        "ego/history": frame.ego_history,
        "ego/history_valid": frame.ego_history_valid,
        "agents/index": frame.agent_index,
        "agents/history": frame.agent_history,
        "agents/history_valid": frame.agent_history_valid,
        "agents/type": frame.agent_type,
        "agents/extent": frame.agent_extent,
    }
    for part in ("centerline", "left", "right"):
        lines = [np.asarray(getattr(lane, part), np.float64).reshape(-1, 2) for lane in frame.lanes]
        arrays[f"map/lane_{part}_offsets"] = _offsets(lines)
        arrays[f"map/lane_{part}_points"] = _stack(lines)
    arrays["map/lane_speed_limit"] = np.array([ln.speed_limit for ln in frame.lanes], np.float64)
    arrays["map/lane_in_intersection"] = np.array(
        [ln.in_intersection for ln in frame.lanes], np.bool_
    )
    successors = [np.asarray(ln.successors, np.int32).reshape(-1) for ln in frame.lanes]
    arrays["map/lane_successor_offsets"] = _offsets(successors)
    arrays["map/lane_successors"] = (
        np.concatenate(successors) if successors else np.zeros(0, np.int32)
    ).astype(np.int32)
    areas = [np.asarray(a, np.float64).reshape(-1, 2) for a in frame.drivable_areas]
    arrays["map/drivable_offsets"] = _offsets(areas)
    arrays["map/drivable_points"] = _stack(areas)
    arrays["map/segment_points"] = frame.segment_points
    arrays["map/segment_valid"] = frame.segment_valid
    arrays["map/segment_attributes"] = frame.segment_attributes
    arrays["route/lanes"] = frame.route_lanes
    arrays["route/reference_points"] = frame.reference_points
    arrays["route/reference_options"] = np.array(
        [frame.reference_spacing, frame.reference_smoothing], np.float64
    )
    arrays["map/red_lanes"] = np.asarray(frame.red_lanes, np.int32).reshape(-1)
    _check(frame, str(path))
    write_arrays(path, SCENE_KIND, SCENE_VERSION, arrays)


def read_scene(path: str | Path) -> SceneFrame:
    """A scene file; ValueError (trajcore.sim.ArrayFileError) names a wrong kind or version, a
    truncated or damaged file, or a missing or mis-shaped entry."""
    a: dict[str, Any] = read_arrays(path, SCENE_KIND, SCENE_VERSION)
    expected = {
        "meta/name": np.uint8,
        "meta/step": np.int64,
        "meta/dt": np.float64,
        "ego/state": np.float32,
        "ego/extent": np.float64,
        "ego/history": np.float64,
        "ego/history_valid": np.bool_,
        "agents/index": np.int32,
        "agents/history": np.float64,
        "agents/history_valid": np.bool_,
        "agents/type": np.int32,
        "agents/extent": np.float64,
        "map/lane_speed_limit": np.float64,
        "map/lane_in_intersection": np.bool_,
        "map/lane_successor_offsets": np.int64,
        "map/lane_successors": np.int32,
        "map/drivable_offsets": np.int64,
        "map/drivable_points": np.float64,
        "map/segment_points": np.float64,
        "map/segment_valid": np.bool_,
        "map/segment_attributes": np.float32,
        "route/lanes": np.int32,
        "route/reference_points": np.float64,
        "route/reference_options": np.float64,
    }
    for part in ("centerline", "left", "right"):
        expected[f"map/lane_{part}_offsets"] = np.int64
        expected[f"map/lane_{part}_points"] = np.float64
    expected["map/red_lanes"] = np.int32
    for name, dtype in expected.items():
        if name not in a:
            raise ValueError(f"{path}: entry {name!r} is missing")
        if a[name].dtype != np.dtype(dtype):
            raise ValueError(
                f"{path}: entry {name!r} has dtype {a[name].dtype}, expected {np.dtype(dtype)}"
            )
    lines = {
        part: _split(a[f"map/lane_{part}_points"], a[f"map/lane_{part}_offsets"], path, part)
        for part in ("centerline", "left", "right")
    }
    successors = _split(
        a["map/lane_successors"], a["map/lane_successor_offsets"], path, "successors"
    )
    count = len(lines["centerline"])
    if any(len(v) != count for v in (*lines.values(), successors)) or any(
        a[k].shape != (count,) for k in ("map/lane_speed_limit", "map/lane_in_intersection")
    ):
        raise ValueError(f"{path}: the lane entries disagree on the number of lanes ({count})")
    lanes = tuple(
        Lane(
            lines["centerline"][i],
            lines["left"][i],
            lines["right"][i],
            float(a["map/lane_speed_limit"][i]),
            tuple(int(s) for s in successors[i]),
            bool(a["map/lane_in_intersection"][i]),
        )
        for i in range(count)
    )
    options = a["route/reference_options"]
    if options.shape != (2,):
        raise ValueError(
            f"{path}: route/reference_options has shape {options.shape}, expected (2,)"
        )
    frame = SceneFrame(
        name=a["meta/name"].tobytes().decode(),
        step=int(a["meta/step"].reshape(-1)[0]),
        dt=float(a["meta/dt"].reshape(-1)[0]),
        ego_state=a["ego/state"],
        ego_extent=a["ego/extent"],
        ego_history=a["ego/history"],
        ego_history_valid=a["ego/history_valid"],
        agent_index=a["agents/index"],
        agent_history=a["agents/history"],
        agent_history_valid=a["agents/history_valid"],
        agent_type=a["agents/type"],
        agent_extent=a["agents/extent"],
        lanes=lanes,
        drivable_areas=tuple(
            _split(a["map/drivable_points"], a["map/drivable_offsets"], path, "drivable")
        ),
        segment_points=a["map/segment_points"],
        segment_valid=a["map/segment_valid"],
        segment_attributes=a["map/segment_attributes"],
        route_lanes=a["route/lanes"],
        reference_points=a["route/reference_points"],
        reference_spacing=float(options[0]),
        reference_smoothing=float(options[1]),
        red_lanes=a["map/red_lanes"].reshape(-1),
    )
    _check(frame, str(path))
    return frame


def predictor_window(frame: SceneFrame, config: WindowConfig) -> dict[str, NDArray[Any]]:
    """The predictor's inputs for one scene, as trajcore.data.scene_window builds them (the ego
    is the last agent, as context): origin (2,), agent_index (A,) (the frame's agent row; M for
    the ego; -1 empty), states (A, H+1, 5), valid, agent_type, agent_extent, lane_points,
    lane_point_valid, lane_attributes. The twin of C++ trajcore::predictor_window."""
    if config.history != frame.history or config.future != 0:
        raise ValueError(
            f"config has history {config.history} and future {config.future}, expected "
            f"history {frame.history} (the scene's) and future 0"
        )
    states = np.concatenate([frame.agent_history, frame.ego_history[None]])
    valid = np.concatenate([frame.agent_history_valid, frame.ego_history_valid[None]])
    types = np.append(frame.agent_type, np.int32(0)).astype(np.int32)
    extents = np.concatenate([frame.agent_extent, frame.ego_extent[None]])
    ego = np.append(np.zeros(frame.agent_count, np.bool_), True)
    row = _window(
        config,
        states,
        valid,
        types,
        extents,
        ego,
        frame.segment_points,
        frame.segment_valid,
        frame.segment_attributes,
        frame.history,
    )
    if row is None:
        raise ValueError(f"scene {frame.name!r} step {frame.step}: nobody is present")
    return row


def _check(frame: SceneFrame, where: str) -> None:
    h1, m = frame.ego_history.shape[0], frame.agent_count
    shapes: dict[str, tuple[Any, tuple[int, ...]]] = {
        "ego/state": (frame.ego_state, (6,)),
        "ego/extent": (frame.ego_extent, (2,)),
        "ego/history": (frame.ego_history, (h1, 5)),
        "ego/history_valid": (frame.ego_history_valid, (h1,)),
        "agents/index": (frame.agent_index, (m,)),
        "agents/history": (frame.agent_history, (m, h1, 5)),
        "agents/history_valid": (frame.agent_history_valid, (m, h1)),
        "agents/type": (frame.agent_type, (m,)),
        "agents/extent": (frame.agent_extent, (m, 2)),
    }
    s, p = frame.segment_valid.shape if frame.segment_valid.ndim == 2 else (-1, -1)
    shapes["map/segment_points"] = (frame.segment_points, (s, p, 2))
    shapes["map/segment_attributes"] = (frame.segment_attributes, (s, 3))
    shapes["route/reference_points"] = (
        frame.reference_points,
        (frame.reference_points.shape[0], 2),
    )
    for name, (array, shape) in shapes.items():
        if np.shape(array) != shape:
            raise ValueError(f"{where}: {name} has shape {np.shape(array)}, expected {shape}")
    if h1 < 1 or not frame.ego_history_valid[-1]:
        raise ValueError(f"{where}: the ego's current state (last history row) must be valid")
    if not (math.isfinite(frame.dt) and frame.dt > 0):
        raise ValueError(f"{where}: meta/dt is {frame.dt}, expected a positive number of seconds")
    if not np.all(np.isfinite(frame.ego_state)):
        raise ValueError(f"{where}: ego/state is {frame.ego_state}, expected finite values")
    red = np.asarray(frame.red_lanes)
    if red.ndim != 1 or np.any((red < 0) | (red >= len(frame.lanes))):
        raise ValueError(
            f"{where}: map/red_lanes is {red.tolist()}, expected lane indices in "
            f"[0, {len(frame.lanes)})"
        )


def _offsets(parts: list[NDArray[Any]]) -> NDArray[np.int64]:
    return np.concatenate([[0], np.cumsum([len(p) for p in parts], dtype=np.int64)]).astype(
        np.int64
    )


def _stack(parts: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    return np.concatenate(parts) if parts else np.zeros((0, 2), np.float64)


def _split(
    values: NDArray[Any], offsets: NDArray[np.int64], path: Any, what: str
) -> list[NDArray[Any]]:
    if offsets.ndim != 1 or offsets.size < 1 or offsets[0] != 0 or offsets[-1] != len(values):
        raise ValueError(
            f"{path}: {what} offsets must start at 0 and end at {len(values)} (the points), "
            f"got {offsets[:1].tolist()} ... {offsets[-1:].tolist()}"
        )
    if np.any(np.diff(offsets) < 0):
        raise ValueError(f"{path}: {what} offsets decrease")
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
