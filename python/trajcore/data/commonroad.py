"""CommonRoad scenarios (XML, formats 2018b and 2020a, read by commonroad-io) and their solution
files (the logged ego of the SinD conversions) as a :class:`Scenario`."""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np

from ..collision_metrics import AgentType
from ..map_sources import commonroad_lanes
from .scenario import LightState, Scenario, Track, check_time_step, scenario_from_tracks

#: commonroad-io obstacle type (its ``.value``) -> AgentType. Types not listed are objects.
COMMONROAD_TYPES = {
    "car": AgentType.VEHICLE,
    "truck": AgentType.VEHICLE,
    "bus": AgentType.VEHICLE,
    "taxi": AgentType.VEHICLE,
    "priorityVehicle": AgentType.VEHICLE,
    "parkedVehicle": AgentType.VEHICLE,
    "train": AgentType.VEHICLE,
    "motorcycle": AgentType.BICYCLE,
    "bicycle": AgentType.BICYCLE,
    "pedestrian": AgentType.PEDESTRIAN,
}


def load_commonroad(
    path: str | Path, *, solution: str | Path | None = None, dt: float | None = None
) -> Scenario:
    """The dynamic and static obstacles, lanelets and (when there is one) the logged ego of a
    CommonRoad scenario file.

    ``solution``: a CommonRoad solution file whose trajectory is the ego's log. By default the
    file beside ``path`` named like it with ``.solution.xml`` (SinD's ``X.cr.xml`` has
    ``X.solution.xml``) is read when it exists. The ego's extent is that of the solution's
    vehicle type (commonroad-vehicle-models).

    ``dt``: the seconds between steps, where the file's ``timeStepSize`` is wrong. The loader
    compares the speeds implied by the positions with the recorded speeds and raises when they
    disagree: the SinD conversions state 0.1 s but their states are 0.5 s apart
    (docs/data.md).

    Raises FileNotFoundError for a missing file and ValueError naming the file and the problem
    for a malformed or truncated one.
    """
    path = Path(path)
    scenario, _ = _read(path)
    if dt is not None and not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt is {dt}, expected a positive number of seconds")
    dt = float(scenario.dt) if dt is None else float(dt)
    source = str(path)
    tracks = [_dynamic_track(o, source) for o in scenario.dynamic_obstacles]
    for track in tracks:
        track.check(source)
    ego = None
    if solution is None:
        beside = path.with_name(
            path.name.removesuffix(".xml").removesuffix(".cr") + ".solution.xml"
        )
        solution = beside if beside.is_file() else None
    if solution is not None:
        ego = _ego_track(Path(solution), str(scenario.scenario_id))
        ego.check(str(solution))
        source = f"{source} + {solution}"
    check_time_step([*tracks, *([ego] if ego else [])], dt, source)
    steps = max((int(t.steps[-1]) for t in [*tracks, *([ego] if ego else [])]), default=-1) + 1
    statics = [_static_track(o, max(steps, 1), source) for o in scenario.static_obstacles]
    for track in statics:
        track.check(source)
    network = scenario.lanelet_network
    return scenario_from_tracks(
        name=str(scenario.scenario_id),
        source=source,
        dt=dt,
        tracks=tracks + statics,
        lanes=commonroad_lanes(network),
        ego=ego,
        lane_lights=(lambda steps: lane_lights(network, steps)) if network.traffic_lights else None,
    )


#: commonroad-io TrafficLightState values -> LightState.
_LIGHT_STATES = {
    "green": LightState.GREEN,
    "yellow": LightState.YELLOW,
    "red": LightState.RED,
    "redYellow": LightState.RED,
    "inactive": LightState.NONE,
}


