"""Closed-loop replay of a recording: the ego (a logged vehicle, or the recording's own ego) is
driven by the planner, re-planning every step (0.1 s) on the predictor's forecasts; its next state
is its plan's next state, which the planner has tracked through the vehicle model. The other
agents replay their logs, or, with ``reactive=True``, the other vehicles keep to their logged
paths at IDM speeds behind whatever is ahead of them (trajcore.sim.idm) while pedestrians,
bicycles and objects replay their logs, as nuPlan's reactive agents do. The driven ego and the
logged human driving the same scenario are then scored with nuPlan's closed-loop score
(trajcore.score, "nuplan_cls"), with NAVSIM's traffic-light compliance as one more gate where the
recording has lights.

One step is: scene frame -> predictor_window -> predictor -> Planner.plan -> advance, the same
sequence the C++ vehicle program (examples/vehicle_app) runs on scene files; docs/replay.md."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._core import box_distance
from ..agents import PhysicsModes, add_physics_modes
from ..collision_metrics import AgentType
from ..data.map_edges import continue_cut_lanes
from ..data.scenario import LightState, Scenario
from ..data.windows import WindowConfig, lane_segments
from ..generators import IdmParams
from ..map_metrics import traffic_light_compliance
from ..planner import EmergencyBrake, LatticeSettings, Planner, PlanResult, PlanScene
from ..reference_line import ReferenceLine
from ..road_map import Lane, RoadMap
from ..scoring import ScoreResult, ScoringProfile, score
from .idm import IdmAgents
from .scene import SceneFrame, predictor_window, write_scene

#: The sub-scores of nuPlan's closed-loop score in the replay's report.
METRICS = (
    "total",
    "no_collision",
    "drivable_area",
    "driving_direction",
    "traffic_light",
    "making_progress",
    "progress",
    "ttc",
    "comfort",
    "speed_limit",
)


@dataclass(frozen=True)
class DriveMetrics:
    """nuPlan closed-loop metrics of one drive (the planner's or the logged human's)."""

    #: METRICS name -> value (total: nuPlan's closed-loop score of the scenario).
    scores: dict[str, float]
    #: Agents the ego touched, and whether one of the contacts was at fault.
    contacts: int
    at_fault_collision: bool
    progress_m: float
    #: (S+1, 6) the driven states.
    states: NDArray[np.float32]
    #: The smallest gap (m, box to box, trajcore.box_distance; negative: overlap) to any agent
    #: over the drive, and that agent's id ("" without agents).
    min_gap: float = math.inf
    min_gap_agent: str = ""


@dataclass(frozen=True)
class StepRecord:
    """What one replay step saw and chose (``replay(on_step=...)`` receives each)."""

    t: int
    frame: SceneFrame
    #: The planner's agents: (M, K, T+1, 3) predicted poses, (M, K) probabilities, (M,) valid.
    agents: NDArray[np.float32]
    agent_prob: NDArray[np.float32]
    agent_valid: NDArray[np.bool_]
    result: PlanResult


@dataclass(frozen=True)
class ReplayResult:
    scenario: str
    #: The ego: "ego" (the recording's) or the logged agent's id.
    ego: str
    start: int
    steps: int
    dt: float
    planner: DriveMetrics
    human: DriveMetrics
    #: Per step: the chosen candidate, its planner score, its plan (T+1, 6), cycle times (ms).
    chosen: NDArray[np.int32]
    chosen_total: NDArray[np.float32]
    plans: NDArray[np.float32]
    predict_ms: NDArray[np.float64]
    plan_ms: NDArray[np.float64]
    reactive: bool
    #: The other agents over the replayed steps: their indices in the scenario, (M', S+1, 5)
    #: states (logged, or moved by IDM) and (M', S+1) validity.
    agent_index: NDArray[np.int64]
    agent_states: NDArray[np.float64]
    agent_valid: NDArray[np.bool_]
    #: Indices of the recording's lanes left out of the map (see :func:`usable_lanes`).
    dropped_lanes: tuple[int, ...] = ()
    #: Indices of the lanes that run off the recording's map, each continued straight
    #: (:func:`trajcore.data.continue_cut_lanes`), in the map replay drove on.
    continued_lanes: tuple[int, ...] = ()
    #: The ego's logged acceleration at the start (the drive starts with it limited to the
    #: vehicle's range).
    logged_acceleration: float = 0.0

    def summary(self) -> dict[str, Any]:
        """A JSON-ready record (no arrays)."""
        return {
            "scenario": self.scenario,
            "ego": self.ego,
            "start": self.start,
            "steps": self.steps,
            "reactive": self.reactive,
            "planner": _metrics_record(self.planner),
            "human": _metrics_record(self.human),
            "dropped_lanes": list(self.dropped_lanes),
            "continued_lanes": list(self.continued_lanes),
            "logged_acceleration": self.logged_acceleration,
            "predict_ms_p50": float(np.median(self.predict_ms)),
            "plan_ms_p50": float(np.median(self.plan_ms)),
        }


#: The physics hypotheses replay puts beside the predictor's modes (trajcore.add_physics_modes).
DEFAULT_PHYSICS_MODES = PhysicsModes()

#: Metres the route and its reference line go on past the end of the ego's log.
ROUTE_AHEAD = 100.0

#: The fewest steps a replay drives (nuPlan's comfort estimates need at least 4 states).
MIN_DRIVE_STEPS = 3

#: How a drive is scored: nuPlan's closed-loop score, and a red light run (NAVSIM's traffic-light
#: compliance against the lights logged at each step) zeroes it as a gate.
DRIVE_PROFILE = dataclasses.replace(ScoringProfile.named("nuplan_cls"), gate_traffic_light=True)

#: The replay planner's lattice (examples/vehicle_app uses the same): target speeds 0-25 m/s
#: every 2.5 m/s and the lane's speed limit, maneuvers of 2-6 s (speed-ups at most 2 m/s^2,
#: inside nuPlan's 2.4 m/s^2 comfort bound), the default lateral offsets.
REPLAY_LATTICE = LatticeSettings(
    target_speeds=tuple(2.5 * i for i in range(11)),
    durations=(2.0, 3.0, 4.0, 5.0, 6.0),
    speed_limit_fractions=(1.0,),
    comfortable_acceleration=2.0,
)


def replay_planner(**overrides: Any) -> Planner:
    """The planner replay, the demo and fleet evaluation drive with: the multimodal
    ``trajcore_default`` profile over the predictor's whole 5 s horizon (50 steps of 0.1 s),
    :data:`REPLAY_LATTICE`, the emergency brake and comfortable candidates first. Keyword
    arguments override Planner's."""
    settings: dict[str, Any] = {
        "profile": "trajcore_default",
        "lattice": REPLAY_LATTICE,
        "emergency": EmergencyBrake(enabled=True),
        "comfortable_first": True,
        "steps": 50,
        "dt": 0.1,
    }
    return Planner(**{**settings, **overrides})


