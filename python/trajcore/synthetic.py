"""Synthetic, seeded highway scenes: the workload of benchmarks, examples and smoke tests.

A straight multi-lane road along +x (lane centres at y = 0, lane_width, ...), the ego in the
middle lane at x = 0, agents with cars and trucks in every lane, each predicted in K modes
(speed changes and lane changes) with random probabilities, and a Frenet-style lattice of ego
candidates (lateral target x target speed x manoeuvre duration).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

CAR = (4.6, 1.9)
TRUCK = (12.0, 2.5)

# (acceleration m/s^2, lane change in lanes) of each predicted mode, most likely first.
_MODES = ((0.0, 0), (-2.0, 0), (1.0, 0), (0.0, 1), (0.0, -1), (-4.0, 0), (0.5, 1), (0.5, -1))


@dataclass(frozen=True)
class HighwayScene:
    """Arrays in trajcore's layouts, float32, without a scene dimension."""

    ego: NDArray[np.float32]  #: (N, T+1, 6) x, y, yaw, v, a, steer
    ego_extent: NDArray[np.float32]  #: (2,) length, width
    agents: NDArray[np.float32]  #: (M, K, T+1, 3) x, y, yaw
    agent_extent: NDArray[np.float32]  #: (M, 2)
    agent_prob: NDArray[np.float32]  #: (M, K), rows sum to 1
    agent_valid: NDArray[np.bool_]  #: (M, T+1)
    dt: float


def _smoothstep(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Quintic 0 -> 1 with zero first and second derivatives at both ends (u clipped to [0, 1])."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)


def _poses(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """(..., T+1, 3) poses with the heading along the path (finite differences over steps)."""
    dx = np.gradient(x, axis=-1)
    dy = np.gradient(y, axis=-1)
    return np.stack([x, y, np.arctan2(dy, dx)], axis=-1)


def highway_scene(
    n_candidates: int = 1024,
    n_agents: int = 64,
    n_modes: int = 6,
    steps: int = 80,
    dt: float = 0.1,
    *,
    lanes: int = 3,
    lane_width: float = 3.7,
    truck_share: float = 0.2,
    agent_speed: tuple[float, float] = (12.0, 18.0),
    ego_speed: float = 15.0,
    seed: int = 0,
) -> HighwayScene:
    """A seeded highway scene; see the module docstring."""
    if n_modes > len(_MODES):
        raise ValueError(f"n_modes is {n_modes}, expected at most {len(_MODES)}")
    rng = np.random.default_rng(seed)
    t = np.arange(steps + 1) * dt
    ego_lane = lanes // 2

    # Agents: per lane, a queue along x with random gaps, leaving room around the ego.
    lane_of = np.sort(rng.integers(0, lanes, n_agents))
    truck = rng.random(n_agents) < truck_share
    extent = np.where(truck[:, None], TRUCK, CAR).astype(np.float64)
    x0 = np.empty(n_agents)
    for lane in range(lanes):
        idx = np.flatnonzero(lane_of == lane)
        gaps = rng.uniform(8.0, 30.0, idx.size)  # about 0.5 to 2 s of headway
        front = np.cumsum(extent[idx, 0] + gaps)
        start = -0.45 * front[-1] if idx.size else 0.0
        x0[idx] = start + front - extent[idx, 0] / 2
        if lane == ego_lane:  # open 8 m of room behind the ego and 16 m ahead of it
            ahead = x0[idx] > -(CAR[0] / 2 + 8.0 + extent[idx, 0] / 2)
            x0[idx[ahead]] += 16.0 + CAR[0] + TRUCK[0]
    speed = rng.uniform(*agent_speed, n_agents)
    y0 = lane_of * lane_width

    accel = np.array([a for a, _ in _MODES[:n_modes]])
    shift = np.array([s for _, s in _MODES[:n_modes]])
    v = np.maximum(speed[:, None, None] + accel[None, :, None] * t, 0.0)  # (M, K, T+1)
    x = x0[:, None, None] + np.cumsum(v * dt, axis=-1) - v[..., :1] * dt
    target = np.clip(lane_of[:, None] + shift[None, :], 0, lanes - 1) * lane_width
    change_time = rng.uniform(3.0, 5.0, (n_agents, 1, 1))
    y = y0[:, None, None] + (target - y0[:, None])[..., None] * _smoothstep(t / change_time)
    agents = _poses(x, y)
    prob = rng.dirichlet(np.linspace(4.0, 1.0, n_modes), n_agents)

    # Ego candidates: lateral target x target speed x duration, quintic profiles.
    per_side = max(1, round(float(np.sqrt(n_candidates / 4))))
    lateral = np.linspace(0.0, (lanes - 1) * lane_width, per_side)
    speeds = np.linspace(0.0, 25.0, per_side)
    durations = np.array([3.0, 4.5, 6.0, 8.0])
    grid = np.stack(np.meshgrid(lateral, speeds, durations, indexing="ij"), -1).reshape(-1, 3)
    grid = grid[np.arange(n_candidates) % len(grid)]
    y_end, v_end, duration = (grid[:, i : i + 1] for i in range(3))
    ego_y0 = ego_lane * lane_width
    s = _smoothstep(t / duration)
    ev = ego_speed + (v_end - ego_speed) * s
    ex = np.cumsum(ev * dt, axis=-1) - ev[:, :1] * dt
    ey = ego_y0 + (y_end - ego_y0) * s
    ego = np.zeros((n_candidates, steps + 1, 6))
    ego[..., :3] = _poses(ex, ey)
    ego[..., 3] = ev
    ego[..., 4] = np.gradient(ev, dt, axis=-1)

    return HighwayScene(
        ego=ego.astype(np.float32),
        ego_extent=np.array(CAR, dtype=np.float32),
        agents=agents.astype(np.float32),
        agent_extent=extent.astype(np.float32),
        agent_prob=prob.astype(np.float32),
        agent_valid=np.ones((n_agents, steps + 1), dtype=bool),
        dt=dt,
    )