def lane_lights(lanelet_network: Any, steps: int) -> np.ndarray[Any, np.dtype[np.int8]]:
    """(steps, L) the :class:`LightState` of every lane (the lanelets in the network's order, as
    :func:`trajcore.map_sources.commonroad_lanes` lists them) at steps 0 … steps - 1. A lanelet
    that refers to a light ends at its stop line; the light controls the lanelets after it (its
    successors, the lanes through the intersection). A lane after several lights is red when one
    of them is, and takes the most restrictive of their other states."""
    lanelets = list(lanelet_network.lanelets)
    index = {ll.lanelet_id: i for i, ll in enumerate(lanelets)}
    lights = {tl.traffic_light_id: tl for tl in lanelet_network.traffic_lights}
    out = np.zeros((steps, len(lanelets)), np.int8)
    for lanelet in lanelets:
        for light_id in lanelet.traffic_lights:
            light = lights.get(light_id)
            if light is None or not light.active:
                continue
            states = np.array(
                [_LIGHT_STATES[light.get_state_at_time_step(t).value] for t in range(steps)],
                np.int8,
            )
            for successor in lanelet.successor:
                if successor in index:
                    column = out[:, index[successor]]
                    np.maximum(column, states, out=column)
    return out


def _quiet_reader() -> Any:
    """commonroad-io warns about every deprecated tag of the 2018b/2020a files; those notes are
    not the caller's concern."""
    logging.getLogger("commonroad").setLevel(logging.ERROR)
    try:
        from commonroad.common.file_reader import CommonRoadFileReader
    except ImportError as e:
        raise ImportError(
            "load_commonroad needs commonroad-io: pip install 'trajcore[data]'"
        ) from e
    return CommonRoadFileReader