def pdm_closed_planner(**overrides: Any) -> Planner:
    """PDM-Closed as trajcore reproduces it, the peer in ``trajcore evaluate --planner
    pdm_closed``: centreline x IDM proposals (``pdm_proposals``: offsets -1, 0, 1 m, 20-100 % of
    the lane's speed limit), the ``pdm_closed`` profile over a 4 s horizon (40 steps of 0.1 s)
    and its emergency brake (an at-fault collision within 2 s below 5 m/s). Its agents are
    constant-velocity forecasts (``trajcore.sim.ConstantVelocityPredictor``, no physics modes),
    as PDM-Closed's scorer forecasts them. Keyword arguments override Planner's."""
    settings: dict[str, Any] = {
        "profile": "pdm_closed",
        "generator": "pdm_proposals",
        "steps": 40,
        "dt": 0.1,
        "emergency": EmergencyBrake(enabled=True, on_fallback=False),
    }
    return Planner(**{**settings, **overrides})


def default_ego(scenario: Scenario) -> str:
    """The recording's ego where it has one, else the logged vehicle that travels farthest in
    its first unbroken run (a long, moving drive; ties: the earliest start, the lowest index)."""
    if scenario.has_ego:
        return "ego"
    best, best_key = -1, (0.0, 0, 0)
    for i in range(scenario.agent_count):
        if scenario.agent_type[i] != 0:  # vehicles only
            continue
        first, length = _first_run(scenario.agent_valid[i])
        if length < 2:
            continue
        xy = scenario.agent_states[i, first : first + length, :2]
        travelled = float(np.hypot(*np.diff(xy, axis=0).T).sum())
        key = (travelled, -first, -i)
        if key > best_key:
            best, best_key = i, key
    if best < 0:
        raise ValueError(f"scenario {scenario.name!r} has no logged vehicle to drive as the ego")
    return scenario.agent_id[best]


