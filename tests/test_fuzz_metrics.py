"""Property fuzzing of the metric entry points: comfort, extended_comfort, time_to_collision,
nuplan_time_to_collision, at_fault_collisions and safe_distance. Rules and budget:
tests/fuzz_support.py.

References: tuPlan Garage's comfort metric and NAVSIM's extended comfort re-derived with scipy
(tests/test_comfort.py, tests/test_navsim_v2_metrics.py); PDM-Closed's TTC and collision loops and
nuPlan's TTC loop written with shapely (tests/test_ttc.py, test_collision_metrics.py,
test_nuplan_ttc.py); the safe-distance rule pair by pair in float64 (test_safe_distance.py).
Verdicts are compared where they are not ties: a float32 value within 1e-3 of a bound, or boxes
whose contact changes when the agents grow or shrink by 2 mm, may fall on either side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
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
    in_library,
    numpy,
    outcome,
    spoil,
)
from test_collision_metrics import CAR, EXTENT, reference_types
from test_comfort import pdm_failed, pdm_series
from test_map_metrics import two_way_road
from test_navsim_v2_metrics import navsim_features
from test_nuplan_ttc import reference_nuplan_ttc
from test_safe_distance import reference as reference_safe_distance
from test_ttc import random_two_way_scene, reference_ttc
from trajcore import ComfortParams, ExtendedComfortParams

DT = 0.1  # the references' step
ROAD = two_way_road()
BAD_DTS = (0.0, -0.1, float("nan"))
#: A shape that disagrees with another input's is reported against either.
SHAPES = ("states", "areas", "agents", "agent_extent")


def drives(rng: np.random.Generator, shape: tuple[int, ...], steps: int) -> np.ndarray:
    """(*shape, steps+1, 6) smooth drives with accelerations, jerks and turn rates spread around
    the comfort bounds."""
    t = np.arange(steps + 1) * DT
    lead = (*shape, 1)
    st_ = np.zeros((*shape, steps + 1, 6), np.float32)
    a = rng.uniform(-5, 3, lead) + rng.uniform(0, 3, lead) * np.sin(rng.uniform(0.2, 2.5, lead) * t)
    a += rng.uniform(-12, 12, lead) * t * (rng.random(lead) < 0.3)
    rate = rng.uniform(-1.1, 1.1, lead) * np.cos(rng.uniform(0.1, 2.0, lead) * t)
    yaw = rng.uniform(-np.pi, np.pi, lead) + np.cumsum(rate * DT, -1)
    st_[..., 2] = (yaw + np.pi) % (2 * np.pi) - np.pi
    st_[..., 3] = np.maximum(rng.uniform(0, 15, lead) + np.cumsum(a * DT, -1), 0)
    st_[..., 4] = a
    speed = st_[..., 3].astype(np.float64)
    st_[..., 0] = np.cumsum(speed * np.cos(yaw) * DT, -1)
    st_[..., 1] = np.cumsum(speed * np.sin(yaw) * DT, -1)
    return st_


def draw_dt(draw: st.DrawFn) -> tuple[float, str]:
    if draw(st.integers(0, 15)) == 0:
        return draw(st.sampled_from(BAD_DTS)), "dt"
    return DT, ""


def clear_of(series: np.ndarray, bounds: list[tuple[float, float]], margin: float) -> np.ndarray:
    """(...) True where every one of the six series stays ``margin`` away from its bounds."""
    far = np.ones(series.shape[:-2], bool)
    for i, (lo, hi) in enumerate(bounds):
        far &= np.all(
            (np.abs(series[..., i, :] - lo) > margin) & (np.abs(series[..., i, :] - hi) > margin),
            -1,
        )
    return far


@FUZZ
@given(st.data())
def test_comfort(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    T = draw(st.integers(4, 40))
    lateral = draw(st.sampled_from(["zero", "speed_times_yaw_rate"]))
    params = ComfortParams(lateral_acceleration=lateral)  # type: ignore[arg-type]
    # Five columns, x, y, yaw, v, a: every one is read (a NaN steering angle would not be).
    args: dict[str, Any] = {"states": np.ascontiguousarray(drives(rng, shape, T)[..., :5])}
    spoiled = spoil(draw, rng, args, {"states": BATCHED})
    big = not spoiled and enlarge(draw, rng, args, ["states"])
    dt, bad_dt = draw_dt(draw)
    in_library(draw, args)
    got = outcome(
        lambda: trajcore.comfort(args["states"], dt, params, series=True), spoiled, bad_dt
    )
    if got is None:
        return
    if big:
        assert_no_nan(got)
        return
    states = numpy(args["states"]).reshape(-1, T + 1, 5)
    want = pdm_series(states, lateral)
    series = numpy(got.series).reshape(want.shape)
    np.testing.assert_allclose(series, want, rtol=1e-5, atol=1e-4)
    failed, first = pdm_failed(want, params)
    p = params
    bounds = [
        (p.min_lon_accel, p.max_lon_accel),
        (-p.max_abs_lat_accel, p.max_abs_lat_accel),
        (-p.max_abs_jerk, p.max_abs_jerk),
        (-p.max_abs_lon_jerk, p.max_abs_lon_jerk),
        (-p.max_abs_yaw_accel, p.max_abs_yaw_accel),
        (-p.max_abs_yaw_rate, p.max_abs_yaw_rate),
    ]
    sure = clear_of(want, bounds, 1e-3)
    np.testing.assert_array_equal(numpy(got.failed).reshape(-1)[sure], failed[sure])
    np.testing.assert_array_equal(numpy(got.first_step).reshape(-1)[sure], first[sure])
    np.testing.assert_array_equal(numpy(got.score).reshape(-1), numpy(got.failed).reshape(-1) == 0)


@FUZZ
@given(st.data())
def test_extended_comfort(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    B, N, T = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(6, 40))
    shift = draw(st.integers(0, 5))
    states = np.ascontiguousarray(drives(rng, (B, N), T)[..., :5])
    previous = np.ascontiguousarray(drives(rng, (B,), T)[..., :5])
    previous[..., 4] = states[..., 4].mean(1)  # near some candidates, far from others
    args: dict[str, Any] = {"states": states, "previous": previous}
    spoiled = spoil(draw, rng, args, {"states": BATCHED, "previous": NUMERIC})
    big = not spoiled and enlarge(draw, rng, args, ["states", "previous"])
    dt, bad_dt = draw_dt(draw)
    bad_shift = ""
    if draw(st.integers(0, 15)) == 0:
        shift, bad_shift = draw(st.sampled_from([-1, -(10**6)])), "shift"
    elif draw(st.integers(0, 15)) == 0:
        shift = draw(st.sampled_from([T - 1, T, T + 1, 10**6]))  # valid: nothing to compare
    got = outcome(
        lambda: trajcore.extended_comfort(args["states"], args["previous"], shift=shift, dt=dt),
        spoiled,
        bad_dt,
        bad_shift,
        also=("states", "previous"),
    )
    if got is None:
        return
    if big:
        assert_no_nan(got)
        return
    if T + 1 - shift < 3:
        assert (numpy(got) == 1).all()
        return
    p = ExtendedComfortParams()
    mine = navsim_features(states.astype(np.float64)[..., : T + 1 - shift, :])
    theirs = navsim_features(previous.astype(np.float64)[:, None, shift:, :])
    bounds = (p.max_rms_accel, p.max_rms_jerk, p.max_rms_yaw_rate, p.max_rms_yaw_accel)
    want = np.ones((B, N))
    sure = np.ones((B, N), bool)
    for a, b, bound in zip(mine, theirs, bounds, strict=True):
        rms = np.sqrt(np.mean((a - b) ** 2, axis=-1))
        want *= rms <= bound
        sure &= np.abs(rms - bound) > 1e-3 * max(1.0, bound)
    np.testing.assert_array_equal(numpy(got)[sure], want[sure])


def stable(run: Callable[[np.ndarray], tuple[np.ndarray, ...]], extent: np.ndarray) -> bool:
    """Whether the verdicts stay the same with every agent 2 mm larger and 2 mm smaller: else
    some contact is a tie that float32 and float64 may decide differently."""
    here = run(extent)
    return all(
        all(np.array_equal(a, b) for a, b in zip(here, run(extent + d), strict=True))
        for d in (np.float32(2e-3), np.float32(-2e-3))
    )


def metric_inputs(
    draw: st.DrawFn, typed: bool = True
) -> tuple[dict[str, Any], dict[str, Any], str, float, str]:
    """A small random scene: (arguments, the same unspoiled, spoiled name, dt, "dt" when dt is
    bad); agents (M, 1, T+1, 3)."""
    rng = generator(draw)
    N, M, T = draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(2, 12))
    states, agents, extent = random_two_way_scene(rng, N, M, T)
    clean: dict[str, Any] = {
        "states": states,
        "areas": trajcore.ego_areas(states, EXTENT, ROAD),
        "agents": np.ascontiguousarray(agents[:, None]),
        "agent_extent": extent,
        "agent_type": rng.choice([0, 0, 0, 1, 2, 3], M).astype(np.int32),
    }
    args = dict(clean)
    spoils: dict[str, tuple[str, ...]] = {
        "states": BATCHED,
        "areas": ("float16", "fields", "strided"),
        "agent_extent": ("nan", "inf", "int32", "fields"),
        "agents": ("nan", "inf", "int32", "fields", "strided", "meta"),
    }
    if M and typed:
        spoils["agent_type"] = ("float16", "fields")
    spoiled = spoil(draw, rng, args, spoils)
    if typed and not spoiled and M and draw(st.integers(0, 15)) == 0:
        args["agent_type"] = args["agent_type"].copy()
        args["agent_type"][0] = draw(st.sampled_from([-1, 4, 99]))
        spoiled = "agent_type"
    if not spoiled and enlarge(draw, rng, args, ["states", "agents", "agent_extent"]):
        spoiled = "~"  # valid, extreme: checked for NaN, not against the references
    dt, bad_dt = draw_dt(draw)
    return args, clean, spoiled, dt, bad_dt


def contacts(clean: dict[str, Any], extent: np.ndarray) -> np.ndarray:
    """check_collisions' first contact per agent mode, of the unspoiled ego and agents."""
    return trajcore.check_collisions(
        clean["states"], EXTENT, clean["agents"], extent, compute_min_clearance=False
    ).agent_first_step


