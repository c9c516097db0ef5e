"""Property fuzzing of the planning entry points: score, Planner.plan and Predictor.run. Rules and
budget: tests/fuzz_support.py.

References: score against its metrics called one by one and PDM-Closed's aggregation
(tests/test_scoring.py); a planning cycle against frenet_lattice then score on the same inputs,
and the best candidate; the shipped TorchScript predictor against the same network run eagerly
in PyTorch (trajcore.models.training.load_model).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import trajcore
from fuzz_support import (
    BATCHED,
    FUZZ,
    NUMERIC,
    assert_no_nan,
    enlarge,
    generator,
    numpy,
    outcome,
    spoil,
)
from test_scoring import aggregate, highway_map, with_margins
from trajcore import LatticeSettings, Planner, PlanScene, ScoringProfile, VehicleParams
from trajcore.synthetic import highway_scene

CAR = VehicleParams.passenger_car()
DT = 0.1
ROAD, CENTRE = highway_map()
#: The agent inputs, refused when spoiled (a NaN under agent_valid False would be valid: none).
AGENT_SPOILS = {
    "agents": ("nan", "inf", "int32", "fields", "strided", "meta"),
    "agent_extent": ("nan", "int32", "fields"),
    "agent_type": ("float16", "fields"),
}
SHAPES = ("states", "agents", "agent_extent", "agent_type", "agent_prob", "agent_valid")


def scene_arrays(draw: st.DrawFn) -> tuple[np.random.Generator, Any, dict[str, Any]]:
    rng = generator(draw)
    N, M, K, T = (draw(st.integers(lo, hi)) for lo, hi in ((1, 6), (1, 5), (1, 3), (4, 20)))
    s = highway_scene(
        n_candidates=N, n_agents=M, n_modes=K, steps=T, seed=int(rng.integers(1 << 30))
    )
    args: dict[str, Any] = {
        "states": s.ego,
        "agents": s.agents,
        "agent_extent": s.agent_extent,
        "agent_type": rng.choice([0, 0, 1, 2, 3], M).astype(np.int32),
        "agent_prob": s.agent_prob,
    }
    return rng, s, args


@FUZZ
@given(st.data())
def test_score(data: st.DataObject) -> None:
    draw = data.draw
    rng, s, args = scene_arrays(draw)
    name = draw(st.sampled_from(["pdm_closed", "navsim_pdms", "trajcore_default"]))
    spoiled = spoil(draw, rng, args, {"states": BATCHED, **AGENT_SPOILS})
    if not spoiled and draw(st.integers(0, 9)) == 0:
        args["agent_prob"] = np.full_like(s.agent_prob, 0.9)  # rows sum to 0.9 K, never 1
        spoiled = "agent_prob"
    big = not spoiled and enlarge(draw, rng, args, ["states", "agents", "agent_extent"])
    got = outcome(
        lambda: trajcore.score(
            args["states"],
            args["agents"],
            args["agent_extent"],
            args["agent_type"],
            params=CAR,
            dt=DT,
            road_map=ROAD,
            centerline=CENTRE,
            agent_prob=args["agent_prob"],
            profile=name,
        ),
        spoiled,
        also=SHAPES,
    )
    if got is None:
        return
    if big:
        assert_no_nan(got)
        return
    p = ScoringProfile.named(name)
    extent = (CAR.length, CAR.width)
    grown = with_margins(s.agent_extent, args["agent_type"], p)
    areas = trajcore.ego_areas(s.ego, extent, ROAD, drivable_tolerance=p.drivable_tolerance)
    np.testing.assert_array_equal(got.areas, areas)
    hits = trajcore.check_collisions(s.ego, np.float32(extent), s.agents, grown, s.agent_prob)
    fault = trajcore.at_fault_collisions(
        s.ego,
        areas,
        s.agents,
        grown,
        args["agent_type"],
        hits.agent_first_step,
        params=CAR,
        dt=DT,
        agent_prob=s.agent_prob,
    )
    ttc = trajcore.time_to_collision(
        s.ego, areas, s.agents, grown, params=CAR, dt=DT, agent_prob=s.agent_prob
    )
    if p.use_probabilities:
        np.testing.assert_allclose(got.no_collision, 1 - fault.at_fault_prob, atol=1e-6)
        np.testing.assert_allclose(got.ttc, 1 - ttc.violation_prob, atol=1e-6)
    else:
        np.testing.assert_array_equal(got.no_collision, fault.score)
        np.testing.assert_array_equal(got.ttc, ttc.score)
    np.testing.assert_array_equal(got.comfort, trajcore.comfort(s.ego, DT, p.comfort).score)
    np.testing.assert_array_equal(got.drivable_area, trajcore.drivable_area_compliance(areas).score)
    if p.gate_safe_distance:
        sd = trajcore.safe_distance(
            s.ego, s.agents, grown, params=CAR, dt=DT, agent_prob=s.agent_prob
        )
        np.testing.assert_allclose(got.safe_distance, 1 - sd.violation_prob, atol=1e-6)
    else:
        np.testing.assert_array_equal(got.safe_distance, 1.0)
    sub = {
        k: numpy(getattr(got, k))
        for k in (
            "no_collision",
            "drivable_area",
            "driving_direction",
            "progress_m",
            "ttc",
            "comfort",
            "safe_distance",
            "speed_limit",
        )
    }
    np.testing.assert_allclose(got.total, aggregate(sub, p), atol=1e-5)


#: A small lattice keeps a cycle around a millisecond.
LATTICE = LatticeSettings(
    lateral_offsets=(-3.7, 0.0, 3.7), target_speeds=(5.0, 15.0), durations=(4.0,)
)


@functools.cache
def planner(steps: int) -> Planner:
    return Planner(lattice=LATTICE, steps=steps)


@FUZZ
@given(st.data())
def test_planner(data: st.DataObject) -> None:
    draw = data.draw
    rng, s, args = scene_arrays(draw)
    T = s.ego.shape[1] - 1
    ego = s.ego[0, 0].copy()
    ego[3] = rng.uniform(0, 25)
    args["ego_state"] = ego
    del args["states"]
    spoiled = spoil(draw, rng, args, {"ego_state": NUMERIC, **AGENT_SPOILS})
    deadline = None
    if not spoiled and draw(st.integers(0, 15)) == 0:
        deadline, spoiled = draw(st.sampled_from([-1.0, float("nan")])), "deadline_ms"
    big = not spoiled and enlarge(draw, rng, args, ["agents", "agent_extent"])
    scene = PlanScene(
        ego_state=args["ego_state"],
        agents=args["agents"],
        agent_extent=args["agent_extent"],
        agent_type=args["agent_type"],
        agent_prob=args["agent_prob"],
        road_map=ROAD,
        reference_line=CENTRE,
    )
    got = outcome(lambda: planner(T).plan(scene, deadline), spoiled, also=("scene.", *SHAPES))
    if got is None:
        return
    if big:
        assert_no_nan((got.candidates, got.scores, got.trajectory))
        return
    lattice = trajcore.frenet_lattice(
        ego, CENTRE, LATTICE.lateral_offsets, LATTICE.target_speeds, LATTICE.durations, T, DT
    )
    np.testing.assert_array_equal(got.candidates.states, lattice.states)
    scores = trajcore.score(
        lattice.states,
        s.agents,
        s.agent_extent,
        args["agent_type"],
        params=CAR,
        dt=DT,
        road_map=ROAD,
        centerline=CENTRE,
        agent_prob=s.agent_prob,
    )
    np.testing.assert_allclose(got.scores.total, scores.total, atol=1e-6)
    if not got.fallback:
        assert got.scores.total[got.chosen] == scores.total.max()
    np.testing.assert_array_equal(got.trajectory, lattice.states[got.chosen])


@functools.cache
def predictors() -> tuple[Any, Any]:
    """The shipped TorchScript file and the same network run eagerly."""
    pytest.importorskip("torch")
    from trajcore.models.training import load_model

    shipped = trajcore.Predictor.load()
    return shipped, load_model(shipped.path).eval()


@FUZZ
@given(st.data())
def test_predictor(data: st.DataObject) -> None:
    import torch

    draw = data.draw
    rng = generator(draw)
    shipped, eager = predictors()
    c = shipped.config
    B, A, L = draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(0, 4))
    H, P = c.history + 1, c.lane_points
    args: dict[str, Any] = {
        "agent_states": (rng.normal(size=(B, A, H, 5)) * [20, 20, 1, 8, 8]).astype(np.float32),
        "agent_valid": rng.random((B, A, H)) < 0.85,
        "agent_type": rng.integers(-1, 4, (B, A)).astype(np.int64),
        "agent_extent": rng.uniform(0.5, 12, (B, A, 2)).astype(np.float32),
        "lane_points": (rng.normal(size=(B, L, P, 2)) * 30).astype(np.float32),
        "lane_point_valid": rng.random((B, L, P)) < 0.9,
        "lane_attributes": rng.uniform(0, 30, (B, L, 3)).astype(np.float32),
    }
    # NaN is refused only where read: all-valid masks when a value is spoiled.
    # NaN, inf and +-3e37 (beyond the network's float32 range) are refused where read.
    values = ("nan", "inf", "huge") if draw(st.booleans()) else ()
    if values:
        args["agent_valid"][:] = True
        args["lane_point_valid"][:] = True
    spoils: dict[str, tuple[str, ...]] = {
        "agent_states": (*values, "int32", "fields", "empty"),
        "agent_valid": ("float16", "fields"),
        "agent_type": ("float16", "fields"),
        "agent_extent": (*values, "int32", "fields"),
    }
    if L:
        spoils["lane_points"] = (*values, "int32", "fields")
        spoils["lane_attributes"] = (*values, "int32", "fields")
    spoiled = spoil(draw, rng, args, spoils)
    if not spoiled and draw(st.integers(0, 9)) == 0:
        args["agent_type"][0, 0] = draw(st.sampled_from([-2, 4, 1000]))
        spoiled = "agent_type"
    inputs = [torch.as_tensor(args[name]) for name in args]
    got = outcome(lambda: shipped.run(*inputs), spoiled, also=tuple(args))
    if got is None:
        return
    trajectories, probabilities = (t.numpy() for t in got)
    assert np.isfinite(trajectories).all() and np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(-1), 1, atol=1e-5)
    with torch.no_grad():
        want = eager(*inputs)
    np.testing.assert_allclose(trajectories, want[0].numpy(), atol=1e-3, rtol=1e-4)
    np.testing.assert_allclose(probabilities, want[1].numpy(), atol=1e-5)
