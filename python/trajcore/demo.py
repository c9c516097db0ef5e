"""The built-in demo: a highway snapshot checked with trajcore's box geometry, a full collision
query (candidates against multimodal predictions) on the synthetic highway scene, drivable
candidates generated, tracked and checked on the same scene, and a whole planning cycle there.

This grows with each capability (prediction, candidates, rollout, scoring).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import _core
from .collision import check_collisions
from .generators import Candidates, frenet_lattice
from .planner import Planner, PlanReason, PlanScene
from .reference_line import ReferenceLine
from .road_map import Lane, RoadMap
from .synthetic import highway_scene

LANE_WIDTH = 3.7


@dataclass(frozen=True)
class Scene:
    """An ego box and named agent boxes (x, y, yaw, length, width), ego frame, metres."""

    ego: NDArray[np.float32]
    agents: NDArray[np.float32]
    names: tuple[str, ...]


def highway_snapshot() -> Scene:
    """Three lanes, the ego in the middle one; a car from the right lane cuts in too close."""
    rows = [
        ("lead car, same lane", 28.0, 0.0, 0.0, 4.6, 1.9),
        ("truck, left lane", 6.0, LANE_WIDTH, 0.0, 12.0, 2.5),
        ("cut-in car, right lane", 3.6, -1.45, 0.18, 4.5, 1.8),
        ("car alongside, right", -1.5, -LANE_WIDTH, -0.02, 4.4, 1.8),
        ("follower, same lane", -11.0, 0.1, 0.01, 4.8, 1.9),
        ("merging van", 14.0, -6.2, 0.35, 5.3, 2.0),
    ]
    ego = np.array([0.0, 0.0, 0.0, 4.8, 1.95], dtype=np.float32)
    agents = np.array([row[1:] for row in rows], dtype=np.float32)
    return Scene(ego=ego, agents=agents, names=tuple(row[0] for row in rows))


@dataclass(frozen=True)
class DemoResult:
    overlap: NDArray[np.bool_]
    distance: NDArray[np.float32]
    pairs_per_second: float
    threads: int


def run(scene: Scene, throughput_pairs: int = 1_000_000, seed: int = 0) -> DemoResult:
    overlap = _core.box_overlap(scene.ego, scene.agents)
    distance = _core.box_distance(scene.ego, scene.agents)
    # Throughput on random traffic around the scene, the size of one batched planning query.
    rng = np.random.default_rng(seed)
    others = np.empty((throughput_pairs, 5), dtype=np.float32)
    others[:, :2] = rng.uniform(-30, 30, (throughput_pairs, 2))
    others[:, 2] = rng.uniform(-np.pi, np.pi, throughput_pairs)
    others[:, 3:] = rng.uniform([3.5, 1.6], [12.0, 2.5], (throughput_pairs, 2))
    egos = np.broadcast_to(scene.ego, others.shape).copy()
    out = np.empty(throughput_pairs, dtype=bool)
    _core.box_overlap(egos, others, out=out)  # warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        _core.box_overlap(egos, others, out=out)
        times.append(time.perf_counter() - start)
    return DemoResult(
        overlap, distance, throughput_pairs / float(np.median(times)), _core.get_num_threads()
    )


@dataclass(frozen=True)
class CollisionDemo:
    candidates: int
    agents: int
    modes: int
    steps: int
    collision_free: int
    safest: int  # the candidate with the lowest collision probability, then the largest clearance
    safest_prob: float
    safest_clearance: float
    query_ms: float  # median of 5, all result fields
    swept_query_ms: float


def collisions(n_candidates: int = 1024, n_agents: int = 64, seed: int = 0) -> CollisionDemo:
    """check_collisions on trajcore.synthetic.highway_scene, timed."""
    s = highway_scene(n_candidates, n_agents, n_modes=6, steps=80, seed=seed)
    args = (s.ego, s.ego_extent, s.agents, s.agent_extent, s.agent_prob, s.agent_valid)

    def median_ms(swept: bool) -> float:
        check_collisions(*args, swept=swept)  # warm-up: workspace and threads
        times = []
        for _ in range(5):
            start = time.perf_counter()
            check_collisions(*args, swept=swept)
            times.append(time.perf_counter() - start)
        return float(np.median(times)) * 1e3

    r = check_collisions(*args, swept=True)
    order = np.lexsort((-r.min_clearance, r.collision_prob))
    safest = int(order[0])
    return CollisionDemo(
        candidates=n_candidates,
        agents=n_agents,
        modes=s.agents.shape[1],
        steps=s.agents.shape[2],
        collision_free=int((r.collision_prob == 0).sum()),
        safest=safest,
        safest_prob=float(r.collision_prob[safest]),
        safest_clearance=float(r.min_clearance[safest]),
        query_ms=median_ms(False),
        swept_query_ms=median_ms(True),
    )


@dataclass(frozen=True)
class CandidateDemo:
    candidates: int
    steps: int
    generate_ms: float  # median of 5: lattice generation and LQR tracking
    at_limit: int  # candidates whose tracking reached a vehicle limit at some step
    collision_free: int
    best: int  # lowest collision probability, then the largest clearance, then the most progress
    best_offset: float
    best_speed: float
    best_duration: float
    best_prob: float
    best_clearance: float


def drivable_candidates(
    n_candidates: int = 1024, n_agents: int = 64, seed: int = 0
) -> CandidateDemo:
    """A Frenet lattice from the ego of trajcore.synthetic.highway_scene along its lane (offsets
    to the neighbouring lane centres, target speeds, durations), tracked by nuPlan's LQR into
    drivable trajectories, timed, and collision-checked against the scene's predictions."""
    s = highway_scene(1, n_agents, n_modes=6, steps=80, seed=seed)
    lane_y = float(s.ego[0, 0, 1])
    lane = ReferenceLine(np.array([[-50.0, lane_y], [500.0, lane_y]]), smoothing=0.0)
    offsets = np.linspace(-LANE_WIDTH, LANE_WIDTH, 7).tolist()
    durations = [3.0, 4.5, 6.0, 8.0]
    per_speed = len(offsets) * len(durations)
    speeds = np.linspace(0.0, 25.0, max(1, round(n_candidates / per_speed))).tolist()
    steps = s.agents.shape[2] - 1

    def generate() -> Candidates:
        return frenet_lattice(s.ego[0, 0], lane, offsets, speeds, durations, steps, s.dt)

    generate()  # warm-up: threads and buffers
    times = []
    for _ in range(5):
        start = time.perf_counter()
        lattice = generate()
        times.append(time.perf_counter() - start)
    r = check_collisions(
        lattice.states,
        s.ego_extent,
        s.agents,
        s.agent_extent,
        s.agent_prob,
        s.agent_valid,
        swept=True,
    )
    progress = lattice.states[:, -1, 0] - lattice.states[:, 0, 0]
    best = int(np.lexsort((-progress, -r.min_clearance, r.collision_prob))[0])
    return CandidateDemo(
        candidates=len(lattice.offsets),
        steps=steps,
        generate_ms=float(np.median(times)) * 1e3,
        at_limit=int(np.any(lattice.saturation != 0, axis=1).sum()),
        collision_free=int((r.collision_prob == 0).sum()),
        best=best,
        best_offset=float(lattice.offsets[best]),
        best_speed=float(lattice.target_speeds[best]),
        best_duration=float(lattice.durations[best]),
        best_prob=float(r.collision_prob[best]),
        best_clearance=float(r.min_clearance[best]),
    )


