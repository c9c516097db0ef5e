"""Physics hypotheses beside the predictor's modes (trajcore.add_physics_modes): each mode against
its closed form, the probability shares, agents the predictor did not predict, a cut-in the
learned modes miss, and the errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import trajcore
from trajcore import PhysicsModes

DT = 0.1
T = 30


def history_of(x: float, y: float, yaw: float, vx: float, vy: float, rate: float = 0.0):  # type: ignore[no-untyped-def]
    """(H+1, 5) 2 s of history ending at (x, y) with the given velocity and yaw rate."""
    h = np.zeros((21, 5))
    back = (np.arange(21) - 20) * DT
    h[:, 0], h[:, 1] = x + vx * back, y + vy * back
    h[:, 2], h[:, 3], h[:, 4] = yaw + rate * back, vx, vy
    return h


def learned(m: int, k: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Learned modes that keep every agent where it is (the predictor's miss)."""
    return np.zeros((m, k, T + 1, 3), np.float32), np.full((m, k), 1.0 / k, np.float32)


def test_each_mode_is_its_closed_form_and_the_shares_add_up() -> None:
    histories = np.stack(
        [
            history_of(10.0, 2.0, 0.3, 12 * math.cos(0.3), 12 * math.sin(0.3), rate=0.2),
            history_of(-5.0, 0.0, 1.0, 0.0, 0.0),  # standing, heading 1 rad
        ]
    )
    agents, prob = learned(2)
    out, p, valid = trajcore.add_physics_modes(
        agents, prob, np.ones(2, np.bool_), histories, np.ones((2, 21), np.bool_), DT
    )
    assert out.shape == (2, 9, T + 1, 3) and p.shape == (2, 9) and valid.all()
    np.testing.assert_array_equal(out[:, :6], agents)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-6)
    # The moving agent's hold share goes to CV; the standing one's learned modes keep 0.1 and
    # the held box takes what CV and CTRV leave.
    np.testing.assert_allclose(p[:, 6:], [[0.20, 0.10, 0.0], [0.15, 0.10, 0.65]], rtol=1e-6)
    np.testing.assert_allclose(p[:, :6], [[0.7 / 6] * 6, [0.1 / 6] * 6], rtol=1e-6)
    t = np.arange(T + 1) * DT
    # CV of the moving agent: along the velocity at 12 m/s.
    np.testing.assert_allclose(out[0, 6, :, 0], 10 + 12 * t * math.cos(0.3), atol=1e-4)
    np.testing.assert_allclose(out[0, 6, :, 1], 2 + 12 * t * math.sin(0.3), atol=1e-4)
    # CTRV: the yaw rate from the last 0.5 s of headings, as propagate_agents' ctrv.
    ctrv = trajcore.propagate_agents(np.float32([[10, 2, 0.3, 12, 0.2]]), T, DT, "ctrv")
    np.testing.assert_allclose(out[0, 7], ctrv[0, 0], atol=1e-4)
    # The hold: the current box.
    np.testing.assert_allclose(out[0, 8], np.tile([10.0, 2.0, 0.3], (T + 1, 1)), atol=1e-6)
    # The standing agent: every physics mode is its current box, heading kept.
    for mode in (6, 7, 8):
        np.testing.assert_allclose(out[1, mode], np.tile([-5.0, 0.0, 1.0], (T + 1, 1)), atol=1e-6)


def test_agents_not_predicted_get_the_physics_modes_alone() -> None:
    histories = np.stack([history_of(0, 0, 0, 1.5, 0)] * 3)  # 1.5 m/s: not standing, holds
    present = np.ones((3, 21), np.bool_)
    present[2, -1] = False  # gone now
    agents, prob = learned(3)
    out, p, valid = trajcore.add_physics_modes(
        agents, prob, np.array([True, False, False]), histories, present, DT
    )
    assert valid.tolist() == [True, True, False]
    np.testing.assert_allclose(p[1], [0] * 6 + [0.5, 1 / 3, 1 / 6], rtol=1e-6)
    np.testing.assert_array_equal(out[1, :6], np.broadcast_to(out[1, 8], (6, T + 1, 3)))
    np.testing.assert_array_equal(out[2], 0)


