"""Time to collision (PDM-Closed / NAVSIM): constructed cases and a shapely re-derivation of
PDM-Closed's _calculate_ttc loop on random scenes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from numpy.typing import NDArray

import trajcore
from test_collision_metrics import CAR, DT, EXTENT, T, straight
from test_map_metrics import two_way_road
from trajcore import EgoArea


def ttc(ego: NDArray, agents: NDArray, **kw):
    road = two_way_road()
    states = ego if ego.ndim == 3 else ego[None]
    agents = np.ascontiguousarray(agents[:, None] if agents.ndim == 3 else agents)
    areas = trajcore.ego_areas(states, EXTENT, road)
    extent = np.tile(np.array([4.5, 1.9], np.float32), (len(agents), 1))
    return trajcore.time_to_collision(states, areas, agents, extent, params=CAR, dt=DT, **kw)


def test_following_closely_violates_and_passing_behind_does_not() -> None:
    lane = -1.75
    ego = straight(0, lane, 10.0)
    # A stopped car whose rear is 17.5 m (bumper gap) ahead: the ego pushed 0.9 s ahead (9 m)
    # first touches it when the gap is down to 9 m, 1 m per step: step 9 (8.5 rounded up).
    lead = straight(17.5 + CAR.length / 2 + 2.25, lane, 0.0)[None, :, :3].copy()
    r = ttc(ego, lead)
    assert r.score[0] == 0 and r.first_step[0] == 9
    # Only 0.3 s of projection: 3 m, reached at step 15.
    r = ttc(ego, lead, projection_steps=(0, 3))
    assert r.first_step[0] == 15
    # 14 m ahead at the same speed: never within 0.9 s x 10 m/s = 9 m of bumper gap.
    r = ttc(ego, straight(14.0, lane, 10.0)[None, :, :3].copy())
    assert r.score[0] == 1 and r.first_step[0] == -1
    # A car touching the rear bumper at the ego's speed: first contact at step 0 with the
    # agent behind (more than 150 degrees off the heading): ignored, no violation.
    r = ttc(ego, straight(-(CAR.length / 2 + 2.25), lane, 10.0)[None, :, :3].copy())
    assert r.score[0] == 1
    # A stopped ego is never projected: no violation even with a car right ahead.
    r = ttc(straight(0, lane, 0.0), straight(5.0, lane, 0.0)[None, :, :3].copy())
    assert r.score[0] == 1
    # Probabilities: mode 0 (p 0.25) close ahead, mode 1 far.
    two = np.stack([lead[0], straight(60.0, lane, 10.0)[:, :3]])[None]
    assert two.shape == (1, 2, T + 1, 3)
    r = ttc(ego, two, agent_prob=np.array([[0.25, 0.75]], np.float32))
    assert r.score[0] == 0 and r.violation_prob[0] == pytest.approx(0.25)


def reference_ttc(states: NDArray, areas: NDArray, agents: NDArray, extent: NDArray):
    """tuPlan Garage pdm_scorer._calculate_ttc, written with shapely polygons."""
    N, T1 = states.shape[:2]
    M = agents.shape[0]
    score, first = np.ones(N), np.full(N, -1)
    agent_boxes = np.concatenate([agents, np.broadcast_to(extent[:, None], (M, T1, 2))], -1)
    agent_polys = [
        [shapely.Polygon(c) for c in trajcore.box_corners(b.astype(np.float32))]
        for b in agent_boxes
    ]
    for n in range(N):
        ignored: set[int] = set()
        for t in range(T1):
            x, y, yaw, v = (float(q) for q in states[n, t, :4])
            rear = np.array([x, y]) - CAR.rear_axle_to_center * np.array([np.cos(yaw), np.sin(yaw)])
            for d in (0, 3, 6, 9):
                if t + d >= T1:
                    continue
                box = np.array(
                    [x + np.cos(yaw) * v * d * DT, y + np.sin(yaw) * v * d * DT, yaw, *EXTENT],
                    np.float32,
                )
                poly = shapely.Polygon(trajcore.box_corners(box))
                for m in range(M):
                    if m in ignored or v < 5e-3 or not poly.intersects(agent_polys[m][t + d]):
                        continue
                    to = agents[m, t + d, :2] - rear
                    cos_angle = np.dot([np.cos(yaw), np.sin(yaw)], to / np.linalg.norm(to))
                    angle = np.arccos(np.clip(cos_angle, -1, 1))
                    exposed = areas[n, t] & (
                        EgoArea.MULTIPLE_LANES | EgoArea.OFF_ROAD | EgoArea.IN_INTERSECTION
                    )
                    if angle < math.radians(30) or (exposed and not angle > math.radians(150)):
                        score[n] = 0
                        first[n] = t if first[n] < 0 else min(first[n], t)
                    else:
                        ignored.add(m)
    return score, first


def random_two_way_scene(rng: np.random.Generator, N: int, M: int, steps: int = T):
    """N candidates (10% stopped) and M agents, both ways along the two-way road near x = 100,
    over steps + 1 poses."""
    states = np.zeros((N, steps + 1, 6), np.float32)
    for n in range(N):
        yaw = (
            rng.choice([0.0, math.pi])
            + rng.normal(0, 0.15)
            + rng.normal(0, 0.02) * np.arange(steps + 1)
        )
        speed = rng.uniform(0, 12) * (rng.random() > 0.1)
        states[n, :, 0] = 100 + np.cumsum(speed * DT * np.cos(yaw)) - speed * DT
        states[n, :, 1] = rng.uniform(-3, 3) + np.cumsum(speed * DT * np.sin(yaw)) * 0.3
        states[n, :, 2] = yaw
        states[n, :, 3] = speed
    agents = np.zeros((M, steps + 1, 3), np.float32)
    for m in range(M):
        yaw, speed = rng.choice([0.0, math.pi]) + rng.normal(0, 0.1), rng.uniform(0, 12)
        t = np.arange(steps + 1) * DT
        agents[m, :, 0] = rng.uniform(85, 125) + speed * t * np.cos(yaw)
        agents[m, :, 1] = rng.uniform(-3, 3) + speed * t * np.sin(yaw)
        agents[m, :, 2] = yaw
    extent = np.tile(np.array([4.5, 1.9], np.float32), (M, 1))
    return states, agents, extent


def test_matches_pdm_closeds_ttc_loop(rng: np.random.Generator) -> None:
    road = two_way_road()
    states, agents, extent = random_two_way_scene(rng, 40, 10)
    areas = trajcore.ego_areas(states, EXTENT, road)
    r = trajcore.time_to_collision(states, areas, agents[:, None], extent, params=CAR, dt=DT)
    score, first = reference_ttc(states, areas, agents, extent)
    np.testing.assert_array_equal(r.score, score)
    np.testing.assert_array_equal(r.first_step, first)
    assert 0.1 < score.mean() < 0.9


def test_errors() -> None:
    ego = straight(0, -1.75, 10.0)[None]
    agents = straight(20, -1.75, 0.0)[None, None, :, :3].copy()
    with pytest.raises(ValueError, match=r"projection_steps\[1\] is 0, expected increasing"):
        ttc(ego, agents, projection_steps=(0, 0))
    with pytest.raises(ValueError, match=r"agents has shape \(1, 41, 3\)"):
        areas = np.zeros((1, T + 1), np.int32)
        extent = np.ones((1, 2), np.float32)
        trajcore.time_to_collision(ego, areas, agents[0], extent, params=CAR, dt=DT)
    with pytest.raises(ValueError, match="stopped_speed is -1"):
        ttc(ego, agents, stopped_speed=-1.0)


@pytest.mark.parametrize("stopped", [False, True])
def test_reused_first_contacts_give_the_same_results(rng: np.random.Generator, stopped) -> None:
    """Projection 0 from check_collisions' first contacts equals its own pass: when no contact
    falls on a standing step (reused) and when one does (the pass runs)."""
    road = two_way_road()
    states, agents, extent = random_two_way_scene(rng, 60, 3)
    moving = states[:, :, 3] > 0
    if stopped:
        # A standing candidate right on an agent: a first contact on a standing step.
        states[0, :, :3] = agents[0, :, :3]
        states[0, :, 3] = 0.0
    else:
        states = states[moving.all(axis=1)]
    areas = trajcore.ego_areas(states, EXTENT, road)
    farther = agents + np.array([30.0, 0.0, 0.0], np.float32)
    modes = np.ascontiguousarray(np.stack([agents, farther], 1))  # K = 2
    prob = np.full((len(agents), 2), 0.5, np.float32)
    contacts = trajcore.check_collisions(
        states, np.array(EXTENT, np.float32), modes, extent, prob, compute_min_clearance=False
    )
    assert (contacts.agent_first_step >= 0).any()
    if stopped:
        assert contacts.agent_first_step[0, 0, 0] == 0
    kw = dict(params=CAR, dt=DT, agent_prob=prob)
    own = trajcore.time_to_collision(states, areas, modes, extent, **kw)
    reused = trajcore.time_to_collision(
        states, areas, modes, extent, agent_first_step=contacts.agent_first_step, **kw
    )
    for field in ("score", "violation_prob", "first_step"):
        np.testing.assert_array_equal(getattr(reused, field), getattr(own, field), err_msg=field)
    assert 0 < own.score.mean() < 1


def test_reused_first_contacts_are_checked() -> None:
    ego = straight(0, -1.75, 10.0)[None]
    agents = straight(20, -1.75, 0.0)[None, None, :, :3].copy()
    with pytest.raises(ValueError, match=r"agent_first_step has shape \(1, 1\)"):
        ttc(ego, agents, agent_first_step=np.zeros((1, 1), np.int32))
    with pytest.raises(ValueError, match=r"agent_first_step\[0, 0, 0\] is 99"):
        ttc(ego, agents, agent_first_step=np.full((1, 1, 1), 99, np.int32))
