"""Brute-force numpy reference of check_collisions: every candidate against every agent mode at
every step, in float64, no broad phase.

Where float32 cannot decide (the boxes' float64 penetration depth within AMBIGUOUS of 0), the
pair's verdict is taken from trajcore.box_overlap on the same float32 boxes, the primitive the
engine is built on (itself checked against float64 and shapely in test_box_geometry.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

import trajcore
from conftest import corners_f64, sat_depth_f64

AMBIGUOUS = 1e-4  # m


@dataclass
class Reference:
    collides: NDArray[np.bool_]
    first_step: NDArray[np.int32]
    agent_first_step: NDArray[np.int32]
    collision_prob: NDArray[np.float32]
    min_clearance: NDArray[np.float32]
    ambiguous_pairs: int


def box_distance_f64(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.float64]:
    """Signed distance of boxes (..., 5) in float64: gap, or -penetration depth."""
    depth = sat_depth_f64(a, b)
    ca, cb = corners_f64(a), corners_f64(b)

    def corner_to_box(
        corners: NDArray[np.float64], box: NDArray[np.floating]
    ) -> NDArray[np.float64]:
        box = np.asarray(box, np.float64)
        rel = corners - box[..., None, :2]
        c, s = np.cos(box[..., 2])[..., None], np.sin(box[..., 2])[..., None]
        along = np.abs(rel[..., 0] * c + rel[..., 1] * s) - box[..., 3, None] / 2
        across = np.abs(-rel[..., 0] * s + rel[..., 1] * c) - box[..., 4, None] / 2
        d = np.hypot(np.maximum(along, 0), np.maximum(across, 0))
        return d.min(-1)

    gap = np.minimum(corner_to_box(ca, b), corner_to_box(cb, a))
    return np.where(depth >= 0, -depth, np.maximum(gap, -depth))


def _batched(x: NDArray, rank: int) -> NDArray:
    return x if x.ndim == rank else x[None]


def reference_collisions(
    ego: NDArray[np.float32],
    ego_extent: NDArray[np.float32],
    agents: NDArray[np.float32],
    agent_extent: NDArray[np.float32],
    agent_prob: NDArray[np.float32] | None = None,
    agent_valid: NDArray[np.bool_] | None = None,
    margin: float = 0.0,
    clearance_cap: float = 10.0,
) -> Reference:
    batched = agents.ndim == 5
    agents = _batched(agents, 5)
    B, M, K, T1, _ = agents.shape
    ego = _batched(ego, 4)
    N = ego.shape[1]
    ego_extent = np.broadcast_to(ego_extent, (B, 2)) if ego_extent.ndim == 1 else ego_extent
    agent_extent = _batched(agent_extent, 3)

    if agent_valid is None:
        valid = np.ones((B, M, K, T1), bool)
    else:
        v = agent_valid if batched else agent_valid[None]
        if v.ndim == 2:
            v = v[:, :, None, None]
        elif v.ndim == 3:
            v = v[:, :, None, :]
        valid = np.broadcast_to(v, (B, M, K, T1))

    # Boxes as float32, grown by the margin the way the engine grows them (half extents).
    ego_boxes = np.zeros((B, N, 1, 1, T1, 5), np.float32)
    ego_boxes[..., :3] = ego[:, :, None, None, :, :3]
    ego_boxes[..., 3:] = ego_extent[:, None, None, None, None, :] + np.float32(2 * margin)
    agent_boxes = np.zeros((B, 1, M, K, T1, 5), np.float32)
    agent_boxes[..., :3] = np.where(valid[:, None, ..., None], agents[:, None], 0)
    agent_boxes[..., 3:] = agent_extent[:, None, :, None, None, :] + np.float32(2 * margin)

    depth = sat_depth_f64(ego_boxes, agent_boxes)  # (B, N, M, K, T1)
    ambiguous = np.abs(depth) < AMBIGUOUS
    overlap = depth >= 0
    if ambiguous.any():
        idx = np.nonzero(ambiguous)
        e = np.broadcast_to(ego_boxes, (*depth.shape, 5))[idx]
        a = np.broadcast_to(agent_boxes, (*depth.shape, 5))[idx]
        overlap[idx] = trajcore.box_overlap(e, a)
    hit = overlap & valid[:, None]
    ambiguous_pairs = int((ambiguous & valid[:, None]).sum())

    collides = hit.any(axis=(2, 3))
    first_step = np.where(collides.any(-1), collides.argmax(-1), -1).astype(np.int32)
    agent_first_step = np.where(hit.any(-1), hit.argmax(-1), -1).astype(np.int32)

    # Probabilities: the documented formula, summed in the engine's order (k, then m).
    mode_valid = valid.any(-1)
    p = np.ones((B, M, K)) if agent_prob is None else _batched(agent_prob, 3).astype(np.float64)
    p = np.where(mode_valid, p, 0.0)
    total = np.zeros((B, M))
    for k in range(K):
        total = total + p[..., k]
    p = np.where(mode_valid, p / np.where(total > 0, total, 1.0)[..., None], 0.0)
    mode_hit = hit.any(-1)  # (B, N, M, K)
    survive = np.ones((B, N))
    for m in range(M):
        mass = np.zeros((B, N))
        for k in range(K):
            mass = mass + np.where(mode_hit[:, :, m, k], p[:, None, m, k], 0.0)
        survive = survive * (1.0 - mass)
    collision_prob = (1.0 - survive).astype(np.float32)

    dist = box_distance_f64(ego_boxes, agent_boxes)
    dist = np.where(valid[:, None], dist, np.inf)
    min_clearance = np.minimum(dist.min(axis=(2, 3, 4), initial=np.inf), clearance_cap)

    def unbatch(x: NDArray) -> NDArray:
        return x if batched else x[0]

    return Reference(
        collides=unbatch(collides),
        first_step=unbatch(first_step),
        agent_first_step=unbatch(agent_first_step),
        collision_prob=unbatch(collision_prob),
        min_clearance=unbatch(min_clearance.astype(np.float32)),
        ambiguous_pairs=ambiguous_pairs,
    )
