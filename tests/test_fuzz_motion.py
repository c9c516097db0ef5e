"""Property fuzzing of the motion entry points: rollout, track, frenet_lattice, pdm_proposals,
propagate_agents (both models) and add_physics_modes. Rules and budget: tests/fuzz_support.py.

References: rollout against the float64 RK4 model of tests/rollout_reference.py; track, whose
controls must reproduce its states through rollout (the model the first test checks); the two
generators, whose candidates must be the tracker run on their own references over the requested
grid; propagate_agents against the closed forms of tests/test_agents.py; add_physics_modes against
the float64 modes of tests/test_physics_modes.py.
"""

from __future__ import annotations

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
    extreme,
    extreme_outcome,
    generator,
    in_library,
    numpy,
    outcome,
    spoil,
)
from rollout_reference import reference_rollout
from test_agents import reference as closed_form_agents
from test_physics_modes import assert_modes_match, reference_physics_modes
from test_rollout import assert_flags_match, assert_states_close
from trajcore import ReferenceLine, TrackerParams, VehicleParams

CAR = VehicleParams.passenger_car()
TRUCK = VehicleParams.semi_truck()
DTS = (0.1, 0.05, 0.2)
BAD_DTS = (0.0, -0.1, float("nan"), float("inf"))


def draw_dt(draw: st.DrawFn) -> tuple[float, str]:
    """A step length and "dt" when it is invalid."""
    if draw(st.integers(0, 15)) == 0:
        return draw(st.sampled_from(BAD_DTS)), "dt"
    return draw(st.sampled_from(DTS)), ""


def start_states(rng: np.random.Generator, shape: tuple[int, ...], p: VehicleParams) -> np.ndarray:
    """Valid (..., 6) box-centre states: speed >= 0, acceleration and steering within limits."""
    s = np.empty((*shape, 6), np.float32)
    s[..., :2] = rng.uniform(-100, 100, (*shape, 2))
    s[..., 2] = rng.uniform(-np.pi, np.pi, shape)
    s[..., 3] = rng.uniform(0, 25, shape) * (rng.random(shape) > 0.15)
    s[..., 4] = rng.uniform(-p.max_deceleration, p.max_acceleration, shape) * 0.9
    s[..., 5] = rng.uniform(-1, 1, shape) * p.max_steering_angle * 0.5
    return s


@FUZZ
@given(st.data())
def test_rollout(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    p = draw(st.sampled_from([CAR, TRUCK]))
    B, N, T = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 6))
    per_candidate = draw(st.booleans())
    args: dict[str, Any] = {
        "state0": start_states(rng, (B, N) if per_candidate else (B,), p),
        "controls": (rng.normal(size=(B, N, T, 2)) * [6.0, 0.6]).astype(np.float32),
    }
    if draw(st.integers(0, 9)) == 0:
        args["controls"].reshape(-1)[0] = 3e30  # finite and extreme: clamped by the limits
    dt, bad_dt = draw_dt(draw)
    spoiled = spoil(draw, rng, args, {"state0": BATCHED, "controls": NUMERIC}), bad_dt
    torch_in = in_library(draw, args)
    got = outcome(lambda: trajcore.rollout(args["state0"], args["controls"], p, dt), *spoiled)
    if got is None:
        return
    states, saturation = numpy(got.states), numpy(got.saturation)
    assert states.shape == (B, N, T + 1, 6) and saturation.shape == (B, N, T)
    assert np.isfinite(states).all()
    assert type(got.states).__module__.startswith("torch") == torch_in
    s0 = np.broadcast_to(
        numpy(args["state0"]) if per_candidate else numpy(args["state0"])[:, None], (B, N, 6)
    )
    controls = numpy(args["controls"])
    for b in range(B):
        for n in range(N):
            # One RK4 step per dt, as docs/rollout.md specifies, in float64.
            want, flags, _ = reference_rollout(s0[b, n], controls[b, n], p, dt, substeps=1)
            pos = 1e-3 * max(1.0, float(np.abs(want[:, :2]).max()) / 100)
            assert_states_close(states[b, n], want, pos, f"candidate {b}, {n}")
            assert_flags_match(
                saturation[b, n], flags, want, p, f"candidate {b}, {n}", ties=0.5, dt=dt
            )


