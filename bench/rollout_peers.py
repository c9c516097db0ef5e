"""What users would run instead of trajcore.rollout: the same model (limits, standstill, one RK4
step per dt) vectorised in numpy, the same loop compiled by numba, and CommonRoad's kinematic
single-track model (vehiclemodels.vehicle_dynamics_ks) stepped with RK4 in a Python loop."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trajcore import VehicleParams


def numpy_rollout(
    state0: NDArray[np.float32], controls: NDArray[np.float32], p: VehicleParams, dt: float
) -> NDArray[np.float32]:
    """Vectorised over candidates, a Python loop over steps (float32)."""
    f = np.float32
    n, steps, _ = controls.shape
    out = np.empty((n, steps + 1, 6), np.float32)
    s = np.broadcast_to(state0, (n, 6)).astype(np.float32).T.copy()
    out[:, 0] = s.T
    x, y, yaw, v, a, st = s
    L, d = f(p.wheelbase), f(p.rear_axle_to_center)
    for k in range(steps):
        j = np.clip(controls[:, k, 0], -p.max_jerk, p.max_jerk)
        j = np.clip(j, (-p.max_deceleration - a) / dt, (p.max_acceleration - a) / dt).astype(
            np.float32
        )
        v_end = v + dt * (a + f(0.5) * j * dt)
        disc = a * a - 2 * j * v
        dips = (j > 0) & (a < 0) & (-a < j * dt) & (disc > 0)
        stops = (v_end < 0) | dips
        root = np.sqrt(np.maximum(disc, 0))
        concave = (a >= 0) & (j < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t_stop = np.where(concave, a + root, 2 * v) / np.where(concave, -j, root - a)
        h = np.where(stops, np.minimum(t_stop, dt), dt).astype(np.float32)
        v_next = np.where(stops, 0, v_end).astype(np.float32)
        a_next = np.where(
            stops, 0, np.clip(a + j * dt, -p.max_deceleration, p.max_acceleration)
        ).astype(np.float32)
        r = np.clip(controls[:, k, 1], -p.max_steering_rate, p.max_steering_rate)
        bound = np.minimum(
            p.max_steering_angle,
            np.arctan(p.max_lateral_acceleration * L / np.maximum(v_next * v_next, 1e-6)),
        )
        r = np.clip(
            np.clip(r, (-bound - st) / dt, (bound - st) / dt),
            -p.max_steering_rate,
            p.max_steering_rate,
        ).astype(np.float32)
        st_next = np.clip(st + r * dt, -p.max_steering_angle, p.max_steering_angle).astype(
            np.float32
        )
        hh = h / 2
        v_mid = v + hh * (a + f(0.5) * j * hh)
        w0 = v * np.tan(st) / L
        wm = v_mid * np.tan(st + r * hh) / L
        wh = v_next * np.tan(st_next) / L
        y2, y3, y4 = yaw + hh * w0, yaw + hh * wm, yaw + h * wm
        dx = h / 6 * (v * np.cos(yaw) + 2 * v_mid * (np.cos(y2) + np.cos(y3)) + v_next * np.cos(y4))
        dy = h / 6 * (v * np.sin(yaw) + 2 * v_mid * (np.sin(y2) + np.sin(y3)) + v_next * np.sin(y4))
        yaw_next = yaw + h / 6 * (w0 + 4 * wm + wh)
        x = x + dx + d * (np.cos(yaw_next) - np.cos(yaw))
        y = y + dy + d * (np.sin(yaw_next) - np.sin(yaw))
        yaw = ((yaw_next + np.pi) % (2 * np.pi) - np.pi).astype(np.float32)
        v, a, st = v_next, a_next, st_next
        out[:, k + 1, 0], out[:, k + 1, 1], out[:, k + 1, 2] = x, y, yaw
        out[:, k + 1, 3], out[:, k + 1, 4], out[:, k + 1, 5] = v, a, st
    return out


def numba_rollout() -> Callable[..., Any] | None:
    """The numpy model as a numba loop over candidates (prange) and steps, or None."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(parallel=True, cache=False, fastmath=False)
    def run(state0, controls, prm, dt, out):  # type: ignore[no-untyped-def]
        L, d, jmax, amax, bmax, smax, rmax, alat = prm
        n, steps = controls.shape[0], controls.shape[1]
        for i in numba.prange(n):
            x, y, yaw, v, a, st = state0[0], state0[1], state0[2], state0[3], state0[4], state0[5]
            for f in range(6):
                out[i, 0, f] = state0[f]
            for k in range(steps):
                j = min(max(controls[i, k, 0], -jmax), jmax)
                j = min(max(j, (-bmax - a) / dt), (amax - a) / dt)
                v_end = v + dt * (a + 0.5 * j * dt)
                disc = a * a - 2 * j * v
                stops = v_end < 0 or (j > 0 and a < 0 and -a < j * dt and disc > 0)
                h = dt
                if stops:
                    root = math.sqrt(max(disc, 0.0))
                    h = min((a + root) / -j if (a >= 0 and j < 0) else 2 * v / (root - a), dt)
                v_next = 0.0 if stops else v_end
                a_next = 0.0 if stops else min(max(a + j * dt, -bmax), amax)
                r = min(max(controls[i, k, 1], -rmax), rmax)
                bound = min(smax, math.atan(alat * L / max(v_next * v_next, 1e-6)))
                r = min(max(min(max(r, (-bound - st) / dt), (bound - st) / dt), -rmax), rmax)
                st_next = min(max(st + r * dt, -smax), smax)
                hh = h / 2
                v_mid = v + hh * (a + 0.5 * j * hh)
                w0 = v * math.tan(st) / L
                wm = v_mid * math.tan(st + r * hh) / L
                wh = v_next * math.tan(st_next) / L
                y2, y3, y4 = yaw + hh * w0, yaw + hh * wm, yaw + h * wm
                dx = (
                    h
                    / 6
                    * (
                        v * math.cos(yaw)
                        + 2 * v_mid * (math.cos(y2) + math.cos(y3))
                        + v_next * math.cos(y4)
                    )
                )
                dy = (
                    h
                    / 6
                    * (
                        v * math.sin(yaw)
                        + 2 * v_mid * (math.sin(y2) + math.sin(y3))
                        + v_next * math.sin(y4)
                    )
                )
                yaw_next = yaw + h / 6 * (w0 + 4 * wm + wh)
                x += dx + d * (math.cos(yaw_next) - math.cos(yaw))
                y += dy + d * (math.sin(yaw_next) - math.sin(yaw))
                yaw = (yaw_next + math.pi) % (2 * math.pi) - math.pi
                v, a, st = v_next, a_next, st_next
                out[i, k + 1, 0], out[i, k + 1, 1], out[i, k + 1, 2] = x, y, yaw
                out[i, k + 1, 3], out[i, k + 1, 4], out[i, k + 1, 5] = v, a, st

    def call(
        state0: NDArray[np.float32], controls: NDArray[np.float32], p: VehicleParams, dt: float
    ) -> NDArray[np.float32]:
        out = np.empty((controls.shape[0], controls.shape[1] + 1, 6), np.float32)
        prm = np.array(
            [
                p.wheelbase,
                p.rear_axle_to_center,
                p.max_jerk,
                p.max_acceleration,
                p.max_deceleration,
                p.max_steering_angle,
                p.max_steering_rate,
                p.max_lateral_acceleration,
            ],
            np.float32,
        )
        run(state0.astype(np.float32), controls, prm, np.float32(dt), out)
        return out

    return call


