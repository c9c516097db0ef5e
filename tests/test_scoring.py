"""score(): each sub-score equals its metric function, the totals equal PDM-Closed's aggregation
written out in numpy (and NAVSIM PDMS's), a hand-derived three-candidate scene, profiles and
errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.typing import NDArray

import trajcore
from trajcore import (
    AgentType,
    CollisionType,
    Lane,
    ReferenceLine,
    RoadMap,
    ScoringProfile,
    VehicleParams,
)
from trajcore.synthetic import highway_scene

CAR = VehicleParams.passenger_car()
DT = 0.1


def highway_map() -> tuple[RoadMap, ReferenceLine]:
    lanes = [
        Lane(
            np.array([[-300.0, y], [600.0, y]]),
            np.array([[-300.0, y + 1.85], [600.0, y + 1.85]]),
            np.array([[-300.0, y - 1.85], [600.0, y - 1.85]]),
            30.0,
        )
        for y in (0.0, 3.7, 7.4)
    ]
    return RoadMap(lanes), ReferenceLine(np.array([[-300.0, 3.7], [600.0, 3.7]]), smoothing=0.0)


def aggregate(
    sub: dict[str, NDArray], p: ScoringProfile, reference: float | None = None
) -> NDArray:
    """PDM-Closed's _aggregate_scores (pdm_scorer.py), generalised to the profile's switches."""
    gates = np.ones_like(sub["no_collision"], dtype=np.float64)
    for on, name in (
        (p.gate_collision, "no_collision"),
        (p.gate_drivable_area, "drivable_area"),
        (p.gate_driving_direction, "driving_direction"),
        (p.gate_safe_distance, "safe_distance"),
    ):
        if on:
            gates = gates * sub[name]
    raw = sub["progress_m"].astype(np.float64)
    raw = np.maximum(raw, 0) if p.clip_progress else raw
    gated = raw * gates
    best = gated.max() if reference is None else max(gated.max(), reference)
    if best > p.progress_threshold:
        progress = gated / best
        progress = np.clip(progress, 0, 1) if p.clip_progress else progress
    else:
        progress = np.where(gates == 0, 0.0, 1.0)
    weights = p.weight_progress + p.weight_ttc + p.weight_comfort + p.weight_speed_limit
    speed = sub["speed_limit"] if p.weight_speed_limit > 0 else 0.0
    weighted = (
        p.weight_progress * progress
        + p.weight_ttc * sub["ttc"]
        + p.weight_comfort * sub["comfort"]
        + p.weight_speed_limit * speed
    ) / weights
    return gates * weighted


def with_margins(extent: NDArray, types: NDArray, p: ScoringProfile) -> NDArray:
    """Agent extents grown by the profile's margins by class (docs/scoring.md)."""
    large = extent[..., 0] > p.large_vehicle_length
    margin = np.select(
        [(types == 0) & large, types == 0, types == 1, types == 2, types == 3],
        [p.margin_large_vehicle, p.margin_vehicle, p.margin_pedestrian, p.margin_bicycle,
         p.margin_object],
    )  # fmt: skip
    return (extent + 2 * margin[..., None]).astype(np.float32)


