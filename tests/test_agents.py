"""Agent propagation (CV, CTRV) against closed forms evaluated in float64, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import trajcore


def random_agents(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    s = np.zeros((*shape, 5), np.float32)
    s[..., :2] = rng.uniform(-100, 100, (*shape, 2))
    s[..., 2] = rng.uniform(-np.pi, np.pi, shape)
    s[..., 3] = rng.uniform(0, 30, shape)
    s[..., 4] = rng.uniform(-0.5, 0.5, shape)
    s[..., 4][rng.random(shape) < 0.2] = 0.0  # straight-line agents in CTRV too
    s[..., 4][rng.random(shape) < 0.1] = 1e-6  # nearly straight: the arc formula's limit
    return s


def reference(states: np.ndarray, T: int, dt: float, model: str) -> np.ndarray:
    s = states.astype(np.float64)
    t = np.arange(T + 1) * dt
    x, y, yaw, v = (s[..., i, None] for i in range(4))
    w = s[..., 4, None] if model == "ctrv" else np.zeros_like(x)
    straight = np.abs(w) < 1e-9
    safe = np.where(straight, 1.0, w)
    px = np.where(
        straight, x + v * t * np.cos(yaw), x + v / safe * (np.sin(yaw + safe * t) - np.sin(yaw))
    )
    py = np.where(
        straight, y + v * t * np.sin(yaw), y - v / safe * (np.cos(yaw + safe * t) - np.cos(yaw))
    )
    pyaw = yaw + w * t
    return np.stack([px, py, pyaw], -1)[..., None, :, :]


@pytest.mark.parametrize("model", ["cv", "ctrv"])
def test_matches_closed_form(model: str) -> None:
    rng = np.random.default_rng(0)
    states = random_agents(rng, (3, 40))
    T, dt = 80, 0.1
    got = trajcore.propagate_agents(states, T, dt, model)
    assert got.shape == (3, 40, 1, T + 1, 3) and got.dtype == np.float32
    ref = reference(states, T, dt, model)
    np.testing.assert_allclose(got[..., :2], ref[..., :2], atol=2e-3, rtol=0)
    dyaw = (got[..., 2] - ref[..., 2] + np.pi) % (2 * np.pi) - np.pi
    np.testing.assert_allclose(dyaw, 0, atol=1e-5)
    assert got[..., 1:, 2].min() >= -np.pi and got[..., 1:, 2].max() < np.pi
    np.testing.assert_array_equal(got[..., 0, :], states[..., None, :3])


def test_cv_accepts_four_fields_and_ignores_the_yaw_rate() -> None:
    rng = np.random.default_rng(1)
    states = random_agents(rng, (10,))
    a = trajcore.propagate_agents(states, 20, 0.2, "cv")
    b = trajcore.propagate_agents(np.ascontiguousarray(states[:, :4]), 20, 0.2, "cv")
    np.testing.assert_array_equal(a, b)


def test_valid_mask_and_padding() -> None:
    rng = np.random.default_rng(2)
    states = random_agents(rng, (2, 6))
    valid = np.ones((2, 6), bool)
    valid[1, 3:] = False
    states[1, 3:] = np.nan  # padding is never read
    got = trajcore.propagate_agents(states, 10, 0.1, "ctrv", valid=valid)
    assert np.all(got[1, 3:] == 0) and np.isfinite(got).all()


def test_feeds_the_collision_engine() -> None:
    # An agent driving straight at a standing ego, predicted by CV, collides at the right step.
    agents = np.array([[40.0, 0.0, np.pi, 10.0]], np.float32)
    pred = trajcore.propagate_agents(agents, 50, 0.1, "cv")
    ego = np.zeros((1, 51, 3), np.float32)
    r = trajcore.check_collisions(
        ego, np.array([4.0, 2.0], np.float32), pred, np.array([[4.0, 2.0]], np.float32)
    )
    # Contact when the gap of 40 - 4 (two half lengths) m closes at 10 m/s: t = 3.6 s.
    assert r.first_step[0] == 36


def test_errors() -> None:
    s = np.zeros((3, 5), np.float32)
    with pytest.raises(ValueError, match=r"^model is 'ca', expected 'cv' or 'ctrv'$"):
        trajcore.propagate_agents(s, 10, 0.1, "ca")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError,
        match=r"expected \(\.\.\., M, 5\) = \(\.\.\., x, y, yaw, speed, yaw rate\) for model ctrv$",
    ):
        trajcore.propagate_agents(np.zeros((3, 4), np.float32), 10, 0.1, "ctrv")
    with pytest.raises(ValueError, match=r"^T is 0, expected >= 1$"):
        trajcore.propagate_agents(s, 0, 0.1)
    with pytest.raises(ValueError, match=r"^dt is -0.1, expected a finite number > 0 \(s\)$"):
        trajcore.propagate_agents(s, 5, -0.1)
    bad = s.copy()
    bad[1, 3] = np.inf
    with pytest.raises(
        ValueError,
        match=r"^states\[1\] \(speed\) is inf, expected a finite number \(or valid False\)$",
    ):
        trajcore.propagate_agents(bad, 5, 0.1)
    with pytest.raises(ValueError, match=r"^valid has shape \(2,\), expected \(3,\)"):
        trajcore.propagate_agents(s, 5, 0.1, valid=np.ones(2, bool))