def references_for(
    rng: np.random.Generator, s0: np.ndarray, N: int, T: int, dt: float, p: VehicleParams
) -> np.ndarray:
    """(B, N, T+1, 6) drives from near the start states (float64 rollouts of smooth controls)."""
    B = s0.shape[0]
    start = np.repeat(s0[:, None].astype(np.float64), N, 1)
    start[..., :2] += rng.normal(0, 1.0, (B, N, 2))
    start[..., 4:] = 0.0
    u = rng.normal(size=(B, N, 1, 2)) * [1.5, 0.05] * np.ones((1, 1, T, 1))
    return np.asarray(trajcore._core._rollout_f64(start, u, p, dt, None)[0])


@FUZZ
@given(st.data())
def test_track(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    p = draw(st.sampled_from([CAR, TRUCK]))
    B, N, T = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 12))
    columns = draw(st.sampled_from([3, 4, 6]))
    dt, bad_dt = draw_dt(draw)
    s0 = start_states(rng, (B,), p)
    refs = references_for(rng, s0, N, T, dt if not bad_dt else 0.1, p)
    args: dict[str, Any] = {
        "state0": s0,
        "references": np.ascontiguousarray(refs[..., :columns], np.float32),
    }
    tracker = TrackerParams(controller=draw(st.sampled_from(["lqr", "pure_pursuit"])))
    spoiled = spoil(draw, rng, args, {"state0": BATCHED, "references": NUMERIC}), bad_dt
    big = not any(spoiled) and enlarge(draw, rng, args, ["references"])
    in_library(draw, args)
    call = lambda: trajcore.track(args["state0"], args["references"], p, dt, tracker=tracker)  # noqa: E731
    if big:  # refused beyond 1e6 m/s (given or between poses), else no NaN
        extreme_outcome(call, "references")
        return
    got = outcome(call, *spoiled)
    if got is None:
        return
    states, controls = numpy(got.states), numpy(got.controls)
    assert states.shape == (B, N, T + 1, 6) and np.isfinite(states).all()
    assert np.isfinite(controls).all()
    rolled = trajcore.rollout(numpy(args["state0"]), controls, p, dt)
    np.testing.assert_allclose(rolled.states, states, atol=1e-4, rtol=1e-6)
    np.testing.assert_array_equal(rolled.saturation, numpy(got.saturation))


def wavy_line(rng: np.random.Generator) -> tuple[ReferenceLine, np.ndarray]:
    """A smooth random route (and its points) about 300 m long."""
    s = np.linspace(0, 300, int(rng.integers(3, 40)))
    heading = rng.uniform(-np.pi, np.pi) + np.cumsum(rng.normal(0, 0.03, s.size))
    step = np.diff(s, prepend=0.0)
    points = np.stack([np.cumsum(step * np.cos(heading)), np.cumsum(step * np.sin(heading))], -1)
    return ReferenceLine(points + rng.uniform(-50, 50, 2)), points


def ego_near(rng: np.random.Generator, line: ReferenceLine, B: int, p: VehicleParams) -> np.ndarray:
    s = rng.uniform(5, 100, B)
    d = rng.normal(0, 1.0, B)
    xy = np.asarray(line.to_cartesian(s, d), np.float64)
    yaw = np.asarray(line.evaluate(s), np.float64)[:, 2] + rng.normal(0, 0.1, B)
    ego = start_states(rng, (B,), p)
    ego[:, :2], ego[:, 2] = xy, yaw
    return ego


def grid(
    draw: st.DrawFn, low: float, high: float, name: str, bad: tuple[float, ...]
) -> tuple[list[float], str]:
    """A generator's list of maneuver values and its name when it is invalid (empty, or one of
    ``bad`` in it)."""
    values = draw(st.lists(st.floats(low, high, width=32), min_size=0, max_size=3))
    if not values:
        return values, name
    if draw(st.integers(0, 19)) == 0:
        values[0] = draw(st.sampled_from(bad))
        return values, name
    return values, ""


NAN, INF = float("nan"), float("inf")


def tracked_consistently(c: trajcore.Candidates, ego: np.ndarray, p: VehicleParams, dt: float):
    """The candidates are the tracker run on their own references, and rollout reproduces them."""
    states = numpy(c.states)
    assert np.isfinite(states).all()
    again = trajcore.track(ego, numpy(c.references), p, dt)
    np.testing.assert_array_equal(again.states, states)
    np.testing.assert_array_equal(again.controls, numpy(c.controls))
    np.testing.assert_array_equal(
        states[:, :, 0], np.broadcast_to(ego[:, None], states[:, :, 0].shape)
    )


