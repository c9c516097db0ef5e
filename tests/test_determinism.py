"""Determinism of every entry point: results are bitwise identical across runs, across thread
counts (1, 2, 8) and whether a scene is computed alone or inside a batch of scenes.

Each entry below computes its outputs for a slice of a batch of three scenes; the test runs the
whole batch and each scene alone, under each thread count. The inputs are large enough that the
thread pool splits the work (and torch's intra-op threads for the predictor).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

import trajcore
from test_scoring import highway_map
from trajcore import (
    LatticeSettings,
    Planner,
    PlanScene,
    ReferenceLine,
    VehicleParams,
)
from trajcore.synthetic import highway_scene

CAR = VehicleParams.passenger_car()
DT = 0.1
B = 3
ROAD, CENTRE = highway_map()
EXTENT = np.float32([CAR.length, CAR.width])


@functools.cache
def inputs() -> dict[str, Any]:
    """Three highway scenes stacked (B, ...), plus boxes, controls and predictor inputs."""
    scenes = [
        highway_scene(n_candidates=96, n_agents=24, n_modes=3, steps=40, seed=s) for s in range(B)
    ]
    rng = np.random.default_rng(7)
    stack = lambda field: np.stack([getattr(s, field) for s in scenes])  # noqa: E731
    states = stack("ego")
    boxes = np.concatenate(
        [rng.uniform(-50, 50, (B, 20_000, 3)), rng.uniform(1, 6, (B, 20_000, 2))], -1
    ).astype(np.float32)
    controls = (rng.normal(size=(B, 96, 40, 2)) * [3.0, 0.3]).astype(np.float32)
    areas = trajcore.ego_areas(states, EXTENT, ROAD)
    red = np.full((B, 41, 1), -1, np.int32)
    red[:, :20, 0] = 1
    return {
        "states": states,
        "areas": areas,
        "agents": stack("agents"),
        "agent_extent": stack("agent_extent"),
        "agent_prob": stack("agent_prob"),
        "agent_valid": stack("agent_valid"),
        "agent_type": rng.choice([0, 0, 1, 2, 3], (B, 24)).astype(np.int32),
        "boxes_a": boxes,
        "boxes_b": boxes[:, ::-1].copy(),
        "state0": np.ascontiguousarray(states[:, 0, 0]),
        "controls": controls,
        "agent_states": np.concatenate(
            [stack("agents")[:, :, 0, 0], rng.uniform(0, 20, (B, 24, 1))], -1
        ).astype(np.float32),
        "red": red,
        "poses": np.ascontiguousarray(states[..., :3]),
        # (B, M, H+1, 5) agent histories: x, y, yaw, vx, vy over 2 s.
        "history": rng.normal(size=(B, 24, 21, 5)) * [30.0, 5.0, 0.2, 10.0, 1.0],
    }


def pick(name: str, sl: slice) -> Any:
    return inputs()[name][sl]


def first_contact(sl: slice) -> Any:
    return trajcore.check_collisions(
        pick("states", sl), EXTENT, pick("agents", sl), pick("agent_extent", sl)
    ).agent_first_step


def per_scene(c: trajcore.Candidates) -> tuple[Any, ...]:
    """The per-scene outputs of a generator (the grid columns are the same for every scene)."""
    return c.states, c.saturation, c.controls, c.references


ENTRIES: dict[str, Callable[[slice], Any]] = {
    "box_overlap": lambda sl: trajcore.box_overlap(pick("boxes_a", sl), pick("boxes_b", sl)),
    "box_distance": lambda sl: trajcore.box_distance(pick("boxes_a", sl), pick("boxes_b", sl)),
    "box_corners": lambda sl: trajcore.box_corners(pick("boxes_a", sl)),
    "check_collisions": lambda sl: trajcore.check_collisions(
        pick("states", sl),
        EXTENT,
        pick("agents", sl),
        pick("agent_extent", sl),
        pick("agent_prob", sl),
        pick("agent_valid", sl),
        swept=True,
    ),
    "propagate_agents": lambda sl: trajcore.propagate_agents(
        pick("agent_states", sl), 40, DT, "cv"
    ),
    # One scene per call (no B): the scenes' results stacked.
    "add_physics_modes": lambda sl: [
        np.stack(outputs)
        for outputs in zip(
            *(
                trajcore.add_physics_modes(
                    agents,
                    prob,
                    np.ones(len(agents), np.bool_),
                    np.ascontiguousarray(history),
                    np.ones(history.shape[:2], np.bool_),
                    DT,
                )
                for agents, prob, history in zip(
                    pick("agents", sl), pick("agent_prob", sl), pick("history", sl), strict=True
                )
            ),
            strict=True,
        )
    ],
    "rollout": lambda sl: trajcore.rollout(pick("state0", sl), pick("controls", sl), CAR, DT),
    "track": lambda sl: trajcore.track(pick("state0", sl), pick("states", sl), CAR, DT),
    "frenet_lattice": lambda sl: per_scene(
        trajcore.frenet_lattice(
            pick("state0", sl), CENTRE, (-3.7, 0, 3.7), (5, 10, 15, 20), (3, 5), 40, DT
        )
    ),
    "pdm_proposals": lambda sl: per_scene(
        trajcore.pdm_proposals(
            pick("state0", sl),
            CENTRE,
            np.ascontiguousarray(pick("agents", sl)[:, :, 0]),
            pick("agent_extent", sl),
            T=40,
        )
    ),
    "comfort": lambda sl: trajcore.comfort(pick("states", sl), DT, series=True),
    "extended_comfort": lambda sl: trajcore.extended_comfort(
        pick("states", sl), np.ascontiguousarray(pick("states", sl)[:, 0]), shift=3, dt=DT
    ),
    "ego_areas": lambda sl: trajcore.ego_areas(pick("states", sl), EXTENT, ROAD),
    "drivable_area_compliance": lambda sl: trajcore.drivable_area_compliance(pick("areas", sl)),
    "driving_direction_compliance": lambda sl: trajcore.driving_direction_compliance(
        pick("states", sl), road_map=ROAD
    ),
    "speed_limit_compliance": lambda sl: trajcore.speed_limit_compliance(pick("states", sl), ROAD),
    "lane_keeping": lambda sl: trajcore.lane_keeping(
        pick("states", sl), pick("areas", sl), CENTRE, dt=DT
    ),
    "traffic_light_compliance": lambda sl: trajcore.traffic_light_compliance(
        pick("states", sl), EXTENT, ROAD, pick("red", sl)
    ),
    "time_to_collision": lambda sl: trajcore.time_to_collision(
        pick("states", sl),
        pick("areas", sl),
        pick("agents", sl),
        pick("agent_extent", sl),
        params=CAR,
        dt=DT,
        agent_prob=pick("agent_prob", sl),
    ),
    "nuplan_time_to_collision": lambda sl: trajcore.nuplan_time_to_collision(
        pick("states", sl),
        pick("areas", sl),
        pick("agents", sl),
        pick("agent_extent", sl),
        pick("agent_type", sl),
        params=CAR,
        dt=DT,
        agent_first_step=first_contact(sl),
    ),
    "safe_distance": lambda sl: trajcore.safe_distance(
        pick("states", sl),
        pick("agents", sl),
        pick("agent_extent", sl),
        params=CAR,
        dt=DT,
        agent_prob=pick("agent_prob", sl),
        agent_valid=pick("agent_valid", sl),
    ),
    "at_fault_collisions": lambda sl: trajcore.at_fault_collisions(
        pick("states", sl),
        pick("areas", sl),
        pick("agents", sl),
        pick("agent_extent", sl),
        pick("agent_type", sl),
        first_contact(sl),
        params=CAR,
        dt=DT,
    ),
    "score": lambda sl: trajcore.score(
        pick("states", sl),
        pick("agents", sl),
        pick("agent_extent", sl),
        pick("agent_type", sl),
        params=CAR,
        dt=DT,
        road_map=ROAD,
        centerline=CENTRE,
        agent_prob=pick("agent_prob", sl),
        agent_valid=pick("agent_valid", sl),
        profile="pdm_closed",
    ),
    "RoadMap.locate_lanes": lambda sl: ROAD.locate_lanes(pick("poses", sl)),
    "RoadMap.drivable_area_distance": lambda sl: ROAD.drivable_area_distance(
        np.ascontiguousarray(pick("poses", sl)[..., :2])
    ),
    "ReferenceLine.project": lambda sl: CENTRE.project(
        np.ascontiguousarray(pick("poses", sl)[..., :2])
    ),
    "ReferenceLine.evaluate": lambda sl: CENTRE.evaluate(
        np.ascontiguousarray(pick("poses", sl)[..., 0])
    ),
}


def flat(result: Any) -> list[np.ndarray]:
    """Every array of a result (a dataclass, a tuple or an array), as numpy."""
    if dataclasses.is_dataclass(result):
        result = [getattr(result, f.name) for f in dataclasses.fields(result)]
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in flat(r)]
    if result is None or isinstance(result, (str, float, int)):
        return []
    return [np.asarray(result.numpy() if hasattr(result, "numpy") else result)]


@contextmanager
def threads(n: int) -> Iterator[None]:
    before = trajcore.get_num_threads()
    trajcore.set_num_threads(n)
    try:
        yield
    finally:
        trajcore.set_num_threads(before)


def assert_bitwise(got: list[np.ndarray], want: list[np.ndarray], what: str) -> None:
    assert len(got) == len(want), what
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.shape == w.shape and g.dtype == w.dtype, (what, i)
        assert g.tobytes() == w.tobytes(), f"{what}: output {i} differs"


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_bitwise_identical_across_runs_threads_and_batches(name: str) -> None:
    run = ENTRIES[name]
    with threads(1):
        want = flat(run(slice(None)))
    assert want and all(w.shape[0] == B for w in want if w.ndim), name
    for n in (1, 2, 8):
        with threads(n):
            for attempt in range(2):
                assert_bitwise(flat(run(slice(None))), want, f"{name}, {n} threads, run {attempt}")
            for b in range(B):
                alone = flat(run(slice(b, b + 1)))
                batched = [w[b : b + 1] if w.ndim else w for w in want]
                assert_bitwise(alone, batched, f"{name}, {n} threads, scene {b} alone")


def plan_all(planner: Planner) -> list[np.ndarray]:
    """A planner's results on each of the three scenes, one cycle each."""
    got = []
    for b in range(B):
        scene = PlanScene(
            ego_state=pick("state0", slice(b, b + 1))[0],
            agents=pick("agents", slice(b, b + 1))[0],
            agent_extent=pick("agent_extent", slice(b, b + 1))[0],
            agent_type=pick("agent_type", slice(b, b + 1))[0],
            agent_prob=pick("agent_prob", slice(b, b + 1))[0],
            road_map=ROAD,
            reference_line=CENTRE,
        )
        r = planner.plan(scene)
        got += [np.int64(r.chosen), *flat(r.candidates), *flat(r.scores)]
    return got


