"""Rollout: the float32 fast path against a float64 reference of the specification, against
CommonRoad's vehicle models, limit flags, batching and determinism."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from numpy.typing import NDArray

import trajcore
from rollout_reference import reference_rollout, trailer_poses
from trajcore import Saturation, VehicleParams

CAR = VehicleParams.passenger_car()
TRUCK = VehicleParams.semi_truck()
DT = 0.1


def wrap(a: NDArray[np.floating]) -> NDArray[np.float64]:
    return (np.asarray(a, np.float64) + np.pi) % (2 * np.pi) - np.pi


def random_controls(
    rng: np.random.Generator, n: int, steps: int, jerk: float, rate: float
) -> NDArray[np.float32]:
    """Smooth random (jerk, steering rate) sequences: piecewise constant over 1 s blocks."""
    blocks = -(-steps // 10)
    u = np.stack([rng.normal(0, jerk, (n, blocks)), rng.normal(0, rate, (n, blocks))], -1)
    return np.repeat(u, 10, axis=1)[:, :steps].astype(np.float32)


def oscillating_controls(
    rng: np.random.Generator, n: int, steps: int, jerk: float, rate: float
) -> NDArray[np.float32]:
    """(jerk, steering rate) sampled from random sinusoids: acceleration and steering stay
    bounded, so candidates keep clear of every limit for as long as needed."""
    t = np.arange(steps) * DT
    w = rng.uniform(0.5, 1.5, (n, 2, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 2, 1))
    amp = np.array([jerk, rate])[None, :, None]
    return np.ascontiguousarray(np.moveaxis(amp * np.sin(w * t + phase), 1, 2), dtype=np.float32)


def random_states(rng: np.random.Generator, n: int, p: VehicleParams) -> NDArray[np.float32]:
    s = np.zeros((n, 6), np.float32)
    s[:, :2] = rng.uniform(-50, 50, (n, 2))
    s[:, 2] = rng.uniform(-np.pi, np.pi, n)
    s[:, 3] = rng.uniform(0, 25, n)
    s[:, 4] = rng.uniform(-0.5 * p.max_deceleration, 0.5 * p.max_acceleration, n)
    s[:, 5] = rng.uniform(-0.05, 0.05, n)
    return s


def assert_states_close(
    got: NDArray[np.floating], ref: NDArray[np.floating], pos: float, what: str
) -> None:
    got = np.asarray(got, np.float64)
    np.testing.assert_allclose(
        got[..., :2], ref[..., :2], atol=pos, rtol=0, err_msg=f"{what}: position"
    )
    np.testing.assert_allclose(
        wrap(got[..., 2] - ref[..., 2]), 0, atol=pos / 10, err_msg=f"{what}: yaw"
    )
    np.testing.assert_allclose(
        got[..., 3:], ref[..., 3:], atol=2e-4, rtol=1e-5, err_msg=f"{what}: v, a, steer"
    )


def assert_flags_match(
    got: NDArray[np.int32],
    ref_flags: NDArray[np.int32],
    ref: NDArray[np.float64],
    p: VehicleParams,
    what: str,
    ties: float = 0.05,
    dt: float = DT,
) -> None:
    """Equal flags, except at ties: a bit may differ only where the float64 reference ends the
    step within 1e-3 of that bit's bound (float32 and float64 round to either side of it), on at
    most a share ``ties`` of the steps."""
    for k in np.flatnonzero(got != ref_flags):
        diff = Saturation(int(got[k]) ^ int(ref_flags[k]))
        v, a, steer = ref[k + 1, 3], ref[k + 1, 4], ref[k + 1, 5]
        a0, reach = ref[k, 4], p.max_jerk * dt
        near = {
            # At the step's end, or where the jerk limit meets the acceleration limit (a stop
            # then ends the step at a = 0).
            Saturation.ACCELERATION: min(
                abs(a - p.max_acceleration),
                abs(a + p.max_deceleration),
                abs(a0 + reach - p.max_acceleration),
                abs(a0 - reach + p.max_deceleration),
            ),
            Saturation.STEERING_ANGLE: abs(abs(steer) - p.max_steering_angle),
            Saturation.LATERAL_ACCELERATION: abs(
                v * v * abs(math.tan(steer)) / p.wheelbase - p.max_lateral_acceleration
            ),
            Saturation.STANDSTILL: abs(v),
        }
        for bit in diff:
            assert bit in near and near[bit] < 1e-3, (
                f"{what}: step {k} flags {got[k]} vs reference {ref_flags[k]}"
            )
    assert (got != ref_flags).mean() <= ties, f"{what}: too many ties"


# --- the specification ------------------------------------------------------------------------


@pytest.mark.parametrize("params", [CAR, TRUCK], ids=["car", "truck"])
def test_matches_reference_with_and_without_limits(params: VehicleParams) -> None:
    rng = np.random.default_rng(1)
    n, steps = 24, 60
    s0 = random_states(rng, n, params)
    # Half the candidates stay inside the limits, half push every one of them.
    u = np.concatenate(
        [
            random_controls(
                rng, n // 2, steps, 0.3 * params.max_jerk, 0.2 * params.max_steering_rate
            ),
            random_controls(
                rng, n // 2, steps, 2.0 * params.max_jerk, 2.0 * params.max_steering_rate
            ),
        ]
    )
    art0 = rng.uniform(-0.3, 0.3, n).astype(np.float32) if params.trailer else None
    got = trajcore.rollout(s0, u, params, DT, articulation0=art0)
    flags_seen = 0
    for i in range(n):
        ref, flags, arts = reference_rollout(
            s0[i], u[i], params, DT, 0.0 if art0 is None else float(art0[i])
        )
        assert_states_close(got.states[i], ref, 2e-3, f"candidate {i}")
        assert_flags_match(got.saturation[i], flags, ref, params, f"candidate {i}")
        if params.trailer:
            np.testing.assert_allclose(
                got.trailer[i, :, :2], trailer_poses(ref, arts, params)[:, :2], atol=3e-3
            )
        flags_seen |= int(np.bitwise_or.reduce(flags))
    assert (got.saturation[: n // 2] == 0).mean() > 0.5, (
        "the gentle half should mostly stay inside the limits"
    )
    expected = (
        Saturation.JERK | Saturation.ACCELERATION | Saturation.STEERING_RATE | Saturation.STANDSTILL
    )
    assert flags_seen & expected == expected, f"limits exercised: {Saturation(flags_seen)!r}"


def test_limits_hold_and_are_flagged() -> None:
    rng = np.random.default_rng(2)
    n, steps = 256, 80
    s0 = random_states(rng, n, CAR)
    u = random_controls(rng, n, steps, 3 * CAR.max_jerk, 3 * CAR.max_steering_rate)
    r = trajcore.rollout(s0, u, CAR, DT)
    st = r.states.astype(np.float64)
    a, v, steer = st[..., 4], st[..., 3], st[..., 5]
    tol = 1e-4
    assert v.min() >= 0
    assert a.max() <= CAR.max_acceleration + tol and a.min() >= -CAR.max_deceleration - tol
    assert np.abs(steer).max() <= CAR.max_steering_angle + tol
    moving = ~(r.saturation & Saturation.STANDSTILL).astype(bool)
    jerk = np.diff(a, axis=1) / DT
    assert np.abs(jerk[moving]).max() <= CAR.max_jerk * (1 + 1e-3)
    rate = np.diff(steer, axis=1) / DT
    assert np.abs(rate).max() <= CAR.max_steering_rate * (1 + 1e-3)
    # Wherever the steering was not flagged, the lateral-acceleration bound holds at the step end.
    lat = v[:, 1:] ** 2 * np.abs(np.tan(steer[:, 1:])) / CAR.wheelbase
    unflagged_steer = (
        r.saturation & (Saturation.LATERAL_ACCELERATION | Saturation.STEERING_RATE)
    ) == 0
    assert lat[unflagged_steer].max() <= CAR.max_lateral_acceleration * (1 + 1e-3) + 1e-3
    # A step that commanded beyond a limit is flagged, and one that did not is not.
    over_jerk = np.abs(u[..., 0]) > CAR.max_jerk
    np.testing.assert_array_equal((r.saturation & Saturation.JERK) != 0, over_jerk)
    over_rate = np.abs(u[..., 1]) > CAR.max_steering_rate
    assert np.all((r.saturation & Saturation.STEERING_RATE)[over_rate] != 0)


def test_each_limit_on_a_designed_manoeuvre() -> None:
    s = np.array([0, 0, 0, 10, 0, 0], np.float32)
    cases = {  # controls held for 5 s -> the flag expected at some step
        "hard jerk": ((50.0, 0.0), Saturation.JERK),
        "full throttle": ((CAR.max_jerk, 0.0), Saturation.ACCELERATION),
        "brake to a stop": ((-3.0, 0.0), Saturation.STANDSTILL),
        "fast steering": ((0.0, 5.0), Saturation.STEERING_RATE),
        "lateral limit at speed": ((0.0, 0.5), Saturation.LATERAL_ACCELERATION),
    }
    u = np.array([[c[0]] * 50 for c in cases.values()], np.float32)
    r = trajcore.rollout(s, u, CAR, DT)
    for i, (name, (_, flag)) in enumerate(cases.items()):
        assert np.any(r.saturation[i] & flag), name
    # Steering-angle limit: at walking pace the mechanical stop binds before the lateral bound.
    slow = trajcore.rollout(
        np.array([0, 0, 0, 1, 0, 0], np.float32),
        np.tile([0.0, 0.8], (30, 1)).astype(np.float32)[None],
        CAR,
        DT,
    )
    assert np.any(slow.saturation & Saturation.STEERING_ANGLE)
    assert slow.states[0, -1, 5] == pytest.approx(CAR.max_steering_angle, abs=1e-6)
    # The stop lands at the speed's zero: v = 10 - 3 t^2 / 2 (a stays above -max_deceleration).
    stopped = r.states[2]
    assert stopped[-1, 3] == 0 and stopped[-1, 4] == 0
    t_stop = math.sqrt(2 * 10 / 3.0)
    x_stop = 10 * t_stop - 3.0 * t_stop**3 / 6
    assert stopped[-1, 0] == pytest.approx(x_stop, abs=1e-4)


def test_articulation_limit_is_flagged_in_a_jackknife() -> None:
    # At full lock the tractor circles tighter than the trailer's wheelbase: no steady state.
    s = np.array([0, 0, 0, 3, 0, TRUCK.max_steering_angle], np.float32)
    r = trajcore.rollout(s, np.zeros((1, 200, 2), np.float32), TRUCK, DT)
    assert np.any(r.saturation[0] & Saturation.ARTICULATION)


# --- CommonRoad vehicle models -----------------------------------------------------------------


def _rk4_fine(
    f, x0: list[float], controls: NDArray[np.floating], a0: float, dt: float, sub: int = 20
) -> NDArray[np.float64]:
    """Integrates vehiclemodels' f(x, u) under our controls: u = (steering rate, a(t)) with a(t)
    linear within each step (constant jerk)."""
    x = np.array(x0, np.float64)
    out = [x.copy()]
    a = a0
    h = dt / sub
    for jerk, rate in np.asarray(controls, np.float64):
        for i in range(sub):
            t = i * h

            def rhs(tau: float, q: NDArray[np.float64], a0: float = a) -> NDArray[np.float64]:
                return np.array(f(list(q), [rate, a0 + jerk * tau], None))  # noqa: B023

            k1 = rhs(t, x)
            k2 = rhs(t + h / 2, x + h / 2 * k1)
            k3 = rhs(t + h / 2, x + h / 2 * k2)
            k4 = rhs(t + h, x + h * k3)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        a += jerk * dt
        out.append(x.copy())
    return np.array(out)


def _commonroad_params(p: VehicleParams):  # type: ignore[no-untyped-def]
    from vehiclemodels.parameters_vehicle4 import parameters_vehicle4

    cr = parameters_vehicle4()
    cr.a = cr.b = p.wheelbase / 2
    cr.steering.min, cr.steering.max = -1.5, 1.5
    cr.steering.v_min, cr.steering.v_max = -10.0, 10.0
    cr.longitudinal.v_min, cr.longitudinal.v_max = -100.0, 100.0
    cr.longitudinal.v_switch, cr.longitudinal.a_max = 100.0, 100.0
    if p.trailer is not None:
        cr.trailer.l_wb = p.trailer.wheelbase
    return cr


def test_agrees_with_commonroad_kinematic_single_track() -> None:
    from vehiclemodels.vehicle_dynamics_ks import vehicle_dynamics_ks

    cr = _commonroad_params(CAR)
    rng = np.random.default_rng(3)
    n, steps = 4, 80
    s0 = random_states(rng, n, CAR)
    s0[:, 3] = rng.uniform(6, 10, n)
    s0[:, 4] = 0
    u = oscillating_controls(rng, n, steps, 1.0, 0.05)
    r = trajcore.rollout(s0, u, CAR, DT)
    assert np.all(r.saturation == 0), "this comparison is for the unconstrained model"
    d = CAR.rear_axle_to_center
    for i in range(n):
        x, y, yaw, v, a, steer = (float(q) for q in s0[i])
        ks = _rk4_fine(
            lambda q, uu, _: vehicle_dynamics_ks(q, uu, cr),
            [x - d * math.cos(yaw), y - d * math.sin(yaw), steer, v, yaw],
            u[i],
            a,
            DT,
        )
        centre = ks[:, :2] + d * np.stack([np.cos(ks[:, 4]), np.sin(ks[:, 4])], -1)
        got = r.states[i].astype(np.float64)
        # Stated tolerance: 2 mm and 1e-4 rad over 8 s (float32 output, one RK4 step per 0.1 s).
        np.testing.assert_allclose(got[:, :2], centre, atol=2e-3, rtol=0)
        np.testing.assert_allclose(wrap(got[:, 2] - ks[:, 4]), 0, atol=1e-4)
        np.testing.assert_allclose(got[:, 3], ks[:, 3], atol=1e-4)
        np.testing.assert_allclose(got[:, 5], ks[:, 2], atol=1e-5)


def test_agrees_with_commonroad_on_axle_trailer() -> None:
    from vehiclemodels.vehicle_dynamics_kst import vehicle_dynamics_kst

    assert TRUCK.trailer is not None
    truck = dataclasses.replace(TRUCK, trailer=dataclasses.replace(TRUCK.trailer, hitch_offset=0.0))
    cr = _commonroad_params(truck)
    rng = np.random.default_rng(4)
    n, steps = 3, 80
    s0 = random_states(rng, n, truck)
    s0[:, 3] = rng.uniform(5, 12, n)
    s0[:, 4] = 0
    u = oscillating_controls(rng, n, steps, 0.5, 0.04)
    art0 = rng.uniform(-0.2, 0.2, n).astype(np.float32)
    r = trajcore.rollout(s0, u, truck, DT, articulation0=art0)
    assert np.all(r.saturation == 0)
    d = truck.rear_axle_to_center
    for i in range(n):
        x, y, yaw, v, a, steer = (float(q) for q in s0[i])
        # CommonRoad's hitch angle is trailer yaw minus tractor yaw: minus our articulation.
        kst = _rk4_fine(
            lambda q, uu, _: vehicle_dynamics_kst(q, uu, cr),
            [x - d * math.cos(yaw), y - d * math.sin(yaw), steer, v, yaw, -float(art0[i])],
            u[i],
            a,
            DT,
        )
        centre = kst[:, :2] + d * np.stack([np.cos(kst[:, 4]), np.sin(kst[:, 4])], -1)
        np.testing.assert_allclose(r.states[i, :, :2], centre, atol=2e-3, rtol=0)
        np.testing.assert_allclose(wrap(r.trailer[i, :, 2] - (kst[:, 4] + kst[:, 5])), 0, atol=2e-4)


# --- articulated truck: steady-state turning, closed form ---------------------------------------


@pytest.mark.parametrize("hitch_offset", [0.3, 0.0, -1.0])
def test_truck_steady_state_turning_radius_and_off_tracking(hitch_offset: float) -> None:
    assert TRUCK.trailer is not None
    trailer = dataclasses.replace(TRUCK.trailer, hitch_offset=hitch_offset)
    truck = dataclasses.replace(TRUCK, trailer=trailer)
    steer, speed = 0.2, 5.0
    s0 = np.array([0, 0, 0, speed, 0, steer], np.float32)
    r = trajcore.rollout(s0, np.zeros((1, 600, 2), np.float32), truck, DT)
    assert np.all(r.saturation == 0)
    L, h, L1 = truck.wheelbase, hitch_offset, trailer.wheelbase
    R0 = L / math.tan(steer)  # tractor rear axle
    R1 = math.sqrt(R0**2 + h**2 - L1**2)  # trailer axle
    art_ss = math.atan2(L1, R1) - math.atan2(h, R0)  # a hitch ahead of the axle leads the trailer
    # Turn centre: R0 to the left of the rear axle.
    d = truck.rear_axle_to_center
    centre = np.array([-d, R0])
    st = r.states[0, -50:].astype(np.float64)
    rear = st[:, :2] - d * np.stack([np.cos(st[:, 2]), np.sin(st[:, 2])], -1)
    np.testing.assert_allclose(np.linalg.norm(rear - centre, axis=-1), R0, atol=2e-3)
    tp = r.trailer[0, -50:].astype(np.float64)
    axle = tp[:, :2] - (trailer.axle_to_center) * np.stack([np.cos(tp[:, 2]), np.sin(tp[:, 2])], -1)
    np.testing.assert_allclose(np.linalg.norm(axle - centre, axis=-1), R1, atol=2e-3)
    np.testing.assert_allclose(wrap(st[:, 2] - tp[:, 2]), art_ss, atol=1e-4)
    off_tracking = R0 - np.linalg.norm(axle - centre, axis=-1)
    np.testing.assert_allclose(off_tracking, R0 - R1, atol=2e-3)


# --- layouts, batching, determinism ------------------------------------------------------------


def test_layouts_and_batching_are_bitwise_consistent() -> None:
    rng = np.random.default_rng(5)
    B, n, steps = 3, 37, 45  # n not a multiple of the 16 lanes, steps not of the 16-step chunks
    s0 = random_states(rng, B, CAR)
    u = random_controls(rng, B * n, steps, CAR.max_jerk, CAR.max_steering_rate).reshape(
        B, n, steps, 2
    )
    batched = trajcore.rollout(s0, u, CAR, DT)
    assert batched.states.shape == (B, n, steps + 1, 6) and batched.states.dtype == np.float32
    assert batched.saturation.shape == (B, n, steps) and batched.saturation.dtype == np.int32
    assert batched.trailer is None
    np.testing.assert_array_equal(batched.states[:, :, 0], np.broadcast_to(s0[:, None], (B, n, 6)))
    per_candidate = trajcore.rollout(
        np.ascontiguousarray(np.broadcast_to(s0[:, None], (B, n, 6))), u, CAR, DT
    )
    np.testing.assert_array_equal(per_candidate.states, batched.states)
    for b in range(B):
        alone = trajcore.rollout(s0[b], u[b], CAR, DT)
        np.testing.assert_array_equal(alone.states, batched.states[b])
        np.testing.assert_array_equal(alone.saturation, batched.saturation[b])
        one = trajcore.rollout(s0[b], u[b, 5:6], CAR, DT)
        np.testing.assert_array_equal(one.states[0], batched.states[b, 5])


def test_identical_for_any_thread_count() -> None:
    rng = np.random.default_rng(6)
    s0 = random_states(rng, 1, TRUCK)[0]
    u = random_controls(rng, 300, 80, TRUCK.max_jerk, TRUCK.max_steering_rate)
    before = trajcore.get_num_threads()
    try:
        runs = []
        for threads in (1, 2, 8):
            trajcore.set_num_threads(threads)
            runs.append(trajcore.rollout(s0, u, TRUCK, DT))
    finally:
        trajcore.set_num_threads(before)
    for r in runs[1:]:
        np.testing.assert_array_equal(r.states, runs[0].states)
        np.testing.assert_array_equal(r.saturation, runs[0].saturation)
        np.testing.assert_array_equal(r.trailer, runs[0].trailer)


def test_float64_path_matches_float32() -> None:
    rng = np.random.default_rng(7)
    s0 = random_states(rng, 1, CAR)[0].astype(np.float64)
    u = random_controls(rng, 64, 80, CAR.max_jerk, CAR.max_steering_rate).astype(np.float64)
    from trajcore import _core

    s64, f64, _ = _core._rollout_f64(s0, u, CAR, DT, None)
    r32 = trajcore.rollout(s0, u, CAR, DT)  # float64 in: converted once to float32
    assert s64.dtype == np.float64
    assert_states_close(r32.states, s64, 2e-3, "float32 vs float64")
    assert (f64 != r32.saturation).mean() < 0.01


def test_yaw_wrapped_and_step_zero_is_the_input() -> None:
    s0 = np.array([1, 2, 7.0, 5, 0, 0.1], np.float32)  # yaw beyond pi
    r = trajcore.rollout(s0, np.zeros((2, 30, 2), np.float32), CAR, DT)
    np.testing.assert_array_equal(r.states[:, 0], np.broadcast_to(s0, (2, 6)))
    yaw = r.states[:, 1:, 2]
    assert yaw.min() >= -np.pi and yaw.max() < np.pi


def test_vehicle_presets_match_cpp_and_validate() -> None:
    from trajcore import _core

    car = _core._vehicle_preset("passenger_car")
    assert car["trailer"] is None
    for k, v in car.items():
        if k != "trailer":
            assert np.float32(getattr(CAR, k)) == np.float32(v), k
    assert TRUCK.trailer is not None and TRUCK.trailer.wheelbase == pytest.approx(8.1)
    assert CAR.extent == (CAR.length, CAR.width)
    with pytest.raises(ValueError, match=r"params.wheelbase is -1, expected > 0"):
        dataclasses.replace(CAR, wheelbase=-1.0)
    with pytest.raises(
        ValueError, match=r"params.max_steering_angle is 2, expected in \(0, pi/2\)"
    ):
        dataclasses.replace(CAR, max_steering_angle=2.0)
    with pytest.raises(
        ValueError, match=r"params.trailer.max_articulation is nan, expected a finite number"
    ):
        dataclasses.replace(
            TRUCK, trailer=dataclasses.replace(TRUCK.trailer, max_articulation=float("nan"))
        )
