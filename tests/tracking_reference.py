"""A float64 reference of the tracker, written from its specification (trajcore/track.hpp,
docs/rollout.md "Tracking") for the tests: the lateral LQR is set up with explicit 3x3 matrices
over the horizon (the form of nuPlan's tracker) rather than the scalar recurrences of C++, pure
pursuit projects on the whole reference path, and the plant is either the float64 rollout
reference or PDM-Closed's Euler bicycle with lagged commands."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from rollout_reference import reference_step
from trajcore import TrackerParams, VehicleParams


def wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


def rear_axle_reference(
    ref: NDArray[np.floating], p: VehicleParams, dt: float
) -> tuple[NDArray[np.float64], ...]:
    """Rear-axle x, y, yaw, speed per pose and curvature per step of one candidate's reference."""
    ref = np.asarray(ref, np.float64)
    yaw = np.array([wrap(a) for a in ref[:, 2]])
    x = ref[:, 0] - p.rear_axle_to_center * np.cos(yaw)
    y = ref[:, 1] - p.rear_axle_to_center * np.sin(yaw)
    dx, dy = np.diff(x), np.diff(y)
    length = np.hypot(dx, dy)
    dyaw = np.array([wrap(b - a) for a, b in zip(yaw[:-1], yaw[1:])])
    kappa = np.where(length > 1e-3, dyaw / np.maximum(length, 1e-12), 0.0)
    if ref.shape[1] > 3:
        speed = ref[:, 3].copy()
    else:
        step_speed = (dx * np.cos(yaw[:-1]) + dy * np.sin(yaw[:-1])) / dt
        speed = np.empty(len(x))
        speed[0] = step_speed[0]
        speed[-1] = step_speed[-1]
        speed[1:-1] = 0.5 * (step_speed[:-1] + step_speed[1:])
    return x, y, yaw, speed, kappa


def lqr_commands(
    state: NDArray[np.float64],
    i: int,
    path: tuple[NDArray[np.float64], ...],
    p: VehicleParams,
    tp: TrackerParams,
    dt: float,
) -> tuple[float, float, bool]:
    """(acceleration command, steering-rate command, stopping) at step i."""
    x, y, yaw, speed, kappa = path
    T = len(x) - 1
    H = tp.horizon
    v = state[3]
    v_ref = speed[min(i + H, T)]
    if v <= tp.stopping_speed and v_ref <= tp.stopping_speed:
        return -tp.stopping_gain * (v - v_ref), 0.0, True
    b_lon = H * dt
    a_cmd = (
        -b_lon
        * tp.q_longitudinal
        * (v - v_ref)
        / (b_lon * tp.q_longitudinal * b_lon + tp.r_longitudinal)
    )
    px = state[0] - p.rear_axle_to_center * math.cos(state[2])
    py = state[1] - p.rear_axle_to_center * math.sin(state[2])
    e = -(px - x[i]) * math.sin(yaw[i]) + (py - y[i]) * math.cos(yaw[i])
    x0 = np.array([e, wrap(state[2] - yaw[i]), state[5]])
    A, B, g = np.eye(3), np.zeros(3), np.zeros(3)
    for k in range(H):
        w = max(0.0, v + a_cmd * dt * k)
        M = np.array([[1.0, w * dt, 0.0], [0.0, 1.0, w * dt / p.wheelbase], [0.0, 0.0, 1.0]])
        A = M @ A
        B = M @ B + np.array([0.0, 0.0, dt])
        g = M @ g + np.array([0.0, -w * kappa[min(i + k, T - 1)] * dt, 0.0])
    z = A @ x0 + g
    z[1], z[2] = wrap(z[1]), wrap(z[2])
    Q = np.diag([tp.q_lateral_error, tp.q_heading_error, tp.q_steering_angle])
    u = -(B @ Q @ z) / (B @ Q @ B + tp.r_lateral)
    return a_cmd, float(u), False