def _read(path: Path) -> tuple[Any, Any]:
    reader = _quiet_reader()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such CommonRoad file")
    _check_adjacency(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return reader(str(path)).open()  # type: ignore[no-any-return]
    except Exception as e:  # commonroad-io and lxml raise many kinds for bad files
        raise ValueError(
            f"{path}: not a readable CommonRoad scenario ({type(e).__name__}: {e})"
        ) from e


def _check_adjacency(path: Path) -> None:
    """Refuse lanelets whose same-direction neighbours lead back to themselves: commonroad-io
    (2024.3 and 2026.1) follows those chains without end when it places traffic signs, so such a
    file would hang the reader (found by tests/fuzz)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError):
        return  # commonroad-io reports a file it cannot parse
    neighbour: dict[str, dict[str, str]] = {"adjacentLeft": {}, "adjacentRight": {}}
    for lanelet in root.iter("lanelet"):
        for side, links in neighbour.items():
            link = lanelet.find(side)
            if link is not None and link.get("drivingDir") == "same" and link.get("ref"):
                links[str(lanelet.get("id"))] = str(link.get("ref"))
    for side, links in neighbour.items():
        for start in links:
            seen, current = {start}, links[start]
            while current in links:
                if current in seen:
                    raise ValueError(
                        f"{path}: lanelet {start}'s same-direction {side} neighbours lead back "
                        f"to lanelet {current}, expected a chain that ends"
                    )
                seen.add(current)
                current = links[current]


def _extent(obstacle: Any, source: str) -> tuple[float, float]:
    # By fields, not class names: commonroad-io 2026 renamed Rectangle to RectObstacleShape,
    # Circle to CircleObstacleShape.
    shape = obstacle.obstacle_shape
    if hasattr(shape, "length") and hasattr(shape, "width"):
        return float(shape.length), float(shape.width)
    if hasattr(shape, "radius"):
        return 2.0 * float(shape.radius), 2.0 * float(shape.radius)
    if hasattr(shape, "vertices"):  # the polygon's box, aligned with the obstacle's frame
        v = np.asarray(shape.vertices, np.float64)
        size = v.max(axis=0) - v.min(axis=0)
        return float(size[0]), float(size[1])
    raise ValueError(
        f"{source}: obstacle {obstacle.obstacle_id} has a {type(shape).__name__} shape, "
        "expected a rectangle, circle or polygon"
    )


def _state_row(state: Any, where: str) -> list[float]:
    position: Any = getattr(state, "position", None)
    yaw: Any = getattr(state, "orientation", None)
    speed: Any = getattr(state, "velocity", None)
    fields = {"position": position, "orientation": yaw, "velocity": speed}
    missing = [name for name, value in fields.items() if value is None]
    if missing:
        raise ValueError(
            f"{where} at step {state.time_step} has no {' or '.join(missing)}, "
            "expected position, orientation and velocity"
        )
    yaw, speed = float(yaw), float(speed)
    # The state's velocity is the speed along the heading (the KS state of the recordings).
    return [
        float(position[0]),
        float(position[1]),
        yaw,
        speed * math.cos(yaw),
        speed * math.sin(yaw),
    ]


def _dynamic_track(obstacle: Any, source: str) -> Track:
    where = f"{source}: obstacle {obstacle.obstacle_id}"
    states = [obstacle.initial_state]
    trajectory = getattr(getattr(obstacle, "prediction", None), "trajectory", None)
    if obstacle.prediction is not None and trajectory is None:
        raise ValueError(
            f"{where} has a {type(obstacle.prediction).__name__}, expected a TrajectoryPrediction"
        )
    if trajectory is not None:
        states += list(trajectory.state_list)
    kind = str(obstacle.obstacle_type.value)
    return Track(
        track_id=str(obstacle.obstacle_id),
        kind=kind,
        agent_type=int(COMMONROAD_TYPES.get(kind, AgentType.OBJECT)),
        extent=_extent(obstacle, source),
        steps=np.array([int(s.time_step) for s in states], np.int64),
        states=np.array([_state_row(s, where) for s in states], np.float64).reshape(-1, 5),
    )


def _static_track(obstacle: Any, steps: int, source: str) -> Track:
    """A static obstacle stands at its initial pose through every step."""
    s = obstacle.initial_state
    kind = str(obstacle.obstacle_type.value)
    pose = [
        float(s.position[0]),
        float(s.position[1]),
        float(getattr(s, "orientation", 0.0) or 0.0),
    ]
    return Track(
        track_id=str(obstacle.obstacle_id),
        kind=kind,
        agent_type=int(COMMONROAD_TYPES.get(kind, AgentType.OBJECT)),
        extent=_extent(obstacle, source),
        steps=np.arange(steps, dtype=np.int64),
        states=np.tile(np.array([*pose, 0.0, 0.0], np.float64), (steps, 1)),
    )


def _ego_track(path: Path, scenario_id: str) -> Track:
    _quiet_reader()
    from commonroad.common.solution import CommonRoadSolutionReader

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such CommonRoad solution file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solution = CommonRoadSolutionReader.open(str(path))
    except Exception as e:
        raise ValueError(
            f"{path}: not a readable CommonRoad solution ({type(e).__name__}: {e})"
        ) from e
    if str(solution.scenario_id) != scenario_id:
        raise ValueError(
            f"{path}: the solution is for scenario {solution.scenario_id}, expected {scenario_id}"
        )
    if len(solution.planning_problem_solutions) != 1:
        raise ValueError(
            f"{path}: {len(solution.planning_problem_solutions)} planning-problem solutions, "
            "expected one (the logged ego)"
        )
    found = solution.planning_problem_solutions[0]
    states = list(found.trajectory.state_list)
    where = f"{path}: the ego"
    # The states keep their own time steps: the SinD conversions start some at a later step
    # than the planning problem's initial time, and those labels are the ones that agree with
    # the other agents' motion (docs/data.md).
    return Track(
        track_id="ego",
        kind="ego",
        agent_type=int(AgentType.VEHICLE),
        extent=_vehicle_extent(found.vehicle_type, path),
        steps=np.array([int(s.time_step) for s in states], np.int64),
        states=np.array([_state_row(s, where) for s in states], np.float64).reshape(-1, 5),
    )


def _vehicle_extent(vehicle_type: Any, path: Path) -> tuple[float, float]:
    try:
        from vehiclemodels import parameters_vehicle1, parameters_vehicle2, parameters_vehicle3
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "a CommonRoad solution's vehicle size needs commonroad-vehicle-models: "
            "pip install 'trajcore[data]'"
        ) from e
    by_id = {
        1: parameters_vehicle1.parameters_vehicle1,
        2: parameters_vehicle2.parameters_vehicle2,
        3: parameters_vehicle3.parameters_vehicle3,
    }
    make = by_id.get(int(vehicle_type.value))
    if make is None:
        raise ValueError(
            f"{path}: vehicle type {vehicle_type.name} ({int(vehicle_type.value)}), "
            "expected 1, 2 or 3 (cars with known dimensions)"
        )
    p = make()
    return float(p.l), float(p.w)