def replay(
    scenario: Scenario,
    ego_id: str | None,
    planner: Planner,
    predictor: Any,
    *,
    reactive: bool = False,
    idm: IdmParams | None = None,
    max_steps: int | None = None,
    warmup: int | None = None,
    scene_dir: str | Path | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
    physics_modes: PhysicsModes | None = DEFAULT_PHYSICS_MODES,
) -> ReplayResult:
    """Drive ``ego_id`` (an agent id of the recording, "ego" for the recording's ego, None for
    :func:`default_ego`) through ``scenario`` to the end of its first unbroken logged run (at
    most ``max_steps`` steps), starting ``warmup`` steps into the run (default: the predictor's
    history, 2 s, as nuPlan keeps history before a scenario; fewer when the run is short).
    ``scene_dir`` writes each step's scene file (scene_00000.trj, ...) for the vehicle program;
    ``on_step`` sees every step (:class:`StepRecord`). ``physics_modes`` puts constant-velocity,
    constant-turn-rate and held-box hypotheses beside the predictor's modes
    (:func:`trajcore.add_physics_modes`; None plans on the predictor's modes alone).

    ``predictor`` is a :class:`trajcore.Predictor` or anything with its ``config`` (history,
    future, modes, dt, lane points and spacing) and ``predict_window`` (e.g.
    :class:`trajcore.sim.ConstantVelocityPredictor`, which needs no torch)."""
    cfg = predictor.config
    if not math.isclose(scenario.dt, cfg.dt, rel_tol=1e-6) or not math.isclose(
        planner.dt, cfg.dt, rel_tol=1e-6
    ):
        raise ValueError(
            f"scenario dt {scenario.dt:g} s, planner dt {planner.dt:g} s and predictor dt "
            f"{cfg.dt:g} s must agree (resample the scenario: trajcore.data.resample_scenario)"
        )
    if planner.steps > cfg.future:
        raise ValueError(
            f"planner.steps is {planner.steps}, expected at most the predictor's {cfg.future} "
            "predicted steps"
        )
    ego_id = default_ego(scenario) if ego_id is None else ego_id
    lanes, dropped = usable_lanes(scenario.lanes)
    # The recording's map stops where its sensors did; the road goes on (no light on it).
    lanes, areas, continued = continue_cut_lanes(lanes, scenario.drivable_areas)
    lights = scenario.lane_lights
    if lights is not None:
        lights = np.delete(lights, list(dropped), axis=1)
        lights = np.pad(lights, ((0, 0), (0, len(continued))), constant_values=LightState.NONE)
    scenario = dataclasses.replace(scenario, lanes=lanes, drivable_areas=areas, lane_lights=lights)
    world = _World.build(
        scenario, ego_id, reactive, idm or IdmParams(), cfg.history if warmup is None else warmup
    )
    # The planner checks the box the metrics score: the ego's logged size. (A larger planning
    # box let the driven one pass where the metric's did not, and back: NGSIM US-101's logged
    # drivers keep their corners within millimetres of the 0.3 m drivable tolerance.)
    planner = planner.with_vehicle(
        dataclasses.replace(
            planner.vehicle,
            length=float(world.ego_extent[0]),
            width=float(world.ego_extent[1]),
        )
    )
    # A log's acceleration is a difference of noisy speeds (NGSIM: up to 25 m/s^2); the
    # vehicle starts with it limited to what it can do, and the summary keeps the logged value.
    logged_acceleration = float(world.ego_driven[world.start, 4])
    world.ego_driven[world.start, 4] = min(
        max(logged_acceleration, -planner.vehicle.max_deceleration),
        planner.vehicle.max_acceleration,
    )
    road_map = scenario.road_map()
    route, reference = expert_route(
        world.ego_log_states[world.first : world.end + 1], road_map, continued
    )
    segments = lane_segments(scenario.lanes, cfg.lane_spacing, cfg.lane_points)
    window_cfg = WindowConfig(
        dt=cfg.dt,
        history=cfg.history,
        future=0,
        lane_points=cfg.lane_points,
        lane_spacing=cfg.lane_spacing,
    )
    end = world.end if max_steps is None else min(world.end, world.start + max_steps)
    if scene_dir is not None:
        Path(scene_dir).mkdir(parents=True, exist_ok=True)
    vehicle = planner.vehicle
    chosen, totals, predict_ms, plan_ms = [], [], [], []
    plans: list[NDArray[np.float32]] = []
    for t in range(world.start, end):
        frame = world.frame(
            t, cfg.history, segments, route, reference, red_lanes(scenario, t, route)
        )
        if scene_dir is not None:
            write_scene(Path(scene_dir) / f"scene_{t - world.start:05d}.trj", frame)
        begin = time.perf_counter()
        agents, prob, valid = predict_frame(predictor, frame, window_cfg, planner.steps)
        if physics_modes is not None:
            agents, prob, valid = add_physics_modes(
                agents,
                prob,
                valid,
                np.ascontiguousarray(frame.agent_history),
                np.ascontiguousarray(frame.agent_history_valid),
                frame.dt,
                physics_modes,
            )
        predict_ms.append((time.perf_counter() - begin) * 1e3)
        result = planner.plan(
            PlanScene(
                ego_state=frame.ego_state,
                agents=agents,
                agent_extent=frame.agent_extent.astype(np.float32),
                agent_type=frame.agent_type,
                agent_prob=prob,
                agent_valid=valid,
                road_map=road_map,
                reference_line=reference,
                route_lanes=route.tolist() or None,
                previous=plans[-1] if plans else None,
                previous_shift=1,
                red_lanes=frame.red_lanes,
            )
        )
        plan_ms.append(result.timings.total_ms)
        chosen.append(result.chosen)
        totals.append(float(result.scores.total[result.chosen]))
        plans.append(np.array(result.trajectory, np.float32))
        if on_step is not None:
            on_step(StepRecord(t, frame, agents, prob, valid, result))
        world.advance(t, np.array(result.trajectory[1], np.float32))
    steps = end - world.start
    window = slice(world.start, end + 1)
    driven = np.array(world.ego_driven[window], np.float32)
    human = _log_states(world.ego_log_states[window], scenario.dt)
    common = dict(
        params=vehicle,
        dt=scenario.dt,
        road_map=road_map,
        centerline=reference,
        route_lanes=route.tolist() or None,
        profile=DRIVE_PROFILE,
    )
    planner_metrics = _drive_metrics(driven, human, world, window, True, common)
    human_metrics = _drive_metrics(human, human, world, window, False, common)
    return ReplayResult(
        scenario=scenario.name,
        ego=ego_id,
        start=world.start,
        steps=steps,
        dt=scenario.dt,
        planner=planner_metrics,
        human=human_metrics,
        chosen=np.array(chosen, np.int32),
        chosen_total=np.array(totals, np.float32),
        plans=np.array(plans, np.float32).reshape(steps, planner.steps + 1, 6),
        predict_ms=np.array(predict_ms),
        plan_ms=np.array(plan_ms),
        reactive=reactive,
        agent_index=world.others,
        agent_states=world.states[:, window].copy(),
        agent_valid=world.valid[:, window].copy(),
        dropped_lanes=dropped,
        continued_lanes=tuple(continued),
        logged_acceleration=logged_acceleration,
    )