@FUZZ
@given(st.data())
def test_time_to_collision(data: st.DataObject) -> None:
    args, _, spoiled, dt, bad_dt = metric_inputs(data.draw, typed=False)

    def run(extent: np.ndarray) -> Any:
        return trajcore.time_to_collision(
            args["states"], args["areas"], args["agents"], extent, params=CAR, dt=dt
        )

    big = spoiled == "~"
    got = outcome(lambda: run(args["agent_extent"]), "" if big else spoiled, bad_dt, also=SHAPES)
    if got is not None and big:
        assert_no_nan(got)
        return
    if got is None or not stable(lambda e: (run(e).score, run(e).first_step), args["agent_extent"]):
        return
    score, first = reference_ttc(
        args["states"], args["areas"], args["agents"][:, 0], args["agent_extent"]
    )
    np.testing.assert_array_equal(got.score, score)
    np.testing.assert_array_equal(got.first_step, first)


@FUZZ
@given(st.data())
def test_nuplan_time_to_collision(data: st.DataObject) -> None:
    args, clean, spoiled, dt, bad_dt = metric_inputs(data.draw, typed=False)

    def run(extent: np.ndarray) -> Any:
        return trajcore.nuplan_time_to_collision(
            args["states"],
            args["areas"],
            args["agents"],
            extent,
            np.zeros(len(clean["agents"]), np.int32),
            params=CAR,
            dt=dt,
            agent_first_step=contacts(clean, extent),
        )

    big = spoiled == "~"
    got = outcome(lambda: run(args["agent_extent"]), "" if big else spoiled, bad_dt, also=SHAPES)
    if got is not None and big:
        assert_no_nan(got)
        return
    if got is None or not stable(lambda e: (run(e).first_step,), args["agent_extent"]):
        return
    first_contact = contacts(clean, clean["agent_extent"])[..., 0]
    min_ttc, first = reference_nuplan_ttc(
        args["states"], args["areas"], args["agents"][:, 0], args["agent_extent"], first_contact
    )
    np.testing.assert_array_equal(got.first_step, first)
    finite = np.isfinite(min_ttc)
    np.testing.assert_array_equal(np.isfinite(got.min_ttc), finite)
    np.testing.assert_allclose(got.min_ttc[finite], min_ttc[finite], rtol=1e-5)