def test_a_standing_agent_keeps_little_of_its_learned_modes() -> None:
    # A car that drove at 5 m/s and has stood for the last 1.5 s (queueing): standing, so its
    # learned modes keep 0.1 and the held box 0.65. One that stopped 0.5 s ago is not standing.
    queued, braking = history_of(0, 0, 0, 0, 0), history_of(0, 0, 0, 0, 0)
    queued[:5, 3] = 5.0
    braking[:15, 3] = 5.0
    agents, prob = learned(2)
    _, p, _ = trajcore.add_physics_modes(
        agents, prob, np.ones(2, np.bool_), np.stack([queued, braking]), np.ones((2, 21), bool), DT
    )
    np.testing.assert_allclose(p[0], [0.1 / 6] * 6 + [0.15, 0.10, 0.65], rtol=1e-6)
    np.testing.assert_allclose(p[1], [0.7 / 6] * 6 + [0.15, 0.10, 0.05], rtol=1e-6)


def test_a_cut_in_the_learned_modes_miss_reaches_the_ego_lane() -> None:
    # A car in the left lane (y = 3.7) drifting right at 1.2 m/s: the learned modes keep it in
    # its lane; the CV mode is in the ego's lane (y < 1) within 3 s (with the hold share: 0.2).
    agents, prob = learned(1)
    agents[0, :, :, 0] = 17 + 15 * np.arange(T + 1) * DT
    agents[0, :, :, 1] = 3.7
    yaw = math.atan2(-1.2, 15)
    h = history_of(17, 3.7, yaw, 15, -1.2)[None]
    out, p, _ = trajcore.add_physics_modes(
        agents, prob, np.ones(1, np.bool_), h, np.ones((1, 21), np.bool_), DT
    )
    assert (out[0, :6, :, 1] == np.float32(3.7)).all()
    assert out[0, 6, 30, 1] < 1.0
    # The planner's collision check sees it: an ego holding 15 m/s in its lane collides only
    # with the CV and CTRV modes, at their probability.
    ego = np.zeros((1, T + 1, 6), np.float32)
    ego[0, :, 0] = 15 + 15 * np.arange(T + 1) * DT
    ego[0, :, 3] = 15
    r = trajcore.check_collisions(ego, np.float32([4.8, 1.9]), out, np.float32([[4.6, 1.9]]), p)
    np.testing.assert_allclose(r.collision_prob, [0.30], rtol=1e-5)


def test_errors_name_the_argument() -> None:
    agents, prob = learned(2)
    h = np.zeros((2, 21, 5))
    hv = np.ones((2, 21), np.bool_)
    yes = np.ones(2, np.bool_)
    with pytest.raises(ValueError, match=r"modes' shares sum to 1.25, expected \(0, 1\]"):
        PhysicsModes(constant_velocity=0.6, constant_turn_rate=0.6)
    with pytest.raises(ValueError, match=r"^modes.hold_speed is -1"):
        PhysicsModes(hold_speed=-1.0)
    with pytest.raises(ValueError, match=r"^modes.standing_speed is 3, expected between 0"):
        PhysicsModes(standing_speed=3.0)
    with pytest.raises(ValueError, match=r"^modes.standing_learned is 0.9"):
        PhysicsModes(standing_learned=0.9)
    with pytest.raises(ValueError, match=r"^agent_prob\[1\] sums to 0.5"):
        trajcore.add_physics_modes(agents, prob * np.float32([[1], [0.5]]), yes, h, hv, DT)
    bad = h.copy()
    bad[1, 20, 3] = np.nan
    with pytest.raises(ValueError, match=r"^history\[1, 20, 3\] \(vx\) is nan"):
        trajcore.add_physics_modes(agents, prob, yes, bad, hv, DT)
    hv_bad = hv.copy()
    hv_bad[1, 20] = False  # not read where not valid
    trajcore.add_physics_modes(agents, prob, yes, bad, hv_bad, DT)
    with pytest.raises(ValueError, match=r"^history has shape \(2, 21, 4\)"):
        trajcore.add_physics_modes(agents, prob, yes, h[..., :4].copy(), hv, DT)
    with pytest.raises(TypeError, match=r"history"):
        trajcore.add_physics_modes(agents, prob, yes, h.astype(np.float32), hv, DT)
    with pytest.raises(ValueError, match=r"^dt is -1"):
        trajcore.add_physics_modes(agents, prob, yes, h, hv, -1.0)