def predict_frame(
    predictor: Any, frame: SceneFrame, config: WindowConfig, steps: int
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.bool_]]:
    """The frame's agents as the planner takes them, predicted: :func:`planner_agents` of the
    predictor's outputs on :func:`predictor_window`."""
    window = predictor_window(frame, config)
    trajectories, probabilities = predictor.predict_window(window)
    agent_types = getattr(predictor.config, "agent_types", ())
    return planner_agents(frame, window, trajectories, probabilities, steps, agent_types)


def planner_agents(
    frame: SceneFrame,
    window: dict[str, NDArray[Any]],
    trajectories: NDArray[np.float32],
    probabilities: NDArray[np.float32],
    steps: int,
    agent_types: Collection[int] = (),
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.bool_]]:
    """The predictor's outputs for ``window`` (trajectories (A, K, F, 3), probabilities (A, K))
    as the planner's agents: (M, K, steps+1, 3) poses of the frame's agents (step 0: the current
    pose), (M, K) probabilities (uniform for agents not predicted) and (M,) validity. Agents of a
    class outside ``agent_types`` (the classes the model was trained on; empty: all) count as
    not predicted: the physics modes alone stand for them. The twin of C++
    trajcore::planner_agents."""
    future = trajectories.shape[2]
    if steps > future:
        raise ValueError(f"steps is {steps}, expected at most the predictor's {future} steps")
    m, k = frame.agent_count, probabilities.shape[-1]
    out = np.zeros((m, k, steps + 1, 3), np.float32)
    prob = np.full((m, k), 1.0 / k, np.float32)
    valid = np.zeros(m, np.bool_)
    known = {int(t) for t in agent_types}
    for slot, index in enumerate(window["agent_index"]):
        if known and int(window["agent_type"][slot]) not in known:
            continue
        if 0 <= index < m:  # the ego (index m) is context only
            out[index, :, 0] = frame.agent_history[index, -1, :3]
            out[index, :, 1:] = trajectories[slot, :, :steps]
            out[index, :, 1:, :2] += window["origin"]
            prob[index] = probabilities[slot]
            valid[index] = True
    return out, prob, valid


