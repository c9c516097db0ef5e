"""Candidate generators: the lattice reaches the requested grid of offsets, speeds and durations
(checked against the polynomial boundary conditions), PDM proposals follow their IDM (checked
against a numpy IDM written from PDM's equations) and stop behind a lead agent, tracking, batching
and determinism, errors."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

import trajcore
from real_lanes import argoverse_routes
from trajcore import IdmParams, ReferenceLine, VehicleParams

CAR = VehicleParams.passenger_car()
DT = 0.1


def straight_line() -> ReferenceLine:
    return ReferenceLine(np.array([[0.0, 0.0], [400.0, 0.0]]), smoothing=0.0)


def ego_on(line: ReferenceLine, s: float, d: float, v: float) -> NDArray[np.float32]:
    x, y, h, _ = np.asarray(line.evaluate(np.array([s], np.float32)))[0]
    c = CAR.rear_axle_to_center
    rx, ry = x - d * np.sin(h), y + d * np.cos(h)
    return np.array([rx + c * np.cos(h), ry + c * np.sin(h), h, v, 0.0, 0.0], np.float32)


def test_lattice_covers_the_requested_grid() -> None:
    line = straight_line()
    offsets, speeds, durations = [-1.5, 0.0, 2.0], [0.0, 5.0, 10.0, 14.0], [3.0, 5.0]
    ego = ego_on(line, 10.0, 0.4, 8.0)
    r = trajcore.frenet_lattice(ego, line, offsets, speeds, durations, 80, DT)
    n = len(offsets) * len(speeds) * len(durations)
    assert r.states.shape == (n, 81, 6) and r.references.shape == (n, 81, 4)
    grid = np.array(np.meshgrid(offsets, speeds, durations, indexing="ij")).reshape(3, -1)
    np.testing.assert_allclose(r.offsets, grid[0])
    np.testing.assert_allclose(r.target_speeds, grid[1])
    np.testing.assert_allclose(r.durations, grid[2])
    c = CAR.rear_axle_to_center
    ref = np.asarray(r.references, np.float64)
    axle_y = ref[..., 1] - c * np.sin(ref[..., 2])
    for k in range(n):
        after = np.arange(81) * DT >= r.durations[k] - 1e-6
        # Reference: at and after the duration, on the offset at the target speed.
        np.testing.assert_allclose(axle_y[k, after], r.offsets[k], atol=1e-4)
        np.testing.assert_allclose(ref[k, after, 3], r.target_speeds[k], atol=1e-3)
        # Starts at the ego's Frenet state.
        assert abs(axle_y[k, 0] - 0.4) < 1e-4 and abs(ref[k, 0, 3] - 8.0) < 1e-4
    # Tracked: the vehicle settles on the requested offset and speed (three seconds after the
    # longest maneuver, for moving candidates the car drives without hitting a limit; a stopping
    # one stops where its speed loop ends, lateral error and all).
    st = np.asarray(r.states, np.float64)
    y_axle = st[..., 1] - c * np.sin(st[..., 2])
    calm = ~np.any(np.asarray(r.saturation) != 0, axis=1) & (np.asarray(r.target_speeds) >= 5)
    assert calm.sum() >= n // 3
    np.testing.assert_allclose(y_axle[calm, -1], r.offsets[calm], atol=0.1)
    np.testing.assert_allclose(st[calm, -1, 3], r.target_speeds[calm], atol=0.3)


def test_lattice_quintic_and_quartic_boundary_conditions() -> None:
    # Lateral d(t) quintic and longitudinal s(t) quartic in closed form, from a start with lateral
    # velocity and acceleration (ego yawed and accelerating on a straight line).
    line = straight_line()
    ego = ego_on(line, 5.0, -0.5, 10.0)
    ego[2] = 0.05
    ego[4] = 1.0
    r = trajcore.frenet_lattice(ego, line, [1.0], [12.0], [4.0], 60, DT)
    ref = np.asarray(r.references[0], np.float64)
    c = CAR.rear_axle_to_center
    x = ref[:, 0] - c * np.cos(ref[:, 2])
    y = ref[:, 1] - c * np.sin(ref[:, 2])
    t = np.arange(61) * DT
    # numpy boundary-value fits of the same polynomials
    d0, dd0, ddd0 = y[0], 10 * np.sin(0.05), 1.0 * np.sin(0.05)
    D = 4.0
    A = np.array(
        [[D**3, D**4, D**5], [3 * D**2, 4 * D**3, 5 * D**4], [6 * D, 12 * D**2, 20 * D**3]]
    )
    rhs = np.array([1.0 - (d0 + dd0 * D + ddd0 * D**2 / 2), -(dd0 + ddd0 * D), -ddd0])
    c3, c4, c5 = np.linalg.solve(A, rhs)
    tt = np.minimum(t, D)
    d = d0 + dd0 * tt + ddd0 / 2 * tt**2 + c3 * tt**3 + c4 * tt**4 + c5 * tt**5
    np.testing.assert_allclose(y, d, atol=2e-3)
    s0, v0, a0 = x[0], 10 * np.cos(0.05), 1.0 * np.cos(0.05)
    A2 = np.array([[3 * D**2, 4 * D**3], [6 * D, 12 * D**2]])
    a3, a4 = np.linalg.solve(A2, [12.0 - v0 - a0 * D, -a0])
    s_end = s0 + v0 * D + a0 * D**2 / 2 + a3 * D**3 + a4 * D**4
    s = np.where(
        t <= D, s0 + v0 * t + a0 / 2 * t**2 + a3 * t**3 + a4 * t**4, s_end + 12.0 * (t - D)
    )
    np.testing.assert_allclose(x, s, atol=5e-3)


def test_a_lateral_move_needs_travel() -> None:
    # A standing ego cannot move across without moving along: a lateral maneuver's clock runs no
    # faster than the travel a steering-limited quintic shift needs, L = sqrt(10 / sqrt(3) *
    # |shift| / kappa_max) (the quintic bends the path by 10 / sqrt(3) * shift / L^2 at most).
    line = straight_line()
    ego = ego_on(line, 5.0, 0.0, 0.0)
    offsets, speeds, durations = [-1.75, 0.0, 1.75], [0.0, 1.0, 10.0], [2.0, 4.0]
    r = trajcore.frenet_lattice(ego, line, offsets, speeds, durations, 80, DT)
    ref = np.asarray(r.references, np.float64)
    c = CAR.rear_axle_to_center
    x = ref[..., 0] - c * np.cos(ref[..., 2])
    y = ref[..., 1] - c * np.sin(ref[..., 2])
    kappa = np.tan(CAR.max_steering_angle) / CAR.wheelbase
    t = np.arange(81) * DT
    for n, (d1, v1, D) in enumerate((o, v, d) for o in offsets for v in speeds for d in durations):
        travel = x[n] - x[n, 0]
        if v1 == 0.0:  # standing: nothing moves, whatever the offset
            np.testing.assert_allclose(ref[n, :, :2], ref[n, :1, :2].repeat(81, 0), atol=1e-5)
            tracked = np.asarray(r.states)[n, :, :2]
            np.testing.assert_allclose(tracked, ego[None, :2].repeat(81, 0), atol=1e-5)
            continue
        # numpy reference: the minimum-jerk quintic (the ego starts at rest on the line) on the
        # clock min(t, D * travel / L).
        need = np.sqrt(10 / np.sqrt(3) * abs(d1) / kappa)
        tau = np.minimum(t, D * travel / need) if d1 else t
        u = np.minimum(tau, D) / D
        np.testing.assert_allclose(y[n], d1 * (10 * u**3 - 15 * u**4 + 6 * u**5), atol=2e-3)
        if d1 and v1 == 1.0:
            # Slower than the shift's travel over D allows: the travel clock holds it back, and
            # the path bends no more than the steering limit.
            assert np.any(D * travel / need < t - 0.05)
            moving = np.flatnonzero(np.diff(travel) > 1e-3)
            dy = np.gradient(y[n, moving], travel[moving])
            curvature = np.gradient(dy, travel[moving])
            assert np.abs(curvature).max() <= kappa * 1.05


def setoff_reference(
    v1: float, D: float, a_max: float, t: np.ndarray, v0: float = 0.0, a0: float = 0.0
) -> np.ndarray:
    """numpy reference of a set-off from (v0, a0): the acceleration moves at a_max / 0.8 s from a0
    to the lowest plateau that reaches v1 at max(D, the duration at the plateau a_max), holds,
    and falls at the same jerk to 0; speed by numerical integration of that acceleration."""
    j = a_max / 0.8

    def reached(plateau: float, T: float) -> float:  # the speed gained with this trapezoid
        fine = np.linspace(0.0, T, 20001)
        accel = np.minimum.reduce([a0 + j * fine, np.full_like(fine, plateau), j * (T - fine)])
        return float(np.sum(0.5 * (accel[1:] + accel[:-1]) * np.diff(fine)))

    # The duration at the bound, then the plateau, by bisection (each gain grows monotonically).
    lo, hi = 0.0, 200.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if reached(a_max, mid) < v1 - v0 else (lo, mid)
    T = max(D, hi)
    lo, hi = max(a0, 0.0), a_max
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if reached(mid, T) < v1 - v0 else (lo, mid)
    fine = np.linspace(0.0, max(t.max(), T) + 1.0, 200001)
    accel = np.minimum.reduce([a0 + j * fine, np.full_like(fine, hi), j * (T - fine)])
    accel = np.where(fine < T, accel, 0.0)
    speed = v0 + np.concatenate([[0.0], np.cumsum(0.5 * (accel[1:] + accel[:-1]) * np.diff(fine))])
    return np.interp(np.maximum(t, 0.0), fine, speed)


def test_setting_off_from_rest_ramps_up_at_a_comfortable_jerk() -> None:
    # From rest with a comfortable acceleration the lattice's speed-ups are jerk-limited
    # trapezoids (a plateau reached within 0.8 s), not quartics, whose acceleration rises slowly
    # (to 7.5 m/s over 6 s: 0.6 m/s^2 after 0.5 s, against 1.25 here). Without the bound, or
    # from a moving start, the quartic stays.
    line = straight_line()
    ego = ego_on(line, 5.0, 0.0, 0.0)
    speeds, durations = [2.5, 7.5, 15.0], [2.0, 6.0]
    r = trajcore.frenet_lattice(
        ego, line, [0.0], speeds, durations, 80, DT, comfortable_acceleration=2.0
    )
    v = np.asarray(r.references, np.float64)[:, :, 3]
    t = np.arange(81) * DT
    for n, (v1, D) in enumerate((a, b) for a in speeds for b in durations):
        np.testing.assert_allclose(v[n], setoff_reference(v1, D, 2.0, t), atol=2e-3)
        assert np.diff(v[n]).max() / DT <= 2.0 + 1e-4
    quartic = trajcore.frenet_lattice(ego, line, [0.0], [7.5], [6.0], 80, DT)
    vq = np.asarray(quartic.references, np.float64)[0, :, 3]
    assert vq[10] < 0.65 * v[3, 10]  # the quartic to 7.5 m/s over 6 s is far slower off the mark


def test_a_hard_braking_start_stops_then_sets_off_again() -> None:
    # From 2.37 m/s braking at 8 m/s^2 (a noisy NGSIM start), the quartic's speed turns negative
    # at once: the vehicle stands, and the maneuver starts again from rest (the set-off ramp
    # with a comfortable acceleration). Before, every candidate stood for the whole horizon,
    # whatever its target speed.
    line = straight_line()
    ego = ego_on(line, 5.0, 0.0, 2.37)
    ego[4] = -8.0
    speeds, D = [0.0, 10.0], 4.0
    r = trajcore.frenet_lattice(ego, line, [0.0], speeds, [D], 80, DT, comfortable_acceleration=2.0)
    v = np.asarray(r.references, np.float64)[:, :, 3]
    stands = int(np.flatnonzero(v[0] == 0)[0])
    assert stands <= 5 and v[0, stands:].max() == 0.0  # the stop candidate stands from there on
    stop = int(np.argmin(v[1]))  # the first step past the stop, where the set-off starts
    assert stop <= 5 and v[1, stop] < 0.05
    t = (np.arange(81) - (stop - 1)) * DT
    np.testing.assert_allclose(v[1, stop:], setoff_reference(10.0, D, 2.0, t)[stop:], atol=2e-3)
    assert v[1, -1] == pytest.approx(10.0)


def test_a_creeping_start_ramps_up_from_its_speed_and_acceleration() -> None:
    # Creeping in a queue (0.3 m/s, accelerating at 0.4 m/s^2; below 1 m/s) a speed-up whose
    # quartic would pass the comfortable acceleration is the set-off trapezoid from that speed and
    # acceleration, not the quartic stretched within the bound: that one reached walking pace
    # after 5 s in NGSIM's stop-and-go. Speed-ups within the bound keep their quartic.
    line = straight_line()
    ego = ego_on(line, 5.0, 0.0, 0.3)
    ego[4] = 0.4
    speeds, durations = [2.5, 7.5, 15.0], [2.0, 6.0]
    free = trajcore.frenet_lattice(ego, line, [0.0], speeds, durations, 100, DT)
    bound = trajcore.frenet_lattice(
        ego, line, [0.0], speeds, durations, 100, DT, comfortable_acceleration=2.0
    )
    v_free, v = (np.asarray(c.references[:, :, 3], np.float64) for c in (free, bound))
    t = np.arange(101) * DT
    ramps = 0
    for n, (v1, D) in enumerate((a, b) for a in speeds for b in durations):
        if quartic_peak(0.3, 0.4, v1, D) > 2.0:
            ramps += 1
            np.testing.assert_allclose(v[n], setoff_reference(v1, D, 2.0, t, 0.3, 0.4), atol=2e-3)
            rise = np.diff(v[n]) / DT
            assert rise.max() <= 2.0 + 1e-4 and rise[0] > 0.4  # continues the acceleration
            assert np.abs(np.diff(rise)).max() / DT <= 2.5 + 1e-2  # jerk: bound / 0.8 s
            # Faster off the mark than the quartic stretched within the bound would be.
            lo, hi = D, 60.0
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if quartic_peak(0.3, 0.4, v1, mid) > 2.0 else (lo, mid)
            stretched = trajcore.frenet_lattice(ego, line, [0.0], [v1], [hi], 100, DT)
            assert v[n, 15] > float(stretched.references[0, 15, 3]) + 0.3
        else:
            np.testing.assert_array_equal(v[n], v_free[n])
    assert ramps == 3


def quartic_peak(v0: float, a0: float, v1: float, D: float) -> float:
    """numpy reference: the largest acceleration of the lattice's speed quartic on [0, D]."""
    a3, a4 = np.linalg.solve(
        np.array([[3 * D**2, 4 * D**3], [6 * D, 12 * D**2]]), [v1 - v0 - a0 * D, -a0]
    )
    t = np.linspace(0.0, D, 20001)
    return float((a0 + 6 * a3 * t + 12 * a4 * t**2).max())