def wrap(a: np.ndarray) -> np.ndarray:
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


def limit_turning(poses: np.ndarray, max_curvature: float) -> None:
    """One mode's (T+1, 3) poses in place: each step's heading turns at most max_curvature times
    the distance moved, towards the predicted heading."""
    yaw = float(poses[0, 2])
    for t in range(1, len(poses)):
        reach = max_curvature * math.hypot(*(poses[t, :2] - poses[t - 1, :2]))
        turn = float(wrap(np.float64(poses[t, 2]) - yaw))
        yaw = (
            float(poses[t, 2])
            if abs(turn) <= reach
            else float(wrap(yaw + math.copysign(reach, turn)))
        )
        poses[t, 2] = yaw


def reference_physics_modes(  # type: ignore[no-untyped-def]
    agents, prob, predicted, history, history_valid, dt, modes=None
):
    """docs/prediction.md's physics modes in float64, one agent at a time."""
    modes = modes or PhysicsModes()
    m, k, t1, _ = agents.shape
    h = history.shape[1] - 1
    shares = np.array([modes.constant_velocity, modes.constant_turn_rate, modes.hold])
    out = np.zeros((m, k + 3, t1, 3))
    p = np.zeros((m, k + 3))
    valid = np.zeros(m, bool)
    t = np.arange(t1) * dt
    for i in range(m):
        present = bool(history_valid[i, h])
        valid[i] = predicted[i] or present
        if predicted[i]:
            out[i, :k] = agents[i]
            for mode in range(k):
                limit_turning(out[i, mode], modes.max_curvature)
        if not present:
            p[i] = np.append(prob[i], [0, 0, 0]) if predicted[i] else 1.0 / (k + 3)
            continue
        x, y, yaw, vx, vy = history[i, h]
        speed = math.hypot(vx, vy)
        heading = math.atan2(vy, vx) if speed >= modes.heading_speed else yaw
        rate = 0.0
        for back in range(min(modes.yaw_rate_window, h), 0, -1):
            if history_valid[i, h - back]:
                rate = float(wrap(yaw - history[i, h - back, 2])) / (back * dt)
                break
        if math.isfinite(modes.max_curvature):
            bound = modes.max_curvature * speed
            rate = min(max(rate, -bound), bound)
        out[i, k, :, 0] = x + speed * t * math.cos(heading)
        out[i, k, :, 1] = y + speed * t * math.sin(heading)
        out[i, k, :, 2] = heading
        if rate == 0.0:
            out[i, k + 1] = out[i, k]
        else:
            r = speed / rate
            out[i, k + 1, :, 0] = x + r * (np.sin(heading + rate * t) - math.sin(heading))
            out[i, k + 1, :, 1] = y - r * (np.cos(heading + rate * t) - math.cos(heading))
            out[i, k + 1, :, 2] = heading + rate * t
        out[i, k + 2] = [x, y, float(wrap(yaw))]
        holds = speed <= modes.hold_speed
        recent = range(max(0, h - modes.standing_window), h + 1)
        standing = all(
            not history_valid[i, r] or math.hypot(*history[i, r, 3:]) <= modes.standing_speed
            for r in recent
        )
        learned = (
            0.0 if not predicted[i] else modes.standing_learned if standing else 1 - shares.sum()
        )
        if standing:
            eff = np.array([shares[0], shares[1], 1 - learned - shares[0] - shares[1]])
        else:
            scale = (1 - learned) / shares.sum()
            eff = scale * np.array(
                [shares[0] + (0 if holds else shares[2]), shares[1], shares[2] * holds]
            )
        for mode in (k, k + 1):
            out[i, mode, 0, 2] = heading
        p[i, :k] = learned * prob[i]
        p[i, k:] = eff
        if not predicted[i]:
            out[i, :k] = out[i, k + 2]
    return out, p, valid