@dataclass
class _World:
    """The simulation's state: every agent's states on the scenario's steps (logged, or reactive
    where IDM moved them) and the ego's log and driven states."""

    scenario: Scenario
    others: NDArray[np.int64]  # the scenario's agents that are not the ego
    states: NDArray[np.float64]  # (M', T, 5)
    valid: NDArray[np.bool_]  # (M', T)
    ego_log_states: NDArray[np.float64]  # (T, 5)
    ego_extent: NDArray[np.float64]
    ego_history: NDArray[np.float64]  # (T, 5): the log before start, then driven
    ego_history_valid: NDArray[np.bool_]  # (T,)
    ego_driven: NDArray[np.float64]  # (T, 6)
    first: int  # the first step of the ego's unbroken run
    start: int  # the first planned step
    end: int  # the last step of the ego's unbroken run
    idm: IdmAgents | None

    @classmethod
    def build(
        cls, scenario: Scenario, ego_id: str, reactive: bool, idm: IdmParams, warmup: int = 0
    ) -> _World:
        m = scenario.agent_count
        if ego_id == "ego":
            if not scenario.has_ego:
                raise ValueError(f"scenario {scenario.name!r} has no recorded ego")
            assert scenario.ego_states is not None and scenario.ego_valid is not None
            assert scenario.ego_extent is not None
            ego_states, ego_valid, extent = (
                scenario.ego_states,
                scenario.ego_valid,
                scenario.ego_extent,
            )
            others = np.arange(m)
        else:
            if ego_id not in scenario.agent_id:
                raise ValueError(
                    f"ego_id is {ego_id!r}, expected 'ego' or an agent id of {scenario.name!r}"
                )
            index = scenario.agent_id.index(ego_id)
            ego_states = scenario.agent_states[index]
            ego_valid = scenario.agent_valid[index]
            extent = scenario.agent_extent[index]
            others = np.array([i for i in range(m) if i != index], np.int64)
        first, length = _first_run(ego_valid)
        if length < MIN_DRIVE_STEPS + 1:
            raise ValueError(
                f"the ego {ego_id!r} of {scenario.name!r} is logged for {length} step(s) in a "
                f"row, expected at least {MIN_DRIVE_STEPS + 1} (nuPlan's comfort metrics need "
                f"{MIN_DRIVE_STEPS} steps driven)"
            )
        # Planning starts once the predictor has its history (nuPlan keeps 2 s of history
        # before a scenario's start), leaving at least MIN_DRIVE_STEPS steps to drive.
        start = first + max(0, min(warmup, length - 1 - MIN_DRIVE_STEPS))
        t = scenario.steps
        history = np.zeros((t, 5))
        history[: start + 1] = ego_states[: start + 1]
        history_valid = np.zeros(t, np.bool_)
        history_valid[: start + 1] = ego_valid[: start + 1]
        driven = np.zeros((t, 6))
        run = _log_states(ego_states[first : first + length], scenario.dt)
        driven[start] = run[start - first]
        states = scenario.agent_states[others].copy()
        valid = scenario.agent_valid[others].copy()
        world = cls(
            scenario,
            others,
            states,
            valid,
            ego_states,
            np.asarray(extent, np.float64),
            history,
            history_valid,
            driven,
            first,
            start,
            first + length - 1,
            IdmAgents.from_log(states, valid, idm) if reactive else None,
        )
        if world.idm is not None:
            for i in range(len(others)):  # agents already on the road join at their logged s
                before = int(valid[i, :start].sum())
                if valid[i, start]:
                    world.idm.s[i] = world.idm.paths[i][before, 0]
                    world.idm.v[i] = math.hypot(*states[i, start, 3:5])
        return world

    def frame(
        self,
        t: int,
        history: int,
        segments: Any,
        route: NDArray[np.int32],
        reference: Any,
        red: NDArray[np.int32] | None = None,
    ) -> SceneFrame:
        rows = np.arange(t - history, t + 1)
        inside = rows >= 0
        rows = np.clip(rows, 0, None)
        present = np.flatnonzero(self.valid[:, t])
        agent_history = self.states[present][:, rows].copy()
        agent_valid = self.valid[present][:, rows] & inside
        agent_history[~agent_valid] = 0.0
        ego_valid = self.ego_history_valid[rows] & inside
        ego_history = self.ego_history[rows].copy()
        ego_history[~ego_valid] = 0.0
        s = self.scenario
        return SceneFrame(
            name=s.name,
            step=t,
            dt=s.dt,
            ego_state=self.ego_driven[t].astype(np.float32),
            ego_extent=self.ego_extent,
            ego_history=ego_history,
            ego_history_valid=ego_valid,
            agent_index=self.others[present].astype(np.int32),
            agent_history=agent_history,
            agent_history_valid=agent_valid,
            agent_type=s.agent_type[self.others[present]].astype(np.int32),
            agent_extent=s.agent_extent[self.others[present]],
            lanes=s.lanes,
            drivable_areas=s.drivable_areas,
            segment_points=segments[0],
            segment_valid=segments[1],
            segment_attributes=segments[2],
            route_lanes=route,
            reference_points=reference.source_points,
            reference_spacing=reference.spacing,
            reference_smoothing=reference.smoothing,
            red_lanes=np.zeros(0, np.int32) if red is None else red,
        )

    def advance(self, t: int, next_state: NDArray[np.float32]) -> None:
        """The ego moves to ``next_state`` (its plan's next state); reactive agents follow."""
        self.ego_driven[t + 1] = next_state
        self.ego_history[t + 1] = ego_history_row(next_state)
        self.ego_history_valid[t + 1] = True
        if self.idm is None:
            return
        # Vehicles only: a pedestrian or cyclist does not follow the car ahead on its path, and
        # IDM sped SinD's cyclists up to their fastest logged speed through the ego's path where
        # the log had them slow down and let the ego pass.
        vehicle = self.scenario.agent_type[self.others] == AgentType.VEHICLE
        present = self.valid[:, t] & self.valid[:, t + 1] & vehicle
        speed = np.hypot(self.states[:, t, 3], self.states[:, t, 4])
        others = np.column_stack([self.states[:, t, :3], speed])[self.valid[:, t]]
        others = np.vstack([others, [*self.ego_driven[t, :3], self.ego_driven[t, 3]]])
        extents = np.vstack(
            [self.scenario.agent_extent[self.others][self.valid[:, t]], self.ego_extent]
        )
        self.idm.advance(
            self.scenario.dt, present, self.scenario.agent_extent[self.others], others, extents
        )
        for i in np.flatnonzero(present):
            x, y, yaw = self.idm.pose(int(i))
            v = self.idm.v[i]
            self.states[i, t + 1] = [x, y, yaw, v * math.cos(yaw), v * math.sin(yaw)]


