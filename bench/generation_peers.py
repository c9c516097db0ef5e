"""What users run instead of trajcore.frenet_lattice: the lattice's polynomials in numpy and a
batch LQR tracker with PDM-Closed's Euler bicycle in numpy (the approach of tuPlan Garage's
BatchLQRTracker / BatchKinematicBicycleModel), vectorised over candidates."""

from __future__ import annotations

from typing import Any

import numpy as np

import trajcore


def numpy_lattice_and_tracking(
    ego: np.ndarray,
    line: trajcore.ReferenceLine,
    offsets: Any,
    speeds: Any,
    durations: Any,
    T: int,
    dt: float,
    p: trajcore.VehicleParams,
) -> np.ndarray:
    samples = line.samples  # s, x, y, heading, curvature
    c = p.rear_axle_to_center
    rear = ego[:2] - c * np.array([np.cos(ego[2]), np.sin(ego[2])])
    s0_arr, d0_arr = line.project(rear[None].astype(np.float32))
    s0, d0 = float(s0_arr[0]), float(d0_arr[0])
    v0 = float(ego[3])
    o, v1, D = (a.ravel() for a in np.meshgrid(offsets, speeds, durations, indexing="ij"))
    t = np.arange(T + 1) * dt
    tt = np.minimum(t[None], D[:, None])
    # lateral quintic from (d0, 0, 0), longitudinal quartic from (s0, v0, 0)
    h = o - d0
    d = d0 + h[:, None] * (
        10 * (tt / D[:, None]) ** 3 - 15 * (tt / D[:, None]) ** 4 + 6 * (tt / D[:, None]) ** 5
    )
    A = v1 - v0
    a4 = -A / (2 * D**3)
    a3 = -12 * D**2 * a4 / (6 * D)
    s_end = s0 + v0 * D + a3 * D**3 + a4 * D**4
    s = np.where(
        t[None] <= D[:, None],
        s0 + v0 * t + a3[:, None] * t**3 + a4[:, None] * t**4,
        s_end[:, None] + v1[:, None] * (t[None] - D[:, None]),
    )
    x = np.interp(s, samples[:, 0], samples[:, 1])
    y = np.interp(s, samples[:, 0], samples[:, 2])
    heading = np.interp(s, samples[:, 0], samples[:, 3])
    kappa = np.interp(s, samples[:, 0], samples[:, 4])
    rx, ry = x - d * np.sin(heading), y + d * np.cos(heading)
    ref_v = np.gradient(s, dt, axis=1) * (1 - kappa * d)
    # batch LQR (PDM's gains), Euler plant with PDM's lags
    n = len(o)
    H = 10
    px = np.full(n, rear[0])
    py = np.full(n, rear[1])
    yaw = np.full(n, float(ego[2]))
    v = np.full(n, v0)
    a = np.zeros(n)
    steer = np.zeros(n)
    out = np.zeros((n, T + 1, 4))
    out[:, 0] = np.stack([px, py, yaw, v], -1)
    step_kappa = np.diff(heading, axis=1) / np.maximum(np.hypot(np.diff(rx), np.diff(ry)), 1e-3)
    for i in range(T):
        j = min(i + H, T)
        a_cmd = -10 / 11 * (v - ref_v[:, j])
        e = -(px - rx[:, i]) * np.sin(heading[:, i]) + (py - ry[:, i]) * np.cos(heading[:, i])
        z = np.stack([e, (yaw - heading[:, i] + np.pi) % (2 * np.pi) - np.pi, steer], -1)
        b = np.zeros((n, 3))
        for k in range(H):
            w = np.maximum(v + a_cmd * dt * k, 0) * dt
            kap = step_kappa[:, min(i + k, T - 1)]
            z = np.stack(
                [z[:, 0] + w * z[:, 1], z[:, 1] + w * (z[:, 2] / p.wheelbase - kap), z[:, 2]], -1
            )
            b = np.stack(
                [b[:, 0] + w * b[:, 1], b[:, 1] + w * b[:, 2] / p.wheelbase, b[:, 2] + dt], -1
            )
        q = np.array([1.0, 10.0, 0.0])
        u = -(b * q * z).sum(-1) / ((b * q * b).sum(-1) + 1.0)
        a = a + dt / (dt + 0.2) * (a_cmd - a)
        new_steer = np.clip(
            steer + dt / (dt + 0.05) * dt * u, -p.max_steering_angle, p.max_steering_angle
        )
        px = px + v * np.cos(yaw) * dt
        py = py + v * np.sin(yaw) * dt
        yaw = yaw + v * np.tan(steer) / p.wheelbase * dt
        v = v + a * dt
        steer = new_steer
        out[:, i + 1] = np.stack([px, py, yaw, v], -1)
    return out