def test_speed_ups_keep_to_a_comfortable_acceleration() -> None:
    line = straight_line()
    ego = ego_on(line, 5.0, 0.0, 2.0)
    ego[4] = 0.5
    speeds, durations = [0.0, 2.0, 5.0, 10.0, 20.0], [2.0, 4.0, 6.0]
    free = trajcore.frenet_lattice(ego, line, [0.0], speeds, durations, 160, DT)
    bound = trajcore.frenet_lattice(
        ego, line, [0.0], speeds, durations, 160, DT, comfortable_acceleration=2.0
    )
    v_free, v_bound = (np.asarray(c.references[:, :, 3], np.float64) for c in (free, bound))
    for n, (v1, D) in enumerate((v, d) for v in speeds for d in durations):
        peak = quartic_peak(2.0, 0.5, v1, D)
        if v1 > 2.0 and peak > 2.0:
            # Stretched to the shortest duration within the bound: the reference's speed rises
            # at 2 m/s^2 at most and just reaches it; the target is still reached (in 16 s).
            rise = np.diff(v_bound[n]) / DT
            assert rise.max() <= 2.0 + 1e-3 and rise.max() > 1.97, (v1, D)
            assert v_bound[n, -1] == pytest.approx(v1, abs=1e-3)
            assert np.diff(v_free[n]).max() / DT > 2.0
        else:  # within the bound already, or slowing down: unchanged
            np.testing.assert_array_equal(v_bound[n], v_free[n])
    # The reported durations are the requested ones.
    np.testing.assert_array_equal(bound.durations, free.durations)
    with pytest.raises(ValueError, match="comfortable_acceleration is 0, expected > 0"):
        trajcore.frenet_lattice(ego, line, [0.0], [5.0], [3.0], 40, DT, comfortable_acceleration=0)