def usable_lanes(lanes: tuple[Lane, ...]) -> tuple[tuple[Lane, ...], tuple[int, ...]]:
    """The lanes a RoadMap accepts, and the indices of those it refuses (a lane whose polygon
    crosses itself, as a few recorded NGSIM lanelets do): those are left out and successor
    links to them dropped, so one bad lanelet does not stop a replay. ``replay`` reports them."""
    keep: list[int] = []
    for i, lane in enumerate(lanes):
        try:
            RoadMap([Lane(lane.centerline, lane.left, lane.right, lane.speed_limit)])
        except ValueError:
            continue
        keep.append(i)
    if len(keep) == len(lanes):
        return lanes, ()
    new_index = {old: new for new, old in enumerate(keep)}
    kept = tuple(
        dataclasses.replace(
            lanes[i], successors=tuple(new_index[j] for j in lanes[i].successors if j in new_index)
        )
        for i in keep
    )
    return kept, tuple(i for i in range(len(lanes)) if i not in new_index)


def red_lanes(
    scenario: Scenario, t: int, route: NDArray[np.int32] | None = None
) -> NDArray[np.int32]:
    """(R,) the lanes whose light is red at step ``t`` (none without lights or after the
    recording). With a ``route`` (non-empty), only those beyond the route's stop lines: the
    successors of its lanes outside junctions. The lanes through a junction overlap, and a
    crossing connector's red light is not the ego's; nor is a light met inside the junction,
    past its stop line."""
    if scenario.lane_lights is None or not 0 <= t < len(scenario.lane_lights):
        return np.zeros(0, np.int32)
    red = np.flatnonzero(scenario.lane_lights[t] == LightState.RED).astype(np.int32)
    if route is not None and len(route):
        lanes = scenario.lanes
        entries = {
            int(j)
            for i in route
            if not lanes[int(i)].in_intersection
            for j in lanes[int(i)].successors
        }
        red = red[np.isin(red, sorted(entries))]
    return red


