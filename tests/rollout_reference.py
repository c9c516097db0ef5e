"""A float64 reference of the rollout model, written from its specification (docs/rollout.md)
for the tests: limits applied as specified, the stop time from numpy's polynomial roots, and the
motion integrated with many small RK4 sub-steps instead of the one closed-form step of C++."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from trajcore import Saturation, VehicleParams


def _speed_stop(v: float, a: float, j: float, dt: float) -> float | None:
    """First time in [0, dt] where v + a t + j t^2 / 2 turns negative, or None."""
    ts = np.linspace(0.0, dt, 2001)
    if np.all(v + a * ts + 0.5 * j * ts**2 >= 0.0):
        return None
    roots = np.roots([0.5 * j, a, v]) if j != 0.0 else np.roots([a, v])
    real = sorted(
        r.real for r in np.atleast_1d(roots) if abs(r.imag) < 1e-12 and -1e-12 <= r.real <= dt
    )
    for r in real:  # the first root the speed crosses downwards (v = 0 and a > 0 only touches)
        after = max(r, 0.0) + 1e-7 * dt
        if v + a * after + 0.5 * j * after * after < 0.0:
            return max(r, 0.0)
    return 0.0


def reference_step(
    state: NDArray[np.float64],
    art: float,
    jerk_cmd: float,
    rate_cmd: float,
    p: VehicleParams,
    dt: float,
    substeps: int = 64,
) -> tuple[NDArray[np.float64], float, int]:
    x, y, yaw, v, a, steer = (float(s) for s in state)
    flags = 0
    j = min(max(jerk_cmd, -p.max_jerk), p.max_jerk)
    if j != jerk_cmd:
        flags |= Saturation.JERK
    j2 = min(max(j, (-p.max_deceleration - a) / dt), (p.max_acceleration - a) / dt)
    if j2 != j:
        flags |= Saturation.ACCELERATION
    j = j2
    t_stop = _speed_stop(v, a, j, dt)
    if t_stop is not None:
        flags |= Saturation.STANDSTILL
    h = dt if t_stop is None else t_stop
    v_next = 0.0 if t_stop is not None else v + a * dt + 0.5 * j * dt * dt
    a_next = (
        0.0 if t_stop is not None else min(max(a + j * dt, -p.max_deceleration), p.max_acceleration)
    )

    r = min(max(rate_cmd, -p.max_steering_rate), p.max_steering_rate)
    if r != rate_cmd:
        flags |= Saturation.STEERING_RATE
    lateral = math.atan(p.max_lateral_acceleration * p.wheelbase / max(v_next * v_next, 1e-6))
    bound = min(p.max_steering_angle, lateral)
    r2 = min(max(r, (-bound - steer) / dt), (bound - steer) / dt)
    if r2 != r:
        flags |= (
            Saturation.LATERAL_ACCELERATION
            if lateral < p.max_steering_angle
            else Saturation.STEERING_ANGLE
        )
    r3 = min(max(r2, -p.max_steering_rate), p.max_steering_rate)
    if r3 != r2:
        flags |= Saturation.STEERING_RATE
    steer_next = min(max(steer + r3 * dt, -p.max_steering_angle), p.max_steering_angle)

    t = p.trailer
    d = p.rear_axle_to_center

    def f(tau: float, q: NDArray[np.float64]) -> NDArray[np.float64]:
        vt = v + a * tau + 0.5 * j * tau * tau
        w = vt * math.tan(steer + r3 * tau) / p.wheelbase
        dart = 0.0
        if t is not None:
            dart = w - (vt * math.sin(q[3]) + t.hitch_offset * w * math.cos(q[3])) / t.wheelbase
        return np.array([vt * math.cos(q[2]), vt * math.sin(q[2]), w, dart])

    q = np.array([x - d * math.cos(yaw), y - d * math.sin(yaw), yaw, art])
    step = h / substeps
    for i in range(substeps):
        tau = i * step
        k1 = f(tau, q)
        k2 = f(tau + step / 2, q + step / 2 * k1)
        k3 = f(tau + step / 2, q + step / 2 * k2)
        k4 = f(tau + step, q + step * k3)
        q = q + step / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    if t is not None and abs(q[3]) > t.max_articulation:
        flags |= Saturation.ARTICULATION
    yaw_next = (q[2] + math.pi) % (2 * math.pi) - math.pi
    nxt = np.array(
        [q[0] + d * math.cos(q[2]), q[1] + d * math.sin(q[2]), yaw_next, v_next, a_next, steer_next]
    )
    return nxt, float(q[3]), int(flags)


def reference_rollout(
    state0: NDArray[np.floating],
    controls: NDArray[np.floating],
    p: VehicleParams,
    dt: float,
    articulation0: float = 0.0,
    substeps: int = 64,
) -> tuple[NDArray[np.float64], NDArray[np.int32], NDArray[np.float64]]:
    """One candidate: states (T+1, 6), saturation (T,), articulation (T+1,)."""
    T = controls.shape[0]
    states = np.zeros((T + 1, 6))
    arts = np.zeros(T + 1)
    flags = np.zeros(T, np.int32)
    states[0] = state0
    arts[0] = articulation0
    for k in range(T):
        states[k + 1], arts[k + 1], flags[k] = reference_step(
            states[k], arts[k], float(controls[k, 0]), float(controls[k, 1]), p, dt, substeps
        )
    return states, flags, arts


def trailer_poses(
    states: NDArray[np.floating], arts: NDArray[np.floating], p: VehicleParams
) -> NDArray[np.float64]:
    """Trailer box centre (x, y, yaw) from tractor states and articulations (float64)."""
    t = p.trailer
    assert t is not None
    s = np.asarray(states, np.float64)
    yaw = s[..., 2]
    back = t.hitch_offset - p.rear_axle_to_center
    trailer_yaw = yaw - arts
    reach = t.wheelbase - t.axle_to_center
    x = s[..., 0] + back * np.cos(yaw) - reach * np.cos(trailer_yaw)
    y = s[..., 1] + back * np.sin(yaw) - reach * np.sin(trailer_yaw)
    return np.stack([x, y, (trailer_yaw + np.pi) % (2 * np.pi) - np.pi], -1)
