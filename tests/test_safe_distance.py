"""The RSS-style safe-distance rule (trajcore.safe_distance): against a brute-force float64
reference on random scenes, on constructed scenes (a stopped car ahead, a cut-in, a car in the
next lane, a standing ego), inside score's trajcore_default profile, and its errors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import trajcore
from trajcore import SafeDistanceParams, VehicleParams

CAR = VehicleParams.passenger_car()
DT = 0.1
RULE = SafeDistanceParams()


def reference(states, agents, extent, prob, valid, rule, length, width, dt):  # type: ignore[no-untyped-def]
    """The rule as docs/scoring.md states it, one pair at a time in float64 (scene-less)."""
    n, t1 = states.shape[:2]
    m, k = agents.shape[:2]
    score = np.ones(n, np.float32)
    first = np.full(n, -1, np.int32)
    vprob = np.zeros(n)

    def speed(poses, t):  # type: ignore[no-untyped-def]
        t0 = t if t + 1 < t1 else max(t - 1, 0)
        t1_ = min(t0 + 1, t1 - 1)
        return math.hypot(poses[t1_, 0] - poses[t0, 0], poses[t1_, 1] - poses[t0, 1]) / dt

    def margin(ego, kappa, pose, ext, v_a):  # type: ignore[no-untyped-def]
        c, s = math.cos(ego[2]), math.sin(ego[2])
        dx, dy = pose[0] - ego[0], pose[1] - ego[1]
        lon = c * dx + s * dy
        lat = -s * dx + c * dy - 0.5 * kappa * lon * abs(lon)
        dyaw = float(pose[2]) - float(ego[2])
        cd, sd = abs(math.cos(dyaw)), abs(math.sin(dyaw))
        gap = lon - length / 2 - 0.5 * (ext[0] * cd + ext[1] * sd)
        ve = max(float(ego[3]), 0.0)
        va = max(v_a * math.cos(dyaw), 0.0)
        d = max(
            0.0,
            ve * rule.reaction_time
            + ve * ve / (2 * rule.ego_brake)
            - va * va / (2 * rule.agent_brake),
        )
        in_path = lon > 0 and abs(lat) < width / 2 + 0.5 * (ext[0] * sd + ext[1] * cd) + (
            rule.lateral_margin
        )
        return gap - d - rule.min_gap, in_path

    for i in range(n):
        traj = states[i].astype(np.float64)
        none = 1.0
        for a in range(m):
            p_violation = 0.0
            for mode in range(k):
                poses = agents[a, mode].astype(np.float64)
                m0 = math.inf
                if valid[a, 0]:
                    m0 = margin(traj[0], 0.0, poses[0], extent[a], speed(poses, 0))[0]
                hit = -1
                last = (
                    t1 if math.isinf(rule.horizon) else min(t1, int(rule.horizon / dt + 1e-9) + 1)
                )
                for t in range(1, last):
                    if not traj[t, 3] > rule.stopped_speed or not valid[a, t]:
                        continue
                    kappa = _curvature(traj, t, t1)
                    mt, in_path = margin(traj[t], kappa, poses[t], extent[a], speed(poses, t))
                    recovered = m0 + rule.recovery_rate * (t * dt - rule.reaction_time)
                    if in_path and mt < min(0.0, recovered) - rule.tolerance:
                        hit = t
                        break
                if hit >= 0:
                    score[i] = 0.0
                    first[i] = hit if first[i] < 0 else min(first[i], hit)
                    p_violation += prob[a, mode]
            none *= 1.0 - min(p_violation, 1.0)
        vprob[i] = 1.0 - none
    return score, vprob, first


def _curvature(traj: np.ndarray, t: int, t1: int) -> float:
    t0 = t if t + 1 < t1 else max(t - 1, 0)
    t2 = min(t0 + 1, t1 - 1)
    ds = math.hypot(traj[t2, 0] - traj[t0, 0], traj[t2, 1] - traj[t0, 1])
    if ds < 1e-3:
        return 0.0
    d = float(traj[t2, 2]) - float(traj[t0, 2])
    d = (d + math.pi) % (2 * math.pi) - math.pi
    return d / ds


def straight(v0: float, accel: float, steps: int = 40, y: float = 0.0) -> np.ndarray:
    """(T+1, 6) states along +x from 0 at v0 with a constant acceleration (stopping at 0)."""
    t = np.arange(steps + 1) * DT
    v = np.maximum(v0 + accel * t, 0.0)
    stop = v0 / -accel if accel < 0 else np.inf
    tc = np.minimum(t, stop)
    x = v0 * tc + 0.5 * accel * tc**2
    out = np.zeros((steps + 1, 6), np.float32)
    out[:, 0], out[:, 1], out[:, 3], out[:, 4] = x, y, v, accel
    return out


def agent_path(
    x0: float, v: float, y0: float = 0.0, vy: float = 0.0, steps: int = 40
) -> np.ndarray:
    t = np.arange(steps + 1) * DT
    out = np.zeros((steps + 1, 3), np.float32)
    out[:, 0], out[:, 1], out[:, 2] = x0 + v * t, y0 + vy * t, math.atan2(vy, max(v, 1e-9))
    return out


def rule_of(states: np.ndarray, agents: np.ndarray) -> trajcore.SafeDistanceResult:
    m, k = agents.shape[:2]
    return trajcore.safe_distance(
        states,
        agents,
        np.tile(np.float32([4.6, 1.9]), (m, 1)),
        params=CAR,
        dt=DT,
        agent_prob=np.full((m, k), 1.0 / k, np.float32),
    )


@pytest.mark.parametrize("seed", range(6))
def test_matches_the_float64_reference_on_random_scenes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, k, t1 = 32, 4, 2, 31
    # Candidates along +x at 5-25 m/s with random accelerations and gentle curves; agents around
    # them, moving at random speeds and headings.
    states = np.zeros((n, t1, 6), np.float32)
    for i in range(n):
        v0, acc, rate = rng.uniform(0, 25), rng.uniform(-6, 2), rng.normal(0, 0.05)
        v = np.maximum(v0 + acc * np.arange(t1) * DT, 0)
        yaw = rate * np.arange(t1) * DT
        step = v * DT
        states[i, :, 0] = np.concatenate([[0], np.cumsum(step[:-1] * np.cos(yaw[:-1]))])
        states[i, :, 1] = np.concatenate([[0], np.cumsum(step[:-1] * np.sin(yaw[:-1]))])
        states[i, :, 2], states[i, :, 3] = yaw, v
    agents = np.zeros((m, k, t1, 3), np.float32)
    for a in range(m):
        for mode in range(k):
            x0, y0 = rng.uniform(-10, 150), rng.normal(0, 3.0)
            v, yaw = rng.uniform(0, 20), rng.normal(0, 0.15)
            t = np.arange(t1) * DT
            agents[a, mode, :, 0] = x0 + v * t * math.cos(yaw)
            agents[a, mode, :, 1] = y0 + v * t * math.sin(yaw)
            agents[a, mode, :, 2] = yaw
    extent = rng.uniform([1, 0.6], [12, 2.6], (m, 2)).astype(np.float32)
    prob = rng.dirichlet(np.ones(k), m).astype(np.float32)
    valid = rng.random((m, t1)) > 0.1
    rule = SafeDistanceParams(horizon=(2.0, 2.5, math.inf)[seed % 3])
    got = trajcore.safe_distance(
        states, agents, extent, params=CAR, dt=DT, agent_prob=prob, agent_valid=valid, rule=rule
    )
    want = reference(states, agents, extent, prob, valid, rule, CAR.length, CAR.width, DT)
    assert 0 < want[0].mean() < 1, "the scenes must hold both outcomes"
    np.testing.assert_array_equal(got.score, want[0])
    np.testing.assert_array_equal(got.first_step, want[2])
    np.testing.assert_allclose(got.violation_prob, want[1], atol=1e-6)


def test_a_stopped_car_ahead_needs_braking_in_time() -> None:
    # A standing car 60 m ahead of an ego at 15 m/s: keeping the speed violates the rule once the
    # gap falls below 15 rho + 15^2 / (2 b_ego) + min_gap (28.25 m with the defaults); braking
    # now at 3 m/s^2 stops 37.5 m on.
    car = agent_path(60.0, 0.0)[None, None]
    keep, brake = straight(15.0, 0.0), straight(15.0, -3.0)
    r = rule_of(np.stack([keep, brake]), car)
    assert r.score.tolist() == [0.0, 1.0]
    need = 15.0 * RULE.reaction_time + 15.0**2 / (2 * RULE.ego_brake) + RULE.min_gap
    gap_at = lambda t: 60.0 - 2.3 - 15.0 * t * DT - CAR.length / 2  # noqa: E731
    t = int(r.first_step[0])
    assert gap_at(t) < need - RULE.tolerance <= gap_at(t - 1)


def test_a_cut_in_must_be_recovered_not_held() -> None:
    # A car cuts in 10 m ahead at the ego's speed: holding 16 m/s keeps the short gap (a
    # violation once the recovery time is up); easing off at 2 m/s^2 recovers it.
    cut_in = agent_path(10.0 + 4.7, 16.0, y0=-3.0, vy=3.0)
    cut_in[30:, 1] = 0.0
    cut_in[:, 2] = 0.0
    hold, ease = straight(16.0, 0.0), straight(16.0, -2.0)
    r = rule_of(np.stack([hold, ease]), cut_in[None, None])
    assert r.score.tolist() == [0.0, 1.0]


def test_a_car_in_the_next_lane_and_a_standing_ego_violate_nothing() -> None:
    beside = agent_path(8.0, 10.0, y0=3.7)[None, None]  # next lane, slower, close
    assert rule_of(straight(16.0, 0.0)[None], beside).score.tolist() == [1.0]
    ahead = agent_path(3.0 + CAR.length, 0.0)[None, None]  # 3 m ahead, standing
    standing = straight(0.0, 0.0)[None]
    assert rule_of(standing, ahead).score.tolist() == [1.0]
    creeping = straight(1.0, 0.0)[None]
    assert rule_of(creeping, ahead).score.tolist() == [0.0]


def test_steps_beyond_the_horizon_are_not_checked() -> None:
    # A car standing 100 m ahead: at 20 m/s the gap falls short of the rule (10 + 33.3 + 2 m,
    # less the 1 m tolerance) after about 2.5 s, beyond the default 2 s horizon; a 5 s horizon
    # sees it.
    car = agent_path(100.0, 0.0, steps=50)[None, None]
    keep = straight(20.0, 0.0, steps=50)[None]
    assert rule_of(keep, car).score.tolist() == [1.0]
    far = trajcore.safe_distance(
        keep,
        car,
        np.float32([[4.6, 1.9]]),
        params=CAR,
        dt=DT,
        rule=SafeDistanceParams(horizon=5.0),
    )
    assert far.score.tolist() == [0.0] and 20 < far.first_step[0] <= 50
    with pytest.raises(ValueError, match=r"^safe_distance.horizon is 0"):
        SafeDistanceParams(horizon=0.0)


def test_violation_probability_sums_the_violating_modes() -> None:
    # Mode 0 stands 30 m ahead (violated at 15 m/s), mode 1 drives away: probability 0.3.
    modes = np.stack([agent_path(30.0, 0.0), agent_path(30.0, 20.0)])[None]
    r = trajcore.safe_distance(
        straight(15.0, 0.0)[None],
        modes,
        np.float32([[4.6, 1.9]]),
        params=CAR,
        dt=DT,
        agent_prob=np.float32([[0.3, 0.7]]),
    )
    assert r.score.tolist() == [0.0]
    np.testing.assert_allclose(r.violation_prob, [0.3], rtol=1e-6)


def test_trajcore_default_gates_on_it_and_the_planner_says_why() -> None:
    from test_scoring import highway_map

    road, centre = highway_map()
    profile = trajcore.ScoringProfile.named("trajcore_default")
    assert profile.gate_safe_distance
    car = agent_path(60.0, 0.0)[None, None]
    states = np.stack([straight(15.0, 0.0), straight(15.0, -3.0)])
    kwargs = dict(params=CAR, dt=DT, road_map=road, centerline=centre)
    r = trajcore.score(states, car, np.float32([[4.6, 1.9]]), np.int32([0]), **kwargs,
                       profile=profile)  # fmt: skip
    assert r.safe_distance.tolist() == [0.0, 1.0]
    assert r.total[0] == 0.0 and r.total[1] > 0
    off = dataclasses.replace(profile, gate_safe_distance=False)
    r = trajcore.score(states, car, np.float32([[4.6, 1.9]]), np.int32([0]), **kwargs,
                       profile=off)  # fmt: skip
    assert r.safe_distance.tolist() == [1.0, 1.0]


def test_errors_name_the_argument() -> None:
    car = agent_path(60.0, 0.0)[None, None]
    states = straight(15.0, 0.0)[None]
    extent = np.float32([[4.6, 1.9]])
    with pytest.raises(ValueError, match=r"safe_distance.ego_brake is 0, expected > 0"):
        SafeDistanceParams(ego_brake=0.0)
    with pytest.raises(ValueError, match=r"safe_distance.reaction_time is nan"):
        SafeDistanceParams(reaction_time=float("nan"))
    with pytest.raises(ValueError, match=r"^agents has shape"):
        trajcore.safe_distance(states, car[0], extent, params=CAR, dt=DT)
    bad = states.copy()
    bad[0, 5, 3] = np.nan
    with pytest.raises(ValueError, match=r"^states\[0, 5, 3\] is nan"):
        trajcore.safe_distance(bad, car, extent, params=CAR, dt=DT)
    with pytest.raises(ValueError, match=r"^dt is 0"):
        trajcore.safe_distance(states, car, extent, params=CAR, dt=0.0)
    with pytest.raises(ValueError, match=r"violation_prob needs agent_prob|^agent_prob"):
        trajcore.safe_distance(
            states, car, extent, params=CAR, dt=DT, agent_prob=np.float32([[0.5, 0.5]])
        )