def test_lattice_on_a_real_route_is_deterministic_and_batched() -> None:
    line = ReferenceLine(argoverse_routes(60.0)[1])
    ego = ego_on(line, 3.0, 0.3, 5.0)
    args = ([-1.0, 0.0, 1.0], [2.0, 4.0, 6.0], [3.0, 5.0], 60, DT)
    before = trajcore.get_num_threads()
    try:
        runs = []
        for threads in (1, 2, 5):
            trajcore.set_num_threads(threads)
            runs.append(trajcore.frenet_lattice(ego, line, *args))
    finally:
        trajcore.set_num_threads(before)
    for r in runs[1:]:
        np.testing.assert_array_equal(r.states, runs[0].states)
        np.testing.assert_array_equal(r.references, runs[0].references)
    batched = trajcore.frenet_lattice(np.stack([ego, ego_on(line, 6.0, 0.0, 4.0)]), line, *args)
    np.testing.assert_array_equal(batched.states[0], runs[0].states)
    # The tracked states are what the rollout of the returned controls gives.
    rolled = trajcore.rollout(ego, runs[0].controls, CAR, DT)
    np.testing.assert_allclose(rolled.states, runs[0].states, atol=1e-4)


def idm_reference(
    v0: float, target: float, gap0: float, lead_v: float, steps: int, idm: IdmParams
) -> NDArray[np.float64]:
    """PDM's IDM for a constant-speed lead (speeds per step), in numpy."""
    x, v, lead = 0.0, v0, gap0
    out = [v]
    for _ in range(steps):
        lead += lead_v * DT
        s_star = (
            idm.min_gap
            + v * idm.headway
            + v * (v - lead_v) / (2 * np.sqrt(idm.max_acceleration * idm.comfortable_braking))
        )
        gap = max(lead - x, idm.min_gap)
        a = idm.max_acceleration * (1 - (v / target) ** idm.exponent - (s_star / gap) ** 2)
        a = min(max(a, -idm.comfortable_braking), idm.max_acceleration)
        x += DT * v
        v = max(v + DT * a, 0.0)
        out.append(v)
    return np.array(out)