def test_planner_bitwise_identical_across_runs_threads_and_planners() -> None:
    # A Planner takes one scene per cycle (no batch): runs, threads and a fresh planner.
    lattice = LatticeSettings()
    with threads(1):
        want = plan_all(Planner(lattice=lattice))
    for n in (1, 2, 8):
        with threads(n):
            shared = Planner(lattice=lattice)
            for attempt in range(2):
                assert_bitwise(plan_all(shared), want, f"planner, {n} threads, run {attempt}")


def test_predictor_bitwise_identical_across_runs_threads_and_batches() -> None:
    torch = pytest.importorskip("torch")
    from trajcore.models.export import example_inputs

    predictor = trajcore.Predictor.load()
    batch = example_inputs(predictor.config, scenes=B, agents=12, lanes=8)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        want = flat(predictor.run(*batch))
        for n in (1, 2, 8):
            torch.set_num_threads(n)
            for attempt in range(2):
                assert_bitwise(flat(predictor.run(*batch)), want, f"predictor, {n}, {attempt}")
            for b in range(B):
                alone = flat(predictor.run(*(x[b : b + 1] for x in batch)))
                assert_bitwise(alone, [w[b : b + 1] for w in want], f"predictor, {n}, scene {b}")
    finally:
        torch.set_num_threads(before)


def test_the_entries_cover_the_public_api() -> None:
    functions = {
        name
        for name in trajcore.__all__
        if callable(getattr(trajcore, name)) and not isinstance(getattr(trajcore, name), type)
    }
    helpers = {
        "built_with_cuda",
        "cuda_device_count",
        "cuda_status",
        "get_num_threads",
        "set_num_threads",
    }
    covered = {name.split(".")[0] for name in ENTRIES}
    assert functions - helpers <= covered, functions - helpers - covered


def test_reference_line_rebuilt_is_identical() -> None:
    # Construction is deterministic too: the same points give the same samples.
    points = np.stack([np.linspace(0, 300, 40), 5 * np.sin(np.linspace(0, 6, 40))], -1)
    with threads(1):
        want = ReferenceLine(points).samples
    with threads(8):
        assert ReferenceLine(points).samples.tobytes() == want.tobytes()