@pytest.mark.parametrize("name", ["pdm_closed", "navsim_pdms", "trajcore_default"])
def test_sub_scores_are_the_metrics_and_totals_pdms_aggregation(name: str) -> None:
    s = highway_scene(n_candidates=200, n_agents=24, n_modes=3, steps=40)
    road, centre = highway_map()
    types = np.random.default_rng(0).choice([0, 0, 1, 2, 3], 24).astype(np.int32)
    extent = CAR.length, CAR.width
    r = trajcore.score(
        s.ego,
        s.agents,
        s.agent_extent,
        types,
        params=CAR,
        dt=DT,
        road_map=road,
        centerline=centre,
        agent_prob=s.agent_prob,
        agent_valid=s.agent_valid,
        profile=name,
    )
    p = ScoringProfile.named(name)
    grown = with_margins(s.agent_extent, types, p)
    areas = trajcore.ego_areas(s.ego, extent, road, drivable_tolerance=p.drivable_tolerance)
    np.testing.assert_array_equal(r.areas, areas)
    np.testing.assert_array_equal(r.drivable_area, trajcore.drivable_area_compliance(areas).score)
    ddc = trajcore.driving_direction_compliance(s.ego, areas=areas, rule="off_route", window=0)
    np.testing.assert_array_equal(r.driving_direction, ddc.score)
    hits = trajcore.check_collisions(
        s.ego, np.array(extent, np.float32), s.agents, grown, s.agent_prob, s.agent_valid
    )
    af = trajcore.at_fault_collisions(
        s.ego,
        areas,
        s.agents,
        grown,
        types,
        hits.agent_first_step,
        params=CAR,
        dt=DT,
        agent_prob=s.agent_prob,
    )
    ttc = trajcore.time_to_collision(
        s.ego,
        areas,
        s.agents,
        grown,
        params=CAR,
        dt=DT,
        agent_prob=s.agent_prob,
        agent_valid=s.agent_valid,
    )
    if p.use_probabilities:
        np.testing.assert_allclose(r.no_collision, 1 - af.at_fault_prob, atol=1e-6)
        np.testing.assert_allclose(r.ttc, 1 - ttc.violation_prob, atol=1e-6)
    else:
        np.testing.assert_array_equal(r.no_collision, af.score)
        np.testing.assert_array_equal(r.ttc, ttc.score)
    np.testing.assert_array_equal(r.collision_step, af.first_step)
    np.testing.assert_array_equal(r.collision_type, af.collision_type)
    np.testing.assert_array_equal(r.comfort, trajcore.comfort(s.ego, DT, p.comfort).score)
    sd = trajcore.safe_distance(
        s.ego,
        s.agents,
        grown,
        params=CAR,
        dt=DT,
        agent_prob=s.agent_prob,
        agent_valid=s.agent_valid,
        rule=p.safe_distance,
    )
    if not p.gate_safe_distance:
        np.testing.assert_array_equal(r.safe_distance, 1.0)
        np.testing.assert_array_equal(r.safe_distance_step, -1)
    else:
        np.testing.assert_allclose(r.safe_distance, 1 - sd.violation_prob, atol=1e-6)
        np.testing.assert_array_equal(r.safe_distance_step, sd.first_step)
    xs = s.ego[:, [0, -1], 0].astype(np.float64) + 300.0
    np.testing.assert_allclose(r.progress_m, np.clip(xs, 0, 900) @ [-1, 1], atol=1e-3)
    if p.weight_speed_limit > 0:
        limit = trajcore.speed_limit_compliance(s.ego, road, max_overspeed=p.max_overspeed)
        np.testing.assert_array_equal(r.speed_limit, limit.score)
    sub = {
        k: getattr(r, k)
        for k in (
            "no_collision",
            "drivable_area",
            "driving_direction",
            "progress_m",
            "ttc",
            "comfort",
            "safe_distance",
            "speed_limit",
        )
    }
    np.testing.assert_allclose(r.total, aggregate(sub, p), atol=1e-5)
    assert 0 < (r.total > 0).mean() < 1


def straight(y0: float, speed: float, dy: float = 0.0, decel: float = 0.0) -> NDArray:
    t = np.arange(41) * DT
    v = np.maximum(speed - decel * t, 0)
    st = np.zeros((41, 6), np.float32)
    st[:, 0] = np.concatenate([[0], np.cumsum(v[:-1] * DT)])
    st[:, 1] = y0 + dy * np.arange(41)
    st[:, 3] = v
    st[:, 4] = np.where(v > 0, -decel, 0)
    return st


def test_hand_derived_three_candidates() -> None:
    # A keeps its lane at 10 m/s (40 m); B drifts off the road (DAC 0); C brakes at 4.5 m/s^2
    # (below nuPlan's -4.05 bound: comfort 0) and covers 0.5 * 10 * 2.2 ~ 11.1 m. No agents.
    road, centre = highway_map()
    states = np.stack(
        [straight(3.7, 10.0), straight(3.7, 10.0, dy=0.15), straight(3.7, 10.0, decel=4.5)]
    )
    none = np.zeros((0, 1, 41, 3), np.float32)
    r = trajcore.score(
        states,
        none,
        np.zeros((0, 2), np.float32),
        np.zeros(0, np.int32),
        params=CAR,
        dt=DT,
        road_map=road,
        centerline=centre,
    )
    np.testing.assert_array_equal(r.drivable_area, [1, 0, 1])
    np.testing.assert_array_equal(r.comfort, [1, 1, 0])
    np.testing.assert_array_equal(r.no_collision, [1, 1, 1])
    np.testing.assert_array_equal(r.ttc, [1, 1, 1])
    a, c = r.progress_m[0], r.progress_m[2]
    assert a == pytest.approx(40.0, abs=1e-3)  # 40 steps of 1 m
    np.testing.assert_allclose(r.progress, [1.0, 0.0, c / a], atol=1e-6)
    np.testing.assert_allclose(r.total, [1.0, 0.0, (5 * c / a + 5) / 12], atol=1e-6)
    # B leaves the road at the step its left corners pass y = 9.25 (outer edge of the 3 lanes).
    first = int(np.argmax(states[1, :, 1] + CAR.width / 2 > 9.25))
    assert r.drivable_area_step[1] == first