@FUZZ
@given(st.data())
def test_frenet_lattice(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    line, _ = wavy_line(rng)
    B, T = draw(st.integers(1, 3)), draw(st.integers(1, 30))
    offsets, bad_offsets = grid(draw, -4, 4, "lateral_offsets", (NAN, INF, 1e30))
    speeds, bad_speeds = grid(draw, 0, 30, "target_speeds", (NAN, -INF, -1.0, 1e30))
    durations, bad_durations = grid(draw, 0.5, 6, "durations", (NAN, INF, 0.0, -1.0))
    dt, bad_dt = draw_dt(draw)
    args: dict[str, Any] = {"ego_state": ego_near(rng, line, B, CAR)}
    bad_T = ""
    if not draw(st.integers(0, 19)):
        T, bad_T = 0, "T"
    spoiled = (
        spoil(draw, rng, args, {"ego_state": BATCHED}),
        bad_offsets,
        bad_speeds,
        bad_durations,
        bad_dt,
        bad_T,
    )
    got = outcome(
        lambda: trajcore.frenet_lattice(
            args["ego_state"], line, offsets, speeds, durations, T, dt, params=CAR
        ),
        *spoiled,
    )
    if got is None:
        return
    n = len(offsets) * len(speeds) * len(durations)
    assert numpy(got.states).shape == (B, n, T + 1, 6)
    grid_rows = np.array(
        [(o, v, d) for o in offsets for v in speeds for d in durations], np.float32
    )
    np.testing.assert_array_equal(
        np.stack([got.offsets, got.target_speeds, got.durations], -1), grid_rows
    )
    tracked_consistently(got, args["ego_state"], CAR, dt)


@FUZZ
@given(st.data())
def test_pdm_proposals(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    line, _ = wavy_line(rng)
    B, M, T = draw(st.integers(1, 2)), draw(st.integers(0, 4)), draw(st.integers(1, 30))
    dt, bad_dt = draw_dt(draw)
    ego = ego_near(rng, line, B, CAR)
    agents = np.empty((B, M, T + 1, 3), np.float32)
    if M:
        s = rng.uniform(0, 150, (B, M, 1)) + rng.uniform(0, 15, (B, M, 1)) * np.arange(T + 1) * 0.1
        d = np.broadcast_to(rng.normal(0, 2, (B, M, 1)), s.shape)
        xy = line.to_cartesian(s.reshape(-1), d.reshape(-1))
        agents[..., :2] = np.asarray(xy).reshape(B, M, T + 1, 2)
        agents[..., 2] = np.asarray(line.evaluate(s.reshape(-1)))[:, 2].reshape(B, M, T + 1)
    args: dict[str, Any] = {
        "ego_state": ego,
        "agent_poses": agents,
        "agent_extents": np.tile(np.float32([4.6, 1.9]), (B, M, 1)),
        "agent_valid": rng.random((B, M)) < 0.8,
    }
    # NaN under an invalid agent is never read (valid input): only spoiled without a mask.
    masked = draw(st.booleans())
    if not masked:
        args["agent_valid"] = None
    values = () if masked else ("nan", "inf")
    spoils = {"ego_state": BATCHED, "agent_extents": (*values, "fields", "int32")}
    if M:
        spoils["agent_poses"] = (*values, "fields", "int32", "strided")
    if masked:
        spoils["agent_valid"] = ("fields", "float16")
    spoiled = spoil(draw, rng, args, spoils), bad_dt
    big = not any(spoiled) and M > 0 and enlarge(draw, rng, args, ["agent_poses"])
    fractions = draw(st.lists(st.sampled_from([0.2, 0.5, 1.0]), min_size=1, max_size=3))
    got = outcome(
        lambda: trajcore.pdm_proposals(
            args["ego_state"],
            line,
            args["agent_poses"],
            args["agent_extents"],
            args["agent_valid"],
            speed_fractions=fractions,
            T=T,
            dt=dt,
        ),
        *spoiled,
        also=("agent_poses", "agent_extents"),
    )
    if got is None:
        return
    if big:
        assert_no_nan(got)
        return
    assert numpy(got.states).shape == (B, 3 * len(fractions), T + 1, 6)
    np.testing.assert_array_equal(got.target_speeds, np.tile(np.float32(fractions) * 15, 3))
    tracked_consistently(got, ego, CAR, dt)


@FUZZ
@given(st.data())
def test_propagate_agents(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    model = draw(st.sampled_from(["cv", "ctrv"]))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=2)))
    states = np.empty((*shape, 5), np.float32)
    states[..., :2] = rng.uniform(-50, 50, (*shape, 2))
    states[..., 2] = rng.uniform(-4, 4, shape)
    states[..., 3] = rng.uniform(0, 30, shape)
    states[..., 4] = rng.uniform(-0.5, 0.5, shape) * (rng.random(shape) > 0.2)
    args: dict[str, Any] = {"states": states, "valid": rng.random(shape) < 0.8}
    if draw(st.booleans()):
        args["valid"] = None
    spoils: dict[str, tuple[str, ...]] = {"states": ("nan", "inf", "int32", "strided", "meta")}
    if args["valid"] is not None:  # a NaN under a False is never read: valid
        spoils = {"states": ("int32", "strided", "meta"), "valid": ("float16", "fields")}
    spoiled = spoil(draw, rng, args, spoils)
    if not spoiled and enlarge(draw, rng, args, ["states"]):
        assert_no_nan(trajcore.propagate_agents(args["states"], 5, 0.1, model, valid=args["valid"]))
    T = draw(st.integers(1, 30))
    dt, bad_dt = draw_dt(draw)
    got = outcome(
        lambda: trajcore.propagate_agents(args["states"], T, dt, model, valid=args["valid"]),
        spoiled,
        bad_dt,
    )
    if got is None or extreme(args["states"]):
        return
    got = numpy(got)
    want = closed_form_agents(np.asarray(args["states"]), T, dt, model)
    keep = np.ones(shape, bool) if args["valid"] is None else np.asarray(args["valid"])
    np.testing.assert_allclose(got[keep][..., :2], want[keep][..., :2], atol=2e-3, rtol=0)
    assert not got[~keep].any()


