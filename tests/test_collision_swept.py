"""swept=True: contacts between steps (tunnelling) and the continuous test's exactness."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

import trajcore
from conftest import corners_f64, sat_depth_f64
from test_collision import random_scene

MOTORCYCLE = (2.2, 0.8)
CAR = (4.5, 1.9)


def head_on(extent: tuple[float, float], dt: float, gap: float) -> dict[str, NDArray]:
    """Ego along +x and an agent along -x in the same lane, closing at 60 m/s, `gap` m apart at
    step 0: over one step they pass through each other without overlapping at either step."""
    steps = np.arange(3)
    ego = np.zeros((1, 3, 3), np.float32)
    ego[0, :, 0] = 30.0 * dt * steps
    agents = np.zeros((1, 1, 3, 3), np.float32)
    agents[0, 0, :, 0] = extent[0] + gap - 30.0 * dt * steps
    agents[0, 0, :, 2] = np.pi
    return dict(
        ego=ego,
        ego_extent=np.array(extent, np.float32),
        agents=agents,
        agent_extent=np.array([extent], np.float32),
    )


@pytest.mark.parametrize(("extent", "dt"), [(MOTORCYCLE, 0.1), (CAR, 0.2)])
def test_head_on_pass_at_60_m_s_is_caught_only_when_swept(extent, dt):
    scene = head_on(extent, dt, gap=1.0)
    discrete = trajcore.check_collisions(**scene)
    assert not discrete.collides.any()  # the boxes never overlap at a step
    assert discrete.min_clearance[0] > 0
    swept = trajcore.check_collisions(**scene, swept=True)
    assert swept.collides.tolist() == [[False, True, False]]
    assert swept.first_step.tolist() == [1]
    assert swept.agent_first_step.tolist() == [[[1]]]
    assert swept.collision_prob.tolist() == [1.0]


def test_swept_adds_to_the_discrete_result(rng):
    scene = random_scene(rng, 2, 40, 10, 3, 30, spread=30.0)
    discrete = trajcore.check_collisions(**scene)
    swept = trajcore.check_collisions(**scene, swept=True)
    assert (swept.collides >= discrete.collides).all()
    assert swept.collides.sum() > discrete.collides.sum()
    assert (swept.collision_prob >= discrete.collision_prob).all()
    np.testing.assert_array_equal(swept.min_clearance, discrete.min_clearance)  # steps only


def _interpolated_boxes(
    poses: NDArray[np.float32], extent: NDArray[np.float32], tau: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(..., T, len(tau), 5) boxes along each step's motion: linear centre, linear wrapped yaw."""
    p0, p1 = poses[..., :-1, :].astype(np.float64), poses[..., 1:, :].astype(np.float64)
    dyaw = np.remainder(p1[..., 2] - p0[..., 2] + np.pi, 2 * np.pi) - np.pi
    xy = p0[..., None, :2] + tau[:, None] * (p1 - p0)[..., None, :2]
    yaw = p0[..., None, 2] + tau * dyaw[..., None]
    ext = np.broadcast_to(extent, (*xy.shape[:-1], 2))
    return np.concatenate([xy, yaw[..., None], ext], -1)


def test_swept_never_misses_a_sampled_contact(rng):
    """Dense sampling of every step's motion (turning objects): each contact it finds deeper than
    float32 rounding is reported by the swept check at that step."""
    N, M, K, T1 = 24, 6, 2, 16
    scene = random_scene(rng, None, N, M, K, T1, spread=25.0, valid="none")
    swept = trajcore.check_collisions(**scene, swept=True, clearance_cap=0.0)
    tau = np.linspace(0.0, 1.0, 33)
    ego = _interpolated_boxes(scene["ego"][..., :3], scene["ego_extent"], tau)  # (N, T, S, 5)
    agents = _interpolated_boxes(
        scene["agents"], scene["agent_extent"][:, None, None, None, :], tau
    )
    depth = sat_depth_f64(ego[:, None, None], agents[None])  # (N, M, K, T, S)
    sampled = (depth > 1e-4).any(axis=(1, 2, 4))  # (N, T): contact during step t -> t + 1
    assert sampled.sum() > 20
    assert swept.collides[:, 1:][sampled].all()


def _minkowski_contact(
    ego: NDArray[np.float32],
    ego_extent: NDArray[np.float32],
    agent: NDArray[np.float32],
    agent_extent: NDArray[np.float32],
    shapely,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Exact continuous contact of two translating boxes per step, with shapely: the relative
    centre's segment against the Minkowski sum of the boxes. Returns (contact, ambiguous)."""
    T = ego.shape[0] - 1
    contact = np.zeros(T, bool)
    ambiguous = np.zeros(T, bool)
    for t in range(T):
        e = np.r_[0.0, 0.0, ego[t, 2], ego_extent]
        a = np.r_[0.0, 0.0, agent[t, 2], agent_extent]
        sums = (corners_f64(e)[:, None, :] + corners_f64(a)[None, :, :]).reshape(-1, 2)
        hull = shapely.MultiPoint(sums).convex_hull
        d0 = agent[t, :2].astype(np.float64) - ego[t, :2]
        d1 = agent[t + 1, :2].astype(np.float64) - ego[t + 1, :2]
        segment = shapely.LineString([d0, d1])
        contact[t] = segment.intersects(hull)
        ambiguous[t] = segment.distance(hull.exterior) < 1e-4 and not (
            hull.contains(shapely.Point(d0)) or hull.contains(shapely.Point(d1))
        )
    return contact, ambiguous


def test_swept_is_exact_for_constant_headings(rng):
    import shapely  # a test requirement (the [test] extra): missing means failing, not skipping

    N, T1 = 300, 6
    ego = np.zeros((N, T1, 3), np.float32)
    start = rng.uniform(-10, 10, (N, 2))
    heading = rng.uniform(-np.pi, np.pi, N)
    velocity = rng.uniform(-60, 60, (N, 2))  # fast: contacts between steps are common
    t = np.arange(T1) * 0.1
    ego[..., :2] = start[:, None] + velocity[:, None] * t[:, None]
    ego[..., 2] = heading[:, None]
    agent = np.zeros((1, 1, T1, 3), np.float32)
    agent[0, 0, :, 0] = 20.0 * t
    agent[0, 0, :, 2] = 0.3
    ego_extent = np.array([4.5, 1.9], np.float32)
    agent_extent = np.array([MOTORCYCLE], np.float32)
    swept = trajcore.check_collisions(ego, ego_extent, agent, agent_extent, swept=True)
    discrete = trajcore.check_collisions(ego, ego_extent, agent, agent_extent)
    checked = between = 0
    for n in range(N):
        contact, ambiguous = _minkowski_contact(
            ego[n], ego_extent, agent[0, 0], agent_extent[0], shapely
        )
        expected = contact | discrete.collides[n, 1:]
        sure = ~ambiguous
        np.testing.assert_array_equal(swept.collides[n, 1:][sure], expected[sure], err_msg=f"n={n}")
        checked += sure.sum()
        between += (contact & ~discrete.collides[n, 1:] & ~discrete.collides[n, :-1]).sum()
    assert checked > 1200 and between > 5  # many steps, some contacts seen only between steps