@dataclass(frozen=True)
class PlanDemo:
    candidates: int
    chosen: int
    offset: float
    target_speed: float
    total: float
    reasons: dict[str, int]  # PlanReason name -> count
    cycle_ms: float  # median of 5 cycles


def planning_cycle(n_agents: int = 64, seed: int = 0) -> PlanDemo:
    """One planning cycle of trajcore.Planner (PDM-Closed scoring) on the synthetic highway: its
    three lanes as a RoadMap, the middle one as the reference line, the scene's agents."""
    s = highway_scene(1, n_agents, n_modes=6, steps=80, seed=seed)
    lanes = [
        Lane(
            np.array([[-500.0, y], [1000.0, y]]),
            np.array([[-500.0, y + LANE_WIDTH / 2], [1000.0, y + LANE_WIDTH / 2]]),
            np.array([[-500.0, y - LANE_WIDTH / 2], [1000.0, y - LANE_WIDTH / 2]]),
            30.0,
        )
        for y in (0.0, LANE_WIDTH, 2 * LANE_WIDTH)
    ]
    lane_y = float(s.ego[0, 0, 1])
    scene = PlanScene(
        ego_state=s.ego[0, 0],
        agents=s.agents,
        agent_extent=s.agent_extent,
        agent_type=np.zeros(len(s.agent_extent), np.int32),
        agent_prob=s.agent_prob,
        agent_valid=s.agent_valid,
        road_map=RoadMap(lanes),
        reference_line=ReferenceLine(np.array([[-500.0, lane_y], [1000.0, lane_y]]), smoothing=0.0),
    )
    planner = Planner(steps=80, dt=s.dt)
    planner.plan(scene)  # warm-up
    cycles = [planner.plan(scene) for _ in range(5)]
    r = cycles[-1]
    counts = np.bincount(np.asarray(r.reasons), minlength=len(PlanReason))
    return PlanDemo(
        candidates=planner.candidate_count,
        chosen=r.chosen,
        offset=float(r.candidates.offsets[r.chosen]),
        target_speed=float(r.candidates.target_speeds[r.chosen]),
        total=float(r.scores.total[r.chosen]),
        reasons={
            reason.name.lower(): int(counts[reason]) for reason in PlanReason if counts[reason]
        },
        cycle_ms=float(np.median([c.timings.total_ms for c in cycles])),
    )