def test_pdm_proposals_follow_the_idm_and_stop_behind_a_lead() -> None:
    line = straight_line()
    ego = ego_on(line, 10.0, 0.0, 8.0)
    T = 60
    # A stopped car 30 m ahead (rear bumper at 30 - 2.25 m from the ego's rear axle).
    lead = np.zeros((1, T + 1, 3), np.float32)
    lead[0, :, 0] = 10.0 + CAR.rear_axle_to_center + 30.0
    extents = np.array([[4.5, 2.0]], np.float32)
    r = trajcore.pdm_proposals(ego, line, lead, extents, T=T, speed_limit=12.0)
    assert r.states.shape == (15, T + 1, 6)
    np.testing.assert_allclose(r.target_speeds, np.tile([2.4, 4.8, 7.2, 9.6, 12.0], 3), rtol=1e-6)
    np.testing.assert_allclose(r.offsets, np.repeat([-1.0, 0.0, 1.0], 5))
    idm = IdmParams()
    front = CAR.rear_axle_to_center + CAR.length / 2
    gap0 = 10.0 + CAR.rear_axle_to_center + 30.0 - 2.25 - (10.0 + front)
    for k in range(15):
        want = idm_reference(8.0, float(r.target_speeds[k]), gap0, 0.0, T, idm)
        np.testing.assert_allclose(np.asarray(r.references)[k, :, 3], want, atol=1e-4)
    # The fastest proposal brakes behind the lead and its tracked front stays behind its rear.
    st = np.asarray(r.states)
    assert np.all(st[4, :, 0] + CAR.length / 2 < lead[0, 0, 0] - 2.25)
    # Without the agent, the same proposals run free at their target speeds.
    free = trajcore.pdm_proposals(ego, line, T=T, speed_limit=12.0)
    assert np.asarray(free.references)[4, -1, 3] > np.asarray(r.references)[4, -1, 3] + 3


