"""At-fault collisions: every nuPlan collision type on constructed scenes with hand-derived
scores, and a shapely re-derivation of PDM-Closed's classification loop on random scenes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from numpy.typing import NDArray

import trajcore
from test_map_metrics import two_way_road
from trajcore import AgentType, CollisionType, VehicleParams

CAR = VehicleParams.passenger_car()
EXTENT = np.array([CAR.length, CAR.width], np.float32)
DT = 0.1
T = 40


def straight(x0: float, y0: float, speed: float, yaw: float = 0.0, dy: float = 0.0) -> NDArray:
    """(T+1, 6) constant-velocity states along yaw, drifting dy per step sideways."""
    t = np.arange(T + 1)
    st = np.zeros((T + 1, 6), np.float32)
    st[:, 0] = x0 + speed * DT * t * math.cos(yaw)
    st[:, 1] = y0 + speed * DT * t * math.sin(yaw) + dy * t
    st[:, 2] = yaw
    st[:, 3] = speed
    return st


def score_scene(
    ego: NDArray, agents: list[NDArray], types: list[int], prob: NDArray | None = None, **kw
):
    """One candidate against M agents (each (K, T+1, 3) or (T+1, >=3)), on the two-way road."""
    road = two_way_road()
    poses = [a[None, :, :3] if a.ndim == 2 else a[..., :3] for a in agents]
    agents_arr = np.ascontiguousarray(np.stack(poses), np.float32)  # (M, K, T+1, 3)
    M = agents_arr.shape[0]
    extent = np.tile(np.array(EXTENT, np.float32), (M, 1))
    states = ego[None]
    hits = trajcore.check_collisions(states, EXTENT, agents_arr, extent, prob)
    areas = trajcore.ego_areas(states, EXTENT, road)
    return trajcore.at_fault_collisions(
        states,
        areas,
        agents_arr,
        extent,
        np.array(types, np.int32),
        hits.agent_first_step,
        params=CAR,
        dt=DT,
        agent_prob=prob,
        **kw,
    )


def test_each_collision_type_scores_as_in_nuplan() -> None:
    lane = -1.75
    ego = straight(0, lane, 10.0)
    # Stopped car 20.5 m ahead (bumper to bumper): stopped track, at fault, 0, at the step the
    # boxes first overlap (1 m per step).
    stopped = straight(20.5 + CAR.length, lane, 0.0)
    r = score_scene(ego, [stopped], [AgentType.VEHICLE])
    assert r.collision_type[0, 0, 0] == CollisionType.STOPPED_TRACK
    assert r.score[0] == 0.0 and r.first_step[0] == 21
    # The same as a cone: 0.5.
    r = score_scene(ego, [stopped], [AgentType.OBJECT])
    assert r.score[0] == 0.5 and r.collision_type[0, 0, 0] == CollisionType.STOPPED_TRACK
    # Ego standing, hit from behind: stopped ego, not at fault.
    r = score_scene(straight(0, lane, 0.0), [straight(-20, lane, 10.0)], [AgentType.VEHICLE])
    assert r.collision_type[0, 0, 0] == CollisionType.STOPPED_EGO and r.score[0] == 1.0
    # Rear-ended while driving: active rear, not at fault.
    r = score_scene(ego, [straight(-15, lane, 16.0)], [AgentType.VEHICLE])
    assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_REAR and r.score[0] == 1.0
    # Running into a slower car: active front, at fault.
    r = score_scene(ego, [straight(15, lane, 4.0)], [AgentType.VEHICLE])
    assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_FRONT and r.score[0] == 0.0
    # Side-swiped by a car alongside (its front 1 m behind the ego's) drifting over from the
    # other lane, the ego inside its own lane: active lateral, not at fault ...
    swiper = straight(-1.0, 1.75, 10.0, dy=-0.08)
    r = score_scene(ego, [swiper], [AgentType.VEHICLE])
    assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL and r.score[0] == 1.0
    # (the planner's rule, vru_lateral_at_fault, changes nothing for a car; a sideways contact
    # with a cyclist or pedestrian becomes the moving ego's) ...
    r = score_scene(ego, [swiper], [AgentType.VEHICLE], vru_lateral_at_fault=True)
    assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL and r.score[0] == 1.0
    for vru in (AgentType.BICYCLE, AgentType.PEDESTRIAN):
        r = score_scene(ego, [swiper], [vru])
        assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL and r.score[0] == 1.0
        r = score_scene(ego, [swiper], [vru], vru_lateral_at_fault=True)
        assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL and r.score[0] == 0.0
        assert r.first_step[0] > 0
    # ... but at fault when the ego straddles both lanes (multiple lanes).
    r = score_scene(straight(0, -0.3, 10.0), [straight(-1.0, 2.4, 10.0, dy=-0.08)], [0])
    assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL and r.score[0] == 0.0
    # Agents already collided with are ignored.
    r = score_scene(ego, [stopped], [AgentType.VEHICLE], ignored=np.array([True]))
    assert r.collision_type[0, 0, 0] == CollisionType.NONE and r.score[0] == 1.0
    assert r.first_step[0] == -1


def test_modes_take_the_worst_case_and_probabilities_combine() -> None:
    lane = -1.75
    ego = straight(0, lane, 10.0)
    # Agent 0: a stopped car (mode 0, p 0.3) or gone to the other lane (mode 1, p 0.7).
    a0 = np.stack([straight(25, lane, 0.0), straight(25, 1.75, 0.0)])
    # Agent 1: a slower car ahead (mode 0, p 0.5) or a faster one (mode 1, p 0.5).
    a1 = np.stack([straight(12, lane, 3.0), straight(12, lane, 14.0)])
    prob = np.array([[0.3, 0.7], [0.5, 0.5]], np.float32)
    r = score_scene(ego, [a0, a1], [AgentType.VEHICLE, AgentType.VEHICLE], prob)
    np.testing.assert_array_equal(
        r.collision_type[0],
        [
            [CollisionType.STOPPED_TRACK, CollisionType.NONE],
            [CollisionType.ACTIVE_FRONT, CollisionType.NONE],
        ],
    )
    assert r.score[0] == 0.0
    assert r.at_fault_prob[0] == pytest.approx(1 - 0.7 * 0.5, abs=1e-6)


def reference_types(
    states: NDArray,
    areas: NDArray,
    agents: NDArray,
    extent: NDArray,
    types: NDArray,
    vru_lateral_at_fault: bool = False,
) -> tuple[NDArray, NDArray, NDArray]:
    """PDM-Closed's loop (pdm_scorer.py, pdm_scorer_utils.py), written with shapely polygons;
    ``vru_lateral_at_fault``: every lateral contact with a pedestrian or bicycle at fault (the
    planner's rule)."""
    N, T1 = states.shape[:2]
    M = agents.shape[0]
    kinds = np.full((N, M), -1)
    score = np.ones(N)
    first = np.full(N, -1)
    ego_boxes = np.concatenate([states[..., :3], np.broadcast_to(EXTENT, (N, T1, 2))], -1)
    ego_corners = trajcore.box_corners(ego_boxes.astype(np.float32)).astype(np.float64)
    agent_boxes = np.concatenate([agents, np.broadcast_to(extent[:, None], (M, T1, 2))], -1)
    agent_corners = trajcore.box_corners(agent_boxes.astype(np.float32)).astype(np.float64)
    for n in range(N):
        ignored: set[int] = set()
        for t in range(T1):
            ego_poly = shapely.Polygon(ego_corners[n, t])
            for m in range(M):
                if m in ignored or not ego_poly.intersects(shapely.Polygon(agent_corners[m, t])):
                    continue
                speed = (
                    np.hypot(*(agents[m, min(t + 1, T1 - 1), :2] - agents[m, min(t, T1 - 2), :2]))
                    / DT
                )
                yaw = states[n, t, 2]
                rear = states[n, t, :2] - CAR.rear_axle_to_center * np.array(
                    [np.cos(yaw), np.sin(yaw)]
                )
                to = agents[m, t, :2] - rear
                angle = np.arccos(
                    np.clip(np.dot([np.cos(yaw), np.sin(yaw)], to / np.linalg.norm(to)), -1, 1)
                )
                front = shapely.LineString([ego_corners[n, t, 0], ego_corners[n, t, 3]])
                if states[n, t, 3] <= 0.05:
                    kind = CollisionType.STOPPED_EGO
                elif types[m] == AgentType.OBJECT or speed <= 0.05:
                    kind = CollisionType.STOPPED_TRACK
                elif angle > math.radians(150):
                    kind = CollisionType.ACTIVE_REAR
                elif front.intersects(shapely.Polygon(agent_corners[m, t])):
                    kind = CollisionType.ACTIVE_FRONT
                else:
                    kind = CollisionType.ACTIVE_LATERAL
                if kinds[n, m] < 0:
                    kinds[n, m] = kind
                lateral_fault = kind == CollisionType.ACTIVE_LATERAL and (
                    (vru_lateral_at_fault and types[m] in (AgentType.PEDESTRIAN, AgentType.BICYCLE))
                    or areas[n, t] & 3
                )
                if (
                    kind in (CollisionType.STOPPED_TRACK, CollisionType.ACTIVE_FRONT)
                    or lateral_fault
                ):
                    score[n] = min(score[n], 0.5 if types[m] == AgentType.OBJECT else 0.0)
                    first[n] = t if first[n] < 0 else min(first[n], t)
                else:
                    ignored.add(m)
    return kinds, score, first


def test_matches_pdm_closeds_loop_on_random_scenes(rng: np.random.Generator) -> None:
    road = two_way_road()
    N, M = 60, 12
    states = np.zeros((N, T + 1, 6), np.float32)
    yaw0 = rng.choice([0.0, math.pi], N) + rng.normal(0, 0.2, N)
    speed = rng.uniform(0, 12, N) * (rng.random(N) > 0.1)
    rate = rng.normal(0, 0.03, N)
    for n in range(N):
        yaw = yaw0[n] + rate[n] * np.arange(T + 1)
        states[n, :, 0] = 100 + np.cumsum(speed[n] * DT * np.cos(yaw)) - speed[n] * DT
        states[n, :, 1] = rng.uniform(-3, 3) + np.cumsum(speed[n] * DT * np.sin(yaw)) * 0.3
        states[n, :, 2] = yaw
        states[n, :, 3] = speed[n]
    agents = np.zeros((M, T + 1, 3), np.float32)
    a_yaw = rng.choice([0.0, math.pi], M) + rng.normal(0, 0.1, M)
    a_speed = rng.uniform(0, 12, M) * (rng.random(M) > 0.3)
    for m in range(M):
        t = np.arange(T + 1) * DT
        agents[m, :, 0] = rng.uniform(80, 130) + a_speed[m] * t * np.cos(a_yaw[m])
        agents[m, :, 1] = rng.uniform(-3, 3) + a_speed[m] * t * np.sin(a_yaw[m])
        agents[m, :, 2] = a_yaw[m]
    extent = np.tile(np.array([4.5, 1.9], np.float32), (M, 1))
    types = rng.choice([0, 0, 0, 1, 2, 3], M).astype(np.int32)
    hits = trajcore.check_collisions(states, EXTENT, agents[:, None], extent)
    areas = trajcore.ego_areas(states, EXTENT, road)
    for lateral in (False, True):
        r = trajcore.at_fault_collisions(
            states,
            areas,
            agents[:, None],
            extent,
            types,
            hits.agent_first_step,
            params=CAR,
            dt=DT,
            vru_lateral_at_fault=lateral,
        )
        kinds, score, first = reference_types(states, areas, agents, extent, types, lateral)
        np.testing.assert_array_equal(r.collision_type[:, :, 0], kinds)
        np.testing.assert_array_equal(r.score, score)
        np.testing.assert_array_equal(r.first_step, first)
        seen = set(kinds[kinds >= 0].tolist())
        assert len(seen) >= 4, seen
    assert CollisionType.ACTIVE_LATERAL in seen


def test_errors() -> None:
    ego = straight(0, -1.75, 10.0)[None]
    agents = straight(20, -1.75, 0.0)[None, None, :, :3].copy()
    extent = np.array([[4.5, 1.9]], np.float32)
    areas = np.zeros((1, T + 1), np.int32)
    first = np.zeros((1, 1, 1), np.int32)
    call = dict(params=CAR, dt=DT)
    with pytest.raises(ValueError, match=r"agent_type\[0\] is 7, expected 0 \(vehicle\)"):
        trajcore.at_fault_collisions(
            ego, areas, agents, extent, np.array([7], np.int32), first, **call
        )
    with pytest.raises(ValueError, match=r"agent_first_step has shape \(1, 2, 1\)"):
        trajcore.at_fault_collisions(
            ego, areas, agents, extent, np.zeros(1, np.int32), np.zeros((1, 2, 1), np.int32), **call
        )
    with pytest.raises(ValueError, match=r"agent_first_step\[0, 0, 0\] is 41"):
        trajcore.at_fault_collisions(
            ego, areas, agents, extent, np.zeros(1, np.int32), first + 41, **call
        )
    with pytest.raises(ValueError, match=r"areas has shape \(1, 40\)"):
        trajcore.at_fault_collisions(
            ego, areas[:, :-1].copy(), agents, extent, np.zeros(1, np.int32), first, **call
        )
    with pytest.raises(TypeError, match="agent_type has dtype int64, expected int32"):
        trajcore.at_fault_collisions(
            ego, areas, agents, extent, np.zeros(1, np.int64), first, **call
        )
    with pytest.raises(ValueError, match="dt is 0"):
        trajcore.at_fault_collisions(
            ego, areas, agents, extent, np.zeros(1, np.int32), first, params=CAR, dt=0.0
        )


def test_nuplan_counts_collisions_per_class() -> None:
    # Two cones ahead in the ego's lane (one behind the other): PDM-Closed's worst collision
    # scores 0.5, nuPlan's counts 1 - 2 / (1 + 1) = 0; one cone: 0.5 either way; a cone and a
    # stopped car: 0 either way.
    lane = -1.75
    ego = straight(0, lane, 10.0)
    cone_a = straight(10.0, lane, 0.0)
    cone_b = straight(14.0, lane, 0.0)
    car = straight(20.0, lane, 0.0)
    cones = np.array([AgentType.OBJECT, AgentType.OBJECT])
    assert score_scene(ego, [cone_a, cone_b], cones).score[0] == 0.5
    assert score_scene(ego, [cone_a, cone_b], cones, scoring="nuplan_counts").score[0] == 0.0
    assert score_scene(ego, [cone_a], [AgentType.OBJECT], scoring="nuplan_counts").score[0] == 0.5
    mixed = score_scene(ego, [cone_a, car], [AgentType.OBJECT, 0], scoring="nuplan_counts")
    assert mixed.score[0] == 0.0
    with pytest.raises(ValueError, match="scoring is 'sum'"):
        score_scene(ego, [cone_a], [AgentType.OBJECT], scoring="sum")
