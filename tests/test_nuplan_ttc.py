"""Time to collision, nuPlan's form: constructed cases with hand-derived TTCs, and a shapely
re-derivation of nuPlan's compute_time_to_collision loop on random scenes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from numpy.typing import NDArray

import trajcore
from test_collision_metrics import CAR, DT, EXTENT, straight
from test_map_metrics import two_way_road
from test_ttc import random_two_way_scene
from trajcore import AgentType, EgoArea

LANE = -1.75


def nuplan_ttc(ego: NDArray, agents: NDArray, types: list[int] | None = None, **kw):
    road = two_way_road()
    states = ego if ego.ndim == 3 else ego[None]
    agents = np.ascontiguousarray(agents[:, None] if agents.ndim == 3 else agents)
    areas = trajcore.ego_areas(states, EXTENT, road)
    extent = np.tile(np.array([4.5, 1.9], np.float32), (len(agents), 1))
    kinds = np.array(types or [AgentType.VEHICLE] * len(agents), np.int32)
    return trajcore.nuplan_time_to_collision(
        states, areas, agents, extent, kinds, params=CAR, dt=DT, **kw
    )


def test_closing_on_a_stopped_car() -> None:
    ego = straight(0, LANE, 10.0)
    # Bumper gap 20 m at step 0, closing at 1 m per step: contact of the projections after
    # gap / 10 m/s, i.e. 2.0 s at step 0 and 0.9 s (<= 0.95) from step 11 (gap 9 m) on.
    lead = straight(20.0 + CAR.length / 2 + 2.25, LANE, 0.0)[None, :, :3].copy()
    r = nuplan_ttc(ego, lead)
    assert r.score[0] == 0 and r.first_step[0] == 11
    # The boxes touch at step 20 (gap 0): no projection step left there, so the smallest TTC
    # is the 0.1 s of step 19 (gap 1 m).
    assert r.min_ttc[0] == pytest.approx(0.1, abs=1e-6)
    # A bound of 0.05 s is never reached by the 0.1 s grid.
    r = nuplan_ttc(ego, lead, least_min_ttc=0.05)
    assert r.score[0] == 1 and r.first_step[0] == -1
    # The same car as an object: objects do not move, same result.
    assert nuplan_ttc(ego, lead, [AgentType.OBJECT]).first_step[0] == 11


def test_lead_at_same_speed_and_car_behind_are_safe() -> None:
    ego = straight(0, LANE, 10.0)
    lead = straight(12.0, LANE, 10.0)[None, :, :3].copy()
    r = nuplan_ttc(ego, lead)
    assert r.score[0] == 1 and np.isinf(r.min_ttc[0])
    # A faster car behind (it closes 16 m of its 30 m gap): never relevant.
    behind = straight(-30.0, LANE, 14.0)[None, :, :3].copy()
    assert nuplan_ttc(ego, behind).score[0] == 1
    # A stopped ego has no TTC, even against a car backing into it.
    assert (
        nuplan_ttc(straight(0, LANE, 0.0), straight(8.0, LANE, 0.0)[None, :, :3].copy()).score[0]
        == 1
    )


def test_at_fault_step_and_collided_tracks() -> None:
    ego = straight(0, LANE, 10.0)
    lead = straight(20.0 + CAR.length / 2 + 2.25, LANE, 0.0)[None, :, :3].copy()
    # The at-fault collision sets TTC 0 at its step, whatever else happens.
    r = nuplan_ttc(ego, lead, at_fault_step=np.array([3], np.int32))
    assert r.first_step[0] == 3 and r.min_ttc[0] == 0
    # A track collided with at step 5 is dropped from step 5 on: no violation at step 11.
    r = nuplan_ttc(ego, lead, agent_first_step=np.array([[[5]]], np.int32))
    assert r.score[0] == 1 and r.min_ttc[0] == pytest.approx(1.6, abs=1e-6)


def test_probabilities_and_errors() -> None:
    ego = straight(0, LANE, 10.0)
    near = straight(20.0 + CAR.length / 2 + 2.25, LANE, 0.0)[:, :3]
    far = straight(200.0, LANE, 0.0)[:, :3]
    r = nuplan_ttc(ego, np.stack([near, far])[None], agent_prob=np.array([[0.3, 0.7]], np.float32))
    assert r.score[0] == 0 and r.violation_prob[0] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="time_step is 0, expected > 0 seconds"):
        nuplan_ttc(ego, near[None], time_step=0.0)
    with pytest.raises(ValueError, match=r"at_fault_step has shape \(2,\), expected \(1,\)"):
        nuplan_ttc(ego, near[None], at_fault_step=np.zeros(2, np.int32))
    with pytest.raises(ValueError, match=r"at_fault_step\[0\] is 99"):
        nuplan_ttc(ego, near[None], at_fault_step=np.array([99], np.int32))
    with pytest.raises(ValueError, match=r"agent_type\[0\] is 7"):
        nuplan_ttc(ego, near[None], [7])


def box(x: float, y: float, yaw: float, length: float, width: float) -> shapely.Polygon:
    return shapely.Polygon(
        trajcore.box_corners(np.array([x, y, yaw, length, width], np.float32)).astype(np.float64)
    )


def reference_nuplan_ttc(states, areas, agents, extent, first_contact):
    """nuPlan's compute_time_to_collision with shapely boxes, one candidate at a time."""
    N, T1 = states.shape[:2]
    M = agents.shape[0]
    steps = np.arange(0.1, 3.0, 0.1)
    min_ttc, first = np.full(N, np.inf), np.full(N, -1)
    for n in range(N):
        for t in range(T1):
            x, y, yaw, v = (float(q) for q in states[n, t, :4])
            speed = abs(v)
            if speed <= 5e-3:
                continue
            heading = np.array([math.cos(yaw), math.sin(yaw)])
            rear = np.array([x, y]) - CAR.rear_axle_to_center * heading
            exposed = areas[n, t] & (
                EgoArea.MULTIPLE_LANES | EgoArea.OFF_ROAD | EgoArea.IN_INTERSECTION
            )
            ego_d = heading * speed * 0.1
            ego_long = box(
                x + 15 * ego_d[0], y + 15 * ego_d[1], yaw, CAR.length + 30 * speed * 0.1, CAR.width
            )
            ttc = math.inf
            for m in range(M):
                if 0 <= first_contact[n, m] <= t:
                    continue
                ax, ay, ayaw = (float(q) for q in agents[m, t])
                to = np.array([ax, ay]) - rear
                angle = math.acos(float(np.clip(heading @ (to / np.linalg.norm(to)), -1, 1)))
                if not (angle < math.radians(30) or (exposed and not angle > math.radians(150))):
                    continue
                nxt = agents[m, min(t + 1, T1 - 1)] if t + 1 < T1 else agents[m, t]
                prv = agents[m, t] if t + 1 < T1 else agents[m, t - 1]
                a_speed = float(np.hypot(*(nxt[:2].astype(np.float64) - prv[:2]))) / DT
                a_d = np.array([math.cos(ayaw), math.sin(ayaw)]) * a_speed * 0.1
                a_long = box(
                    ax + 15 * a_d[0],
                    ay + 15 * a_d[1],
                    ayaw,
                    extent[m, 0] + 30 * a_speed * 0.1,
                    extent[m, 1],
                )
                if not ego_long.intersects(a_long):
                    continue
                for i, s in enumerate(steps):
                    e = box(x + (i + 1) * ego_d[0], y + (i + 1) * ego_d[1], yaw, *EXTENT)
                    g = box(ax + (i + 1) * a_d[0], ay + (i + 1) * a_d[1], ayaw, *extent[m])
                    if e.intersects(g):
                        ttc = min(ttc, s)
                        break
            min_ttc[n] = min(min_ttc[n], ttc)
            if ttc <= 0.95 and first[n] < 0:
                first[n] = t
    return min_ttc, first


def test_matches_nuplans_loop(rng: np.random.Generator) -> None:
    road = two_way_road()
    states, agents, extent = random_two_way_scene(rng, 30, 8)
    M = len(agents)
    areas = trajcore.ego_areas(states, EXTENT, road)
    contacts = trajcore.check_collisions(
        states, EXTENT, agents[:, None], extent, compute_min_clearance=False
    ).agent_first_step
    r = trajcore.nuplan_time_to_collision(
        states,
        areas,
        agents[:, None],
        extent,
        np.zeros(M, np.int32),
        params=CAR,
        dt=DT,
        agent_first_step=contacts,
    )
    min_ttc, first = reference_nuplan_ttc(states, areas, agents, extent, contacts[:, :, 0])
    np.testing.assert_allclose(r.min_ttc, min_ttc, rtol=1e-6)
    np.testing.assert_array_equal(r.first_step, first)
    np.testing.assert_array_equal(r.score, (first < 0).astype(np.float32))
    assert 0.1 < r.score.mean() < 0.9