def test_pdm_proposals_stop_at_a_stop_line_as_behind_a_standing_car() -> None:
    line = straight_line()
    ego = ego_on(line, 10.0, 0.0, 8.0)
    T = 60
    front = CAR.rear_axle_to_center + CAR.length / 2
    stop_line = 10.0 + 25.0  # the front bumper is 25 - front metres before it
    r = trajcore.pdm_proposals(ego, line, T=T, speed_limit=12.0, stop_line=stop_line)
    idm = IdmParams()
    for k in range(15):
        want = idm_reference(8.0, float(r.target_speeds[k]), 25.0 - front, 0.0, T, idm)
        np.testing.assert_allclose(np.asarray(r.references)[k, :, 3], want, atol=1e-4)
    # Every proposal's reference stops its front the IDM's minimum gap before the line.
    ref = np.asarray(r.references)
    assert np.all(ref[..., 0] + CAR.length / 2 < stop_line - idm.min_gap + 0.05)
    assert ref[4, -1, 3] < 0.5  # the IDM creeps up to its gap
    # A nearer standing car wins over the line; a line behind the ego brakes at once.
    lead = np.full((1, T + 1, 3), 0.0, np.float32)
    lead[0, :, 0] = 10.0 + CAR.rear_axle_to_center + 15.0
    nearer = trajcore.pdm_proposals(
        ego,
        line,
        lead,
        np.array([[4.5, 2.0]], np.float32),
        T=T,
        speed_limit=12.0,
        stop_line=stop_line,
    )
    alone = trajcore.pdm_proposals(
        ego, line, lead, np.array([[4.5, 2.0]], np.float32), T=T, speed_limit=12.0
    )
    np.testing.assert_array_equal(nearer.references, alone.references)
    behind = trajcore.pdm_proposals(ego, line, T=T, speed_limit=12.0, stop_line=5.0)
    assert np.all(np.diff(np.asarray(behind.references)[:, :8, 3], axis=1) < 0)
    with pytest.raises(ValueError, match="stop_line is inf"):
        trajcore.pdm_proposals(ego, line, stop_line=np.inf)