def vehiclemodels_rollout() -> Callable[..., Any] | None:
    """CommonRoad's kinematic single track, one RK4 step per dt, a Python loop (the way its
    examples integrate it); acceleration integrated from the jerk controls. Or None."""
    try:
        from vehiclemodels.parameters_vehicle2 import parameters_vehicle2
        from vehiclemodels.vehicle_dynamics_ks import vehicle_dynamics_ks
    except ImportError:
        return None

    def call(
        state0: NDArray[np.float32], controls: NDArray[np.float32], p: VehicleParams, dt: float
    ) -> NDArray[np.float64]:
        cr = parameters_vehicle2()
        cr.a = cr.b = p.wheelbase / 2
        n, steps, _ = controls.shape
        out = np.empty((n, steps + 1, 5))
        for i in range(n):
            x0, y0, yaw, v, a, st = (float(q) for q in state0)
            q = [
                x0 - p.rear_axle_to_center * math.cos(yaw),
                y0 - p.rear_axle_to_center * math.sin(yaw),
                st,
                v,
                yaw,
            ]
            out[i, 0] = q
            for k in range(steps):
                jerk, rate = float(controls[i, k, 0]), float(controls[i, k, 1])
                u = [rate, a]
                k1 = vehicle_dynamics_ks(q, u, cr)
                k2 = vehicle_dynamics_ks(
                    [qi + dt / 2 * ki for qi, ki in zip(q, k1)], [rate, a + jerk * dt / 2], cr
                )
                k3 = vehicle_dynamics_ks(
                    [qi + dt / 2 * ki for qi, ki in zip(q, k2)], [rate, a + jerk * dt / 2], cr
                )
                k4 = vehicle_dynamics_ks(
                    [qi + dt * ki for qi, ki in zip(q, k3)], [rate, a + jerk * dt], cr
                )
                q = [
                    qi + dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
                    for qi, a1, a2, a3, a4 in zip(q, k1, k2, k3, k4)
                ]
                a += jerk * dt
                out[i, k + 1] = q
        return out

    return call