def entered_red_lanes(
    states: NDArray[np.float32],
    extent: NDArray[np.float64],
    scenario: Scenario,
    window: slice,
    common: dict[str, Any],
) -> list[NDArray[np.int32]]:
    """Per step of a drive, the route's red lanes its box had not met the step before: running a
    light is entering its lane on red, not being in it when the light changes (a vehicle that
    entered on yellow clears the junction)."""
    route = np.asarray(common["route_lanes"] or [], np.int32)
    out: list[NDArray[np.int32]] = []
    for k, t in enumerate(range(window.start, window.stop)):
        red = red_lanes(scenario, t, route)
        if k > 0 and len(red):
            before = np.ascontiguousarray(states[None, k - 1 : k])  # one trajectory, one step
            road_map = common["road_map"]
            inside = [
                traffic_light_compliance(before, extent, road_map, np.full((1, 1), lane)).score[0]
                < 1.0
                for lane in red
            ]
            red = red[~np.array(inside, np.bool_)]
        out.append(red)
    return out


def ego_history_row(state: NDArray[np.float32]) -> NDArray[np.float64]:
    """The ego's history entry (x, y, yaw, vx, vy) for a planner state (x, y, yaw, v, ...): the
    velocity in double precision through the C library's cosine and sine, as the C++ program
    computes it."""
    x, y, yaw, v = (float(value) for value in state[:4])
    return np.array([x, y, yaw, v * math.cos(yaw), v * math.sin(yaw)])


def _first_run(valid: NDArray[np.bool_]) -> tuple[int, int]:
    """(first valid step, length of the unbroken run from it); (-1, 0) if never valid."""
    on = np.flatnonzero(valid)
    if on.size == 0:
        return -1, 0
    first = int(on[0])
    gaps = np.flatnonzero(~valid[first:])
    return first, int(gaps[0]) if gaps.size else int(valid.size - first)


def _log_states(log: NDArray[np.float64], dt: float) -> NDArray[np.float32]:
    """Logged (x, y, yaw, vx, vy) as planner states (x, y, yaw, v, a, steering 0): v the speed
    (the velocity's magnitude: a car standing still whose log jitters backwards by a few cm/s is
    standing still, and the planner's vehicle does not reverse), a its central differences."""
    v = np.hypot(log[:, 3], log[:, 4])
    a = np.gradient(v, dt) if len(v) > 1 else np.zeros_like(v)
    out = np.zeros((len(log), 6), np.float32)
    out[:, :3], out[:, 3], out[:, 4] = log[:, :3], v, a
    return out


def expert_route(
    log: NDArray[np.float64], road_map: RoadMap, continued: dict[int, int] | None = None
) -> tuple[NDArray[np.int32], ReferenceLine]:
    """The route as nuPlan takes it from the expert: the lanes the logged drive passes through
    (in order), the continuations of those that run off the map (``continued``) and, as the
    mission goes on past the log's end, the lanes the lane of its last pose leads into within
    ROUTE_AHEAD metres; as the reference line, the logged path itself, extended ROUTE_AHEAD
    metres straight beyond its end (so progress past the log's last position still counts). A
    parked ego (its log moves less than 0.5 m) gets neither the continuations nor the lanes
    ahead: where it would go is not known, and it waited for a reason the recording may not
    hold. ``log``: (S, >=3) the ego's logged x, y, yaw over the drive."""
    continued = continued or {}
    kept = [log[0, :2]]
    heading = np.array([math.cos(float(log[0, 2])), math.sin(float(log[0, 2]))])
    for xy in log[1:, :2]:
        step = xy - kept[-1]
        if math.hypot(*step) < 0.5:
            continue
        # A step back against the way the path goes is the log's noise (NGSIM's positions of a
        # car creeping in a queue jitter by half a metre), not a reversal: the line would fold
        # back on itself and progress along it stall at the fold.
        ahead = kept[-1] - kept[-2] if len(kept) > 1 else heading
        if float(np.dot(step, ahead)) < 0:
            continue
        kept.append(xy)
    parked = len(kept) < 2
    if parked:  # along its heading
        yaw = float(log[-1, 2])
        direction = np.array([math.cos(yaw), math.sin(yaw)])
    else:
        step = kept[-1] - kept[-2]
        direction = step / np.hypot(*step)
    kept.append(kept[-1] + ROUTE_AHEAD * direction)
    points = np.array(kept, np.float64)
    lanes = road_map.locate_lanes(np.asarray(log[:, :3], np.float32)).lane
    route = list(dict.fromkeys(int(v) for v in np.asarray(lanes) if v >= 0))
    if parked:
        return np.array(route, np.int32), ReferenceLine(points, smoothing=2.0)
    route += [continued[lane] for lane in route if lane in continued]
    located = [int(v) for v in np.asarray(lanes) if v >= 0]
    if located:
        # Breadth first from the lane of the log's last located pose (not the last lane to join
        # the list: where a turn and the straight on share their first metres, the log visits
        # both): (lane, metres from the log's end to its start).
        frontier, seen = [(located[-1], 0.0)], set(route)
        while frontier:
            lane, start = frontier.pop(0)
            for nxt in road_map.successors(lane):
                if nxt not in seen:
                    seen.add(nxt)
                    route.append(nxt)
                    end = start + road_map.lane_length(nxt)
                    if end < ROUTE_AHEAD:
                        frontier.append((nxt, end))
    return np.array(route, np.int32), ReferenceLine(points, smoothing=2.0)