@FUZZ
@given(st.data())
def test_add_physics_modes(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    m, k, steps, h1 = (draw(st.integers(lo, hi)) for lo, hi in ((0, 4), (1, 4), (1, 20), (1, 6)))
    prob = rng.dirichlet(np.ones(k), m).astype(np.float32)
    history = np.zeros((m, h1, 5))
    history[..., :2] = rng.uniform(-50, 50, (m, h1, 2))
    history[..., 2] = rng.uniform(-4, 4, (m, h1))
    history[..., 3:] = rng.normal(0, 10, (m, h1, 2)) * (rng.random((m, h1, 1)) < 0.8)
    args: dict[str, Any] = {
        "agents": rng.normal(0, 30, (m, k, steps + 1, 3)).astype(np.float32),
        "agent_prob": prob,
        "predicted": np.ones(m, np.bool_),
        "history": history,
        "history_valid": np.ones((m, h1), np.bool_),
    }
    spoiled = spoil(
        draw,
        rng,
        args,
        {
            "agents": ("nan", "inf", "int32", "fields", "strided", "meta"),
            "agent_prob": ("nan", "fields", "float16"),
            "predicted": ("float16", "fields"),
            "history": ("nan", "inf", "float16", "fields", "strided"),
            "history_valid": ("float16", "fields"),
        },
    )
    if not spoiled and draw(st.booleans()):  # masks drawn: NaN under a False is never read
        args["predicted"] = rng.random(m) < 0.7
        args["history_valid"] = rng.random((m, h1)) < 0.7
    dt, bad_dt = draw_dt(draw)
    big = not spoiled and not bad_dt and enlarge(draw, rng, args, ["agents", "history"])

    def run() -> Any:
        return trajcore.add_physics_modes(
            args["agents"],
            args["agent_prob"],
            args["predicted"],
            args["history"],
            args["history_valid"],
            dt,
        )

    if big:  # no NaN, or the documented bound on history values
        try:
            assert_no_nan(run())
        except ValueError as error:
            assert str(error).startswith("history[") and "within 1e15" in str(error), error
        return
    got = outcome(
        run,
        spoiled,
        bad_dt,
        also=("agents", "agent_prob", "predicted", "history", "history_valid"),
    )
    if got is None:
        return
    want = reference_physics_modes(
        args["agents"],
        args["agent_prob"],
        args["predicted"],
        args["history"],
        args["history_valid"],
        dt,
    )
    assert_modes_match(got, want)