def assert_modes_match(got: tuple, want: tuple) -> None:  # type: ignore[type-arg]
    poses, p, valid = (np.asarray(g) for g in got)
    np.testing.assert_array_equal(valid, want[2])
    np.testing.assert_allclose(p, want[1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(poses[..., :2], want[0][..., :2], atol=2e-3, rtol=1e-6)
    np.testing.assert_allclose(wrap(poses[..., 2] - want[0][..., 2]), 0, atol=1e-4)


def test_a_creeping_car_does_not_turn_its_box_in_place() -> None:
    # A car creeping at 1 m/s whose predicted headings wobble by 0.7 rad keeps its heading
    # within 0.2 rad per metre moved; one that turns as a car can keeps its predicted poses.
    agents, prob = learned(2, 1)
    t = np.arange(T + 1) * DT
    agents[:, 0, :, 0] = 1.0 * t
    agents[0, 0, :, 2] = 0.7 * np.sin(3 * t)
    agents[1, 0, :, 0] = 8 * np.sin(0.5 * t)  # radius 16 m: 1/16 per metre
    agents[1, 0, :, 1] = 16 * (1 - np.cos(0.5 * t))
    agents[1, 0, :, 2] = 0.5 * t
    history = np.stack([history_of(0, 0, 0, 1.0, 0), history_of(0, 0, 0, 8.0, 0)])
    poses, _, _ = trajcore.add_physics_modes(
        agents, prob, np.ones(2, bool), history, np.ones((2, 21), bool), DT
    )
    yaw = np.asarray(poses)[0, 0, :, 2]
    assert np.all(np.abs(np.diff(yaw)) <= 0.2 * 1.0 * DT + 1e-6)
    assert np.abs(yaw).max() < 0.2 * 1.0 * T * DT + 1e-5
    np.testing.assert_array_equal(np.asarray(poses)[1, 0], agents[1, 0])
    # Its CTRV mode turns at most 0.2 rad/m x 1 m/s although the logged heading swung at 1 rad/s.
    noisy = np.stack([history_of(0, 0, 0, 1.0, 0, rate=1.0)])
    poses, _, _ = trajcore.add_physics_modes(
        agents[:1], prob[:1], np.ones(1, bool), noisy, np.ones((1, 21), bool), DT
    )
    np.testing.assert_allclose(np.asarray(poses)[0, 2, -1, 2], 0.2 * T * DT, atol=1e-5)
    # max_curvature=inf keeps the predicted headings; the limit is validated.
    free, _, _ = trajcore.add_physics_modes(
        agents,
        prob,
        np.ones(2, bool),
        history,
        np.ones((2, 21), bool),
        DT,
        PhysicsModes(max_curvature=math.inf),
    )
    np.testing.assert_array_equal(np.asarray(free)[:, :1], agents)
    with pytest.raises(ValueError, match="max_curvature is 0"):
        PhysicsModes(max_curvature=0.0)


@pytest.mark.parametrize("seed", range(5))
def test_matches_the_float64_reference_on_random_agents(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, k, h1 = 12, 4, 11
    agents = rng.normal(size=(m, k, T + 1, 3)).astype(np.float32)
    prob = rng.dirichlet(np.ones(k), m).astype(np.float32)
    predicted = rng.random(m) < 0.7
    history = np.zeros((m, h1, 5))
    history[..., :2] = rng.uniform(-50, 50, (m, 1, 2)) + rng.normal(size=(m, h1, 2))
    history[..., 2] = rng.uniform(-3, 3, (m, 1)) + np.cumsum(rng.normal(0, 0.05, (m, h1)), 1)
    history[..., 3:] = rng.normal(0, 8, (m, 1, 2)) * (rng.random((m, 1, 1)) < 0.8)
    history_valid = rng.random((m, h1)) < 0.8
    got = trajcore.add_physics_modes(agents, prob, predicted, history, history_valid, DT)
    want = reference_physics_modes(agents, prob, predicted, history, history_valid, DT)
    assert_modes_match(got, want)
