"""Eight Python threads at once: on one shared Planner (calls are serialised) and on a Planner
each (they run in parallel), and through the stateless entry points, every result equals the
single-threaded one bit for bit. A CollisionWorkspace shared by threads refuses a second
concurrent call with a clear error rather than racing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import trajcore
from test_planner import stopped_car_scene
from trajcore.synthetic import highway_scene

THREADS = 8


def on_threads(work: Callable[[int], Any], repeats: int = 6) -> list[list[Any]]:
    """work(thread index) called `repeats` times on each of THREADS threads started together."""
    results: list[list[Any]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(k: int) -> None:
        start.wait()
        try:
            for _ in range(repeats):
                results[k].append(work(k))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def same_plan(a: trajcore.PlanResult, b: trajcore.PlanResult) -> bool:
    return (
        a.chosen == b.chosen
        and np.array_equal(a.trajectory, b.trajectory)
        and np.array_equal(a.scores.total, b.scores.total)
        and np.array_equal(a.reasons, b.reasons)
        and np.array_equal(a.candidates.states, b.candidates.states)
    )


def test_shared_and_separate_planners_on_eight_threads() -> None:
    scene = stopped_car_scene()
    expected = trajcore.Planner().plan(scene)
    shared = trajcore.Planner()
    for planners in ([shared] * THREADS, [trajcore.Planner() for _ in range(THREADS)]):
        results = on_threads(lambda k, p=planners: p[k].plan(scene))
        assert all(same_plan(r, expected) for rs in results for r in rs)


def test_stateless_entry_points_on_eight_threads() -> None:
    s = highway_scene(256, 16, n_modes=6, steps=40, seed=3)
    args = (s.ego, s.ego_extent, s.agents, s.agent_extent, s.agent_prob, s.agent_valid)
    expected = trajcore.check_collisions(*args, swept=True)
    scene = stopped_car_scene()
    road = scene.road_map
    points = np.random.default_rng(0).uniform(-20, 200, (5000, 2)).astype(np.float32)
    expected_distance = road.drivable_area_distance(points)

    def work(k: int) -> tuple[Any, Any]:
        return trajcore.check_collisions(*args, swept=True), road.drivable_area_distance(points)

    for collisions, distance in (r for rs in on_threads(work) for r in rs):
        assert np.array_equal(collisions.collides, expected.collides)
        assert np.array_equal(collisions.collision_prob, expected.collision_prob)
        assert np.array_equal(collisions.min_clearance, expected.min_clearance)
        assert np.array_equal(distance, expected_distance)


def test_a_shared_collision_workspace_refuses_a_concurrent_call() -> None:
    s = highway_scene(512, 32, n_modes=6, steps=80, seed=4)
    args = (s.ego, s.ego_extent, s.agents, s.agent_extent, s.agent_prob, s.agent_valid)
    expected = trajcore.check_collisions(*args)
    workspace = trajcore.CollisionWorkspace()
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        try:
            r = trajcore.check_collisions(*args, workspace=workspace)
            assert np.array_equal(r.collision_prob, expected.collision_prob)
            outcome = "same"
        except ValueError as error:
            assert "workspace is in use by a call on another thread" in str(error)
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    on_threads(work, repeats=10)
    assert len(outcomes) == THREADS * 10 and "same" in outcomes