def _drive_metrics(
    states: NDArray[np.float32],
    expert: NDArray[np.float32],
    world: _World,
    window: slice,
    simulated: bool,
    common: dict[str, Any],
) -> DriveMetrics:
    """nuPlan's closed-loop score of one drive against the agents it met: the simulated agents
    for the planner, the logged ones for the human."""
    scenario = world.scenario
    agent_states = world.states if simulated else scenario.agent_states[world.others]
    valid = world.valid[:, window]
    agents = np.ascontiguousarray(agent_states[:, window, :3][:, None], dtype=np.float32)
    red = entered_red_lanes(states, world.ego_extent, scenario, window, common)
    width = max((len(r) for r in red), default=0)
    red_lights = np.full((len(red), max(width, 1)), -1, np.int32)  # (T+1, R): one trajectory
    for k, r in enumerate(red):
        red_lights[k, : len(r)] = r
    result: ScoreResult = score(
        states[None],
        agents,
        scenario.agent_extent[world.others].astype(np.float32),
        scenario.agent_type[world.others].astype(np.int32),
        agent_valid=np.ascontiguousarray(valid),
        expert=expert,
        red_lights=red_lights if width else None,
        **common,
    )
    values = {name: float(np.asarray(getattr(result, name)).reshape(-1)[0]) for name in METRICS}
    gap, gap_agent = _min_gap(states, world, agent_states[:, window], valid)
    types = np.asarray(result.collision_type).reshape(-1)
    return DriveMetrics(
        scores=values,
        contacts=int((types >= 0).sum()),
        at_fault_collision=values["no_collision"] < 1.0,
        progress_m=float(np.asarray(result.progress_m).reshape(-1)[0]),
        states=states,
        min_gap=gap,
        min_gap_agent=gap_agent,
    )


def agent_gaps(
    states: NDArray[Any],
    extent: Any,
    agents: NDArray[Any],
    agent_extent: NDArray[Any],
    valid: NDArray[np.bool_],
) -> NDArray[np.float32]:
    """(M, S+1) the box-to-box gap (``trajcore.box_distance``; negative: overlap) from the ego's
    (S+1, >=3) states to each of the (M, S+1, >=3) agents, +inf where an agent is not valid."""
    ego = np.concatenate([states[:, :3], np.broadcast_to(extent, (len(states), 2))], 1)
    shape = (*agents.shape[:2], 2)
    boxes = np.concatenate(
        [agents[..., :3], np.broadcast_to(np.asarray(agent_extent)[:, None], shape)], -1
    )
    gaps = box_distance(ego[None].astype(np.float32), boxes.astype(np.float32))
    return np.where(valid, gaps, np.float32(np.inf))


def _min_gap(
    states: NDArray[np.float32],
    world: _World,
    agent_states: NDArray[np.float64],
    valid: NDArray[np.bool_],
) -> tuple[float, str]:
    """The smallest gap of the drive to any agent, and that agent's id."""
    if not valid.any():
        return math.inf, ""
    extents = world.scenario.agent_extent[world.others]
    gaps = agent_gaps(states, world.ego_extent, agent_states, extents, valid)
    agent, _ = np.unravel_index(int(np.argmin(gaps)), gaps.shape)
    return float(gaps.min()), world.scenario.agent_id[int(world.others[agent])]


def _metrics_record(m: DriveMetrics) -> dict[str, Any]:
    return {
        **m.scores,
        "contacts": m.contacts,
        "at_fault_collision": m.at_fault_collision,
        "progress_m": m.progress_m,
        "min_gap_m": m.min_gap,
        "min_gap_agent": m.min_gap_agent,
    }