def test_pdm_offsets_are_parallel_paths_on_a_curve() -> None:
    R = 50.0
    a = np.linspace(0, 1.2, 300)
    line = ReferenceLine(np.stack([R * np.sin(a), R - R * np.cos(a)], -1))
    ego = ego_on(line, 2.0, 0.0, 6.0)
    r = trajcore.pdm_proposals(ego, line, T=40)
    ref = np.asarray(r.references, np.float64)
    c = CAR.rear_axle_to_center
    x = ref[..., 0] - c * np.cos(ref[..., 2])
    y = ref[..., 1] - c * np.sin(ref[..., 2])
    radius = np.hypot(x, y - R)
    for k in range(15):
        # offset left = towards the centre of this left turn; smoothing pulls the line in ~1 cm
        np.testing.assert_allclose(radius[k, 1:], R - r.offsets[k], atol=0.05)


def test_errors() -> None:
    line = straight_line()
    ego = ego_on(line, 10.0, 0.0, 8.0)
    with pytest.raises(ValueError, match="target_speeds is empty"):
        trajcore.frenet_lattice(ego, line, [0.0], [], [3.0], 40, DT)
    with pytest.raises(ValueError, match=r"durations\[1\] is 0"):
        trajcore.frenet_lattice(ego, line, [0.0], [5.0], [3.0, 0.0], 40, DT)
    with pytest.raises(ValueError, match=r"target_speeds\[0\] is -1"):
        trajcore.frenet_lattice(ego, line, [0.0], [-1.0], [3.0], 40, DT)
    with pytest.raises(ValueError, match="ego_state has shape"):
        trajcore.frenet_lattice(np.zeros(5, np.float32), line, [0.0], [5.0], [3.0], 40, DT)
    with pytest.raises(ValueError, match=r"ego_state \(x\) is nan"):
        bad = ego.copy()
        bad[0] = np.nan
        trajcore.frenet_lattice(bad, line, [0.0], [5.0], [3.0], 40, DT)
    with pytest.raises(ValueError, match="dt is"):
        trajcore.pdm_proposals(ego, line, dt=0.0)
    with pytest.raises(ValueError, match="agent_poses has shape"):
        trajcore.pdm_proposals(
            ego, line, np.zeros((1, 5, 3), np.float32), np.zeros((1, 2), np.float32), T=40
        )
    with pytest.raises(ValueError, match="agent_extents is None"):
        trajcore.pdm_proposals(ego, line, np.zeros((1, 41, 3), np.float32))
    with pytest.raises(ValueError, match="speed_limit is 0"):
        trajcore.pdm_proposals(ego, line, speed_limit=0.0)