def pursuit_angle(
    state: NDArray[np.float64],
    path: tuple[NDArray[np.float64], ...],
    p: VehicleParams,
    tp: TrackerParams,
) -> float:
    x, y, yaw = path[0], path[1], path[2]
    px = state[0] - p.rear_axle_to_center * math.cos(state[2])
    py = state[1] - p.rear_axle_to_center * math.sin(state[2])
    seg_len = np.hypot(np.diff(x), np.diff(y))
    arc = np.concatenate([[0.0], np.cumsum(seg_len)])
    best, s_proj = math.inf, 0.0
    for k in range(len(x) - 1):
        if seg_len[k] == 0:
            continue
        f = ((px - x[k]) * (x[k + 1] - x[k]) + (py - y[k]) * (y[k + 1] - y[k])) / seg_len[k] ** 2
        f = min(max(f, 0.0), 1.0)
        d = math.hypot(px - x[k] - f * (x[k + 1] - x[k]), py - y[k] - f * (y[k + 1] - y[k]))
        if d < best:
            best, s_proj = d, arc[k] + f * seg_len[k]
    # The path continues straight along its last heading.
    tau = (px - x[-1]) * math.cos(yaw[-1]) + (py - y[-1]) * math.sin(yaw[-1])
    if tau > 0:
        d = math.hypot(px - x[-1] - tau * math.cos(yaw[-1]), py - y[-1] - tau * math.sin(yaw[-1]))
        if d < best:
            best, s_proj = d, arc[-1] + tau
    target = s_proj + max(tp.min_lookahead, tp.lookahead_time * state[3])
    if target >= arc[-1]:
        tx = x[-1] + (target - arc[-1]) * math.cos(yaw[-1])
        ty = y[-1] + (target - arc[-1]) * math.sin(yaw[-1])
    else:
        tx, ty = np.interp(target, arc, x), np.interp(target, arc, y)
    alpha = math.atan2(ty - py, tx - px) - state[2]
    distance = math.hypot(tx - px, ty - py)
    return math.atan(2.0 * p.wheelbase * math.sin(alpha) / distance)


def reference_track(
    state0: NDArray[np.floating],
    ref: NDArray[np.floating],
    p: VehicleParams,
    dt: float,
    tp: TrackerParams,
    plant: str = "trajcore",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One candidate: states (T+1, 6) and controls (T, 2). plant "trajcore": the rollout model
    (reference_step); "pdm": PDM-Closed's bicycle (Euler, lagged commands, steering clipped)."""
    path = rear_axle_reference(ref, p, dt)
    T = len(ref) - 1
    states = np.zeros((T + 1, 6))
    states[0] = state0
    controls = np.zeros((T, 2))
    for i in range(T):
        s = states[i]
        a_cmd, u, stop = lqr_commands(s, i, path, p, tp, dt)
        if tp.controller == "lqr":
            rate = dt / (dt + tp.steering_lag) * u
        else:
            rate = (pursuit_angle(s, path, p, tp) - s[5]) / (dt + tp.steering_lag)
        rate = 0.0 if stop else rate
        jerk = (a_cmd - s[4]) / (dt + tp.acceleration_lag)
        controls[i] = jerk, rate
        if plant == "trajcore":
            states[i + 1] = reference_step(s, 0.0, jerk, rate, p, dt)[0]
        else:
            states[i + 1] = pdm_euler_step(s, jerk, rate, p, dt)
    return states, controls


def pdm_euler_step(
    s: NDArray[np.float64], jerk: float, rate: float, p: VehicleParams, dt: float
) -> NDArray[np.float64]:
    """PDM-Closed's bicycle: the lagged acceleration and steering rate of this step, then one
    Euler step of the rear axle from the old heading and steering."""
    c = p.rear_axle_to_center
    x, y = s[0] - c * math.cos(s[2]), s[1] - c * math.sin(s[2])
    a_new = s[4] + jerk * dt
    x += s[3] * math.cos(s[2]) * dt
    y += s[3] * math.sin(s[2]) * dt
    yaw = wrap(s[2] + s[3] * math.tan(s[5]) / p.wheelbase * dt)
    v = s[3] + a_new * dt
    steer = min(max(s[5] + rate * dt, -p.max_steering_angle), p.max_steering_angle)
    return np.array([x + c * math.cos(yaw), y + c * math.sin(yaw), yaw, v, a_new, steer])