@FUZZ
@given(st.data())
def test_at_fault_collisions(data: st.DataObject) -> None:
    args, clean, spoiled, dt, bad_dt = metric_inputs(data.draw)

    def run(extent: np.ndarray) -> Any:
        return trajcore.at_fault_collisions(
            args["states"],
            args["areas"],
            args["agents"],
            extent,
            args["agent_type"],
            contacts(clean, extent),
            params=CAR,
            dt=dt,
        )

    big = spoiled == "~"
    got = outcome(lambda: run(args["agent_extent"]), "" if big else spoiled, bad_dt, also=SHAPES)
    if got is not None and big:
        assert_no_nan(got)
        return
    if got is None or not stable(
        lambda e: (run(e).score, run(e).first_step, run(e).collision_type), args["agent_extent"]
    ):
        return
    if not len(clean["agents"]):
        assert (got.score == 1).all() and (got.first_step == -1).all()
        return
    kinds, score, first = reference_types(
        args["states"],
        args["areas"],
        args["agents"][:, 0],
        args["agent_extent"],
        args["agent_type"],
    )
    np.testing.assert_array_equal(got.collision_type[:, :, 0], kinds)
    np.testing.assert_array_equal(got.score, score)
    np.testing.assert_array_equal(got.first_step, first)


@FUZZ
@given(st.data())
def test_safe_distance(data: st.DataObject) -> None:
    args, _, spoiled, dt, bad_dt = metric_inputs(data.draw, typed=False)
    spoiled = "" if spoiled == "areas" else spoiled  # safe_distance reads no areas

    def run(extent: np.ndarray) -> Any:
        return trajcore.safe_distance(args["states"], args["agents"], extent, params=CAR, dt=dt)

    big = spoiled == "~"
    got = outcome(lambda: run(args["agent_extent"]), "" if big else spoiled, bad_dt, also=SHAPES)
    if got is not None and big:
        assert_no_nan(got)
        return
    if got is None or not stable(lambda e: (run(e).score, run(e).first_step), args["agent_extent"]):
        return
    states, agents = numpy(args["states"]), numpy(args["agents"])
    m = agents.shape[0]
    score, _, first = reference_safe_distance(
        states,
        agents,
        numpy(args["agent_extent"]),
        np.ones((m, 1), np.float32),
        np.ones((m, agents.shape[2]), bool),
        trajcore.SafeDistanceParams(),
        CAR.length,
        CAR.width,
        DT,
    )
    np.testing.assert_array_equal(got.score, score)
    np.testing.assert_array_equal(got.first_step, first)
