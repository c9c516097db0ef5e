"""Property fuzzing (hypothesis) of the public entry points: random shapes, dtypes, strides,
NaN / inf, extreme magnitudes, empty batches, masks and probabilities. Every call either raises
the documented exception (ValueError or TypeError) with a message that starts with the argument
at fault, or returns what the float64 brute-force reference computes. Inputs that are valid must
never raise, and invalid ones must never pass.

Budget and settings: tests/fuzz_support.py; the other entry points: tests/test_fuzz_*.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import trajcore
from collision_reference import AMBIGUOUS, box_distance_f64, reference_collisions
from conftest import corners_f64, sat_depth_f64
from fuzz_support import FUZZ, check_error, extreme


@dataclass
class Case:
    """An input array and why it is invalid ("" when it is valid)."""

    array: Any
    defect: str


def corrupt(draw: st.DrawFn, rng: np.random.Generator, array: np.ndarray, fields: int) -> Case:
    """One of the ways an input goes wrong, or none (most of the time)."""
    defect = draw(
        st.sampled_from(
            ["", "", "", "", "", "nan", "inf", "dtype", "float64", "shape", "strided", "huge"]
        )
    )
    if defect in ("nan", "inf") and array.size:
        flat = array.reshape(-1)
        flat[rng.integers(flat.size)] = np.nan if defect == "nan" else -np.inf
        return Case(array, defect)
    if defect == "dtype":
        kind = draw(st.sampled_from([np.int32, np.int64, np.bool_, np.float16, np.complex64]))
        return Case(array.astype(kind), defect)
    if defect == "float64":  # accepted and converted: valid
        return Case(array.astype(np.float64), "")
    if defect == "shape":
        extra = draw(st.sampled_from([-1, 2]))  # +1 is a valid form for some (yaw rate)
        shape = (*array.shape[:-1], max(fields + extra, 1))
        return Case(rng.normal(size=shape).astype(np.float32), defect)
    if defect == "strided" and array.ndim >= 1 and array.shape[0] > 1 and array.size:
        doubled = np.repeat(array, 2, axis=0)
        return Case(doubled[::2], defect)  # equal values, not C-contiguous
    if defect == "huge" and array.size:
        flat = array.reshape(-1)
        flat[rng.integers(flat.size)] = np.float32(3e37)  # finite, extreme
        return Case(array, "")  # valid input; the result is only checked for not crashing
    return Case(array, "")


@st.composite
def boxes(draw: st.DrawFn, *, min_rank: int = 1) -> tuple[Case, np.ndarray]:
    """(Case, the clean float32 boxes it came from) of shape (..., 5)."""
    lead = draw(st.lists(st.integers(0, 4), min_size=min_rank - 1, max_size=2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    b = np.empty((*lead, 5), np.float32)
    b[..., :2] = rng.uniform(-30, 30, (*lead, 2))
    b[..., 2] = rng.uniform(-7, 7, lead)
    b[..., 3:] = rng.uniform(0.2, 13, (*lead, 2))
    if b.size == 0:  # an empty batch is refused ("... is empty"), never silently returned
        return Case(b, "empty"), b
    if draw(st.booleans()):
        b.reshape(-1, 5)[rng.integers(b.size // 5), 3 + int(rng.integers(2))] = -1.0
        return Case(b, "negative extent"), b
    return corrupt(draw, rng, b.copy(), 5), b


def broadcastable(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


@FUZZ
@given(boxes(), boxes())
def test_box_overlap_and_distance(
    first: tuple[Case, np.ndarray], second: tuple[Case, np.ndarray]
) -> None:
    (a, _), (b, _) = first, second
    for function in (trajcore.box_overlap, trajcore.box_distance):
        valid = (
            not a.defect
            and not b.defect
            and broadcastable(np.shape(a.array)[:-1], np.shape(b.array)[:-1])
        )
        try:
            got = function(a.array, b.array)
        except Exception as error:
            assert not valid, f"valid input raised {error!r}"
            check_error(error, ("a", "b"))
            continue
        assert valid, f"invalid input ({a.defect or b.defect}) returned"
        if extreme(a.array, b.array) or got.size == 0:
            continue
        fa, fb = np.float32(a.array), np.float32(b.array)
        if function is trajcore.box_overlap:
            depth = sat_depth_f64(fa, fb)
            sure = np.abs(depth) > AMBIGUOUS
            assert np.array_equal(got[sure], (depth >= 0)[sure])
        else:
            np.testing.assert_allclose(got, box_distance_f64(fa, fb), rtol=0, atol=2e-4)


@FUZZ
@given(boxes())
def test_box_corners(case: tuple[Case, np.ndarray]) -> None:
    a, _ = case
    try:
        got = trajcore.box_corners(a.array)
    except Exception as error:
        assert a.defect, f"valid input raised {error!r}"
        check_error(error, ("boxes",))
        return
    assert not a.defect, f"invalid input ({a.defect}) returned"
    if not extreme(a.array):
        np.testing.assert_allclose(got, corners_f64(np.float32(a.array)), rtol=0, atol=1e-4)


@st.composite
def agent_states(draw: st.DrawFn) -> tuple[Case, int, float]:
    lead = draw(st.lists(st.integers(0, 4), min_size=1, max_size=2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    s = np.empty((*lead, 4), np.float32)
    s[..., :2] = rng.uniform(-50, 50, (*lead, 2))
    s[..., 2] = rng.uniform(-4, 4, lead)
    s[..., 3] = rng.uniform(0, 30, lead)
    case = corrupt(draw, rng, s, 4)  # no agents (M = 0) is a valid, empty prediction
    T = draw(st.integers(-1, 30))
    dt = draw(st.sampled_from([0.1, 0.05, 0.5, 0.0, -0.1, float("nan")]))
    if T < 1:
        case = Case(case.array, case.defect or "T")
    if not dt > 0:
        case = Case(case.array, case.defect or "dt")
    return case, T, dt


@FUZZ
@given(agent_states())
def test_propagate_agents_constant_velocity(drawn: tuple[Case, int, float]) -> None:
    case, T, dt = drawn
    try:
        got = trajcore.propagate_agents(case.array, T, dt, "cv")
    except Exception as error:
        assert case.defect, f"valid input raised {error!r}"
        check_error(error, ("states", "T", "dt"))
        return
    assert not case.defect, f"invalid input ({case.defect}) returned"
    if extreme(case.array):
        return
    s = np.asarray(case.array, np.float64)
    t = np.arange(T + 1) * dt
    x = s[..., 0, None] + s[..., 3, None] * np.cos(s[..., 2, None]) * t
    y = s[..., 1, None] + s[..., 3, None] * np.sin(s[..., 2, None]) * t
    np.testing.assert_allclose(got[..., 0, :, 0], x, rtol=0, atol=2e-3)
    np.testing.assert_allclose(got[..., 0, :, 1], y, rtol=0, atol=2e-3)


@st.composite
def collision_queries(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A check_collisions query (unbatched) and its defect ("" when valid)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, m, k, t1 = (draw(st.integers(lo, hi)) for lo, hi in ((1, 4), (0, 3), (1, 3), (1, 6)))
    ego = np.empty((n, t1, 3), np.float32)
    ego[..., :2] = rng.uniform(-8, 8, (n, t1, 2))
    ego[..., 2] = rng.uniform(-4, 4, (n, t1))
    agents = np.empty((m, k, t1, 3), np.float32)
    agents[..., :2] = rng.uniform(-8, 8, (m, k, t1, 2))
    agents[..., 2] = rng.uniform(-4, 4, (m, k, t1))
    query: dict[str, Any] = {
        "ego": ego,
        "ego_extent": np.array([4.8, 2.0], np.float32),
        "agents": agents,
        "agent_extent": rng.uniform(0.5, 6, (m, 2)).astype(np.float32),
        "agent_prob": None,
        "agent_valid": None,
    }
    if draw(st.booleans()):
        p = rng.random((m, k)).astype(np.float32) + 0.01
        query["agent_prob"] = p / p.sum(-1, keepdims=True)
    if draw(st.booleans()):
        query["agent_valid"] = rng.random((m, t1)) < 0.8
    defect = ""
    trouble = draw(
        st.sampled_from(
            [
                "",
                "",
                "",
                "prob_sum",
                "prob_negative",
                "nan_agent",
                "nan_invalid",
                "ego_shape",
                "extent_shape",
                "dtype",
            ]
        )
    )
    if trouble == "prob_sum" and m:
        query["agent_prob"] = np.full((m, k), 0.9, np.float32)  # sums to 0.9 k, never 1
        defect = "agent_prob"
    elif trouble == "prob_negative" and m and k > 1:
        p = np.full((m, k), 1.0 / (k - 1), np.float32)
        p[0, 0] = -0.0001
        p[0, 1] += 0.0001
        query["agent_prob"] = p
        defect = "agent_prob"
    elif trouble == "nan_agent" and m:
        query["agents"][0, 0, 0, 0] = np.nan
        if query["agent_valid"] is None or query["agent_valid"][0, 0]:
            defect = "agents"
    elif trouble == "nan_invalid" and m:  # under a false validity: never read, valid input
        valid = np.ones((m, t1), bool) if query["agent_valid"] is None else query["agent_valid"]
        valid[0, 0] = False
        query["agent_valid"] = valid
        query["agents"][0, :, 0, 0] = np.nan
    elif trouble == "ego_shape":
        query["ego"] = np.zeros((n, t1, 2), np.float32)  # fewer than x, y, yaw
        defect = "ego"
    elif trouble == "extent_shape":
        query["agent_extent"] = np.zeros((m + 1, 2), np.float32)
        defect = "agent_extent"
    elif trouble == "dtype":
        query["ego"] = query["ego"].astype(np.int32)
        defect = "ego"
    if query["agent_valid"] is not None and defect == "agent_prob":
        # A prob row whose agent has no valid step is never checked.
        if not query["agent_valid"].any(-1).all():
            defect = "maybe"
    return query, defect


@FUZZ
@given(collision_queries())
def test_check_collisions(drawn: tuple[dict[str, Any], str]) -> None:
    query, defect = drawn
    args = [
        query[k]
        for k in ("ego", "ego_extent", "agents", "agent_extent", "agent_prob", "agent_valid")
    ]
    try:
        got = trajcore.check_collisions(*args, swept=False)
    except Exception as error:
        assert defect, f"valid input raised {error!r}"
        if defect != "maybe":
            check_error(error, (defect,))
        return
    assert defect in ("", "maybe"), f"invalid input ({defect}) returned"
    ref = reference_collisions(*args)
    sure = ref.ambiguous_pairs == 0
    if sure:
        assert np.array_equal(got.collides, ref.collides)
        assert np.array_equal(got.first_step, ref.first_step)
        np.testing.assert_allclose(got.collision_prob, ref.collision_prob, rtol=0, atol=1e-5)