def test_profiles_and_overrides() -> None:
    p = ScoringProfile.named("navsim_pdms")
    assert not p.gate_driving_direction and p.progress_threshold == 5.0
    assert dataclasses.replace(p, weight_comfort=0.0).weight_comfort == 0.0
    with pytest.raises(ValueError, match="profile is 'nuplan'"):
        ScoringProfile.named("nuplan")
    with pytest.raises(ValueError, match=r"profile\.weight_ttc is -1"):
        ScoringProfile(weight_ttc=-1.0)
    with pytest.raises(ValueError, match="weights are all 0"):
        ScoringProfile(weight_ttc=0.0, weight_progress=0.0, weight_comfort=0.0)
    road, centre = highway_map()
    states = straight(3.7, 10.0)[None]
    none = np.zeros((0, 1, 41, 3), np.float32)
    args = (states, none, np.zeros((0, 2), np.float32), np.zeros(0, np.int32))
    kw = dict(params=CAR, dt=DT, road_map=road, centerline=centre)
    with pytest.raises(ValueError, match=r"unknown profile fields \['weight_speed'\]"):
        trajcore.score(*args, **kw, weight_speed=1.0)
    r = trajcore.score(*args, **kw, profile="navsim_pdms", weight_comfort=0.0)
    assert r.total[0] == pytest.approx(1.0)
    # A reference progress larger than the candidate's scales its progress (NAVSIM's batch).
    r = trajcore.score(*args, **kw, profile="navsim_pdms", progress_reference=np.float32(80.0))
    assert r.progress[0] == pytest.approx(0.5, abs=1e-4)


def test_margins_by_class_keep_a_buffer() -> None:
    """trajcore_default grows each agent's box by its class margin in the checks: a candidate
    passing a standing pedestrian 0.4 m away collides in it (margin 0.5 m), not in pdm_closed;
    the same gap to a car (0.2 m) is kept."""
    road, centre = highway_map()
    ego = np.zeros((1, 41, 6), np.float32)
    ego[0, :, 0] = 10.0 * np.arange(41) * DT
    ego[0, :, 1] = 3.7
    ego[0, :, 3] = 10.0
    beside = 3.7 + CAR.width / 2 + 0.4 + 0.35  # 0.4 m gap to a 0.7 m pedestrian box
    agents = np.zeros((1, 1, 41, 3), np.float32)
    agents[..., 0], agents[..., 1] = 20.0, beside
    kwargs = dict(params=CAR, dt=DT, road_map=road, centerline=centre)
    for kind, extent, hit in ((1, [0.7, 0.7], True), (0, [4.6, 0.7], False)):
        for name in ("trajcore_default", "pdm_closed"):
            r = trajcore.score(
                ego, agents, np.float32([extent]), np.int32([kind]), profile=name, **kwargs
            )
            collides = r.collision_step[0] >= 0
            assert collides == (hit and name == "trajcore_default"), (kind, name)
    with pytest.raises(ValueError, match=r"^profile.margin_pedestrian is -1"):
        ScoringProfile(margin_pedestrian=-1.0)


def test_the_planner_profile_blames_the_ego_for_a_sideways_contact() -> None:
    """A cyclist rides alongside, 0.5 m off the ego's side; the ego drifts towards it inside its
    own lane. nuPlan's and PDM-Closed's rule: a lateral contact in one lane is not at fault, so
    pdm_closed lets that candidate through; trajcore_default counts every lateral contact of the
    moving ego with a pedestrian or cyclist (collision_vru_lateral_at_fault) and rejects it, at
    the step the boxes (with its 0.4 m bicycle margin) meet; a car there it leaves to nuPlan's
    rule."""
    road, centre = highway_map()
    ego = np.zeros((1, 41, 6), np.float32)
    ego[0, :, 0] = 10.0 * np.arange(41) * DT
    ego[0, :, 1] = 3.7 + 0.03 * np.arange(41)  # 1.2 m sideways over 4 s, its box in its lane
    ego[0, :, 3] = 10.0
    cyclist = np.zeros((1, 1, 41, 3), np.float32)
    cyclist[..., 0] = ego[0, :, 0] + 0.5
    cyclist[..., 1] = 3.7 + CAR.width / 2 + 0.5 + 0.35  # its 0.7 m box 0.5 m off the ego's side
    kwargs = dict(params=CAR, dt=DT, road_map=road, centerline=centre)
    extent, kind = np.float32([[1.8, 0.7]]), np.int32([AgentType.BICYCLE])
    pdm = trajcore.score(ego, cyclist, extent, kind, profile="pdm_closed", **kwargs)
    assert pdm.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL
    assert pdm.no_collision[0] == 1.0 and pdm.collision_step[0] == -1
    ours = trajcore.score(ego, cyclist, extent, kind, profile="trajcore_default", **kwargs)
    assert ours.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL
    assert ours.no_collision[0] == 0.0 and ours.total[0] == 0.0
    assert ours.collision_step[0] == 4  # 0.1 m of drift closes the gap less the margin
    profile = dataclasses.replace(
        ScoringProfile.named("trajcore_default"), collision_vru_lateral_at_fault=False
    )
    assert (
        trajcore.score(ego, cyclist, extent, kind, profile=profile, **kwargs).no_collision[0] == 1
    )
    car = np.int32([AgentType.VEHICLE])
    r = trajcore.score(ego, cyclist, extent, car, profile="trajcore_default", **kwargs)
    assert r.collision_type[0, 0, 0] == CollisionType.ACTIVE_LATERAL and r.no_collision[0] == 1
