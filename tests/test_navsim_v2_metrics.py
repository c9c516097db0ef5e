"""NAVSIM v2's metrics: lane keeping, traffic-light compliance and extended comfort against
re-derivations of navsim's pdm_scorer / pdm_comfort_metrics (shapely, scipy), plus the EPDMS and
nuPlan profiles' input requirements."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from numpy.typing import NDArray
from scipy.signal import savgol_filter

import trajcore
from test_collision_metrics import CAR, DT, EXTENT, T, straight
from test_map_metrics import two_way_road
from trajcore import EgoArea, ExtendedComfortParams, ReferenceLine


def wavy(rng: np.random.Generator, n: int) -> NDArray:
    """n trajectories along +x near y = -1.75 with random lateral waves and speeds."""
    st = np.zeros((n, T + 1, 6), np.float32)
    t = np.arange(T + 1) * DT
    for i in range(n):
        v = rng.uniform(3, 15)
        amp, freq = rng.uniform(0, 1.5), rng.uniform(0.2, 1.0)
        st[i, :, 0] = 80 + v * t
        st[i, :, 1] = -1.75 + rng.uniform(-0.8, 0.8) + amp * np.sin(2 * np.pi * freq * t)
        st[i, :, 2] = np.arctan2(amp * 2 * np.pi * freq * np.cos(2 * np.pi * freq * t), v)
        st[i, :, 3] = v
        st[i, :, 4] = rng.normal(0, 1.0) + rng.normal(0, 0.5) * np.sin(3 * t)
    return st


def test_lane_keeping_matches_navsims_loop(rng: np.random.Generator) -> None:
    road = two_way_road()
    states = wavy(rng, 60)
    states[:, :, 1] += rng.uniform(-0.6, 0.6, (60, 1)).astype(np.float32)
    areas = trajcore.ego_areas(states, EXTENT, road)
    # Mark a stretch as in an intersection: those steps neither count nor reset the run.
    areas[:, 15:20] |= EgoArea.IN_INTERSECTION
    centre = np.array([[0.0, -1.75], [300.0, -1.75]])
    r = trajcore.lane_keeping(states, areas, ReferenceLine(centre, smoothing=0.0), dt=DT)
    line = shapely.LineString(centre)
    need = math.ceil(2.0 / DT)
    for n in range(len(states)):
        run, failed = 0, -1
        for t in range(T + 1):
            if areas[n, t] & EgoArea.IN_INTERSECTION:
                continue
            run = run + 1 if line.distance(shapely.Point(states[n, t, :2])) > 0.5 else 0
            if run >= need:
                failed = t
                break
        assert r.first_step[n] == failed, n
        assert r.score[n] == (0.0 if failed >= 0 else 1.0)
    assert 0.05 < r.score.mean() < 0.95


def test_lane_keeping_bridges_intersections() -> None:
    road = two_way_road()
    ego = straight(0, -1.75 + 0.8, 10.0)[None]  # 0.8 m off the centreline throughout
    areas = trajcore.ego_areas(ego, EXTENT, road)
    line = ReferenceLine(np.array([[-50.0, -1.75], [300.0, -1.75]]), smoothing=0.0)
    assert trajcore.lane_keeping(ego, areas, line, dt=DT).first_step[0] == 19
    areas[:, 10:30] |= EgoArea.IN_INTERSECTION  # 10 counted steps, 20 skipped, 10 more
    assert trajcore.lane_keeping(ego, areas, line, dt=DT).first_step[0] == 39
    with pytest.raises(ValueError, match=r"areas has shape \(1, 3\)"):
        trajcore.lane_keeping(ego, areas[:, :3], line, dt=DT)


def test_traffic_lights_match_shapely(rng: np.random.Generator) -> None:
    road = two_way_road()
    states = wavy(rng, 40)
    states[:, :, 1] += rng.uniform(-2.5, 2.5, (40, 1)).astype(np.float32)
    lane_polygons = [
        shapely.Polygon(np.concatenate([lane.left, lane.right[::-1]])) for lane in road.lanes
    ]
    # Lane 1 (the westbound lane, y > 0) red for the first 10 steps; -1 pads the rows.
    red = np.full((T + 1, 2), -1, np.int32)
    red[:10, 1] = 1
    r = trajcore.traffic_light_compliance(states, EXTENT, road, red)
    for n in range(len(states)):
        first = -1
        for t in range(T + 1):
            box = np.array([*states[n, t, :3], *EXTENT], np.float32)
            ego = shapely.Polygon(trajcore.box_corners(box))
            if any(lane >= 0 and ego.intersects(lane_polygons[lane]) for lane in red[t]):
                first = t
                break
        assert r.first_step[n] == first, n
    assert 0.1 < r.score.mean() < 0.9
    with pytest.raises(ValueError, match=r"red_lights\[0, 0\] is 9, expected -1 or a lane index"):
        trajcore.traffic_light_compliance(states, EXTENT, road, np.full((T + 1, 1), 9, np.int32))
    with pytest.raises(ValueError, match=r"red_lights has shape \(3, 1\)"):
        trajcore.traffic_light_compliance(states, EXTENT, road, np.zeros((3, 1), np.int32))


def navsim_features(states: NDArray) -> list[NDArray]:
    """pdm_comfort_metrics.extract_features: acceleration, jerk, yaw rate, yaw acceleration."""
    n = states.shape[-2]
    accel = np.round(savgol_filter(np.abs(states[..., 4]), min(8, n), 2, axis=-1), 8)
    jerk = np.round(savgol_filter(accel, min(15, n), 2, deriv=1, delta=DT, axis=-1), 8)
    yaw = np.unwrap(states[..., 2], axis=-1)
    rate = np.round(savgol_filter(yaw, min(5, n), 2, deriv=1, delta=DT, axis=-1), 8)
    rate2 = np.round(savgol_filter(yaw, min(5, n), 2, deriv=2, delta=DT, axis=-1), 8)
    return [accel, jerk, rate, rate2]


def test_extended_comfort_matches_navsims_formula(rng: np.random.Generator) -> None:
    states = wavy(rng, 50).astype(np.float64)
    previous = wavy(rng, 1)[0].astype(np.float64)
    previous[:, 4] = states[:, :, 4].mean(0)  # near some candidates, far from others
    shift = 5
    got = trajcore.extended_comfort(
        states.astype(np.float32), previous.astype(np.float32), shift=shift, dt=DT
    )
    mine = navsim_features(states.astype(np.float32).astype(np.float64)[:, : T + 1 - shift])
    theirs = navsim_features(previous.astype(np.float32).astype(np.float64)[None, shift:])
    bounds = (0.7, 0.5, 0.1, 0.1)
    want = np.ones(len(states))
    for a, b, bound in zip(mine, theirs, bounds, strict=True):
        want *= np.sqrt(np.mean((a - b) ** 2, axis=-1)) <= bound
    np.testing.assert_array_equal(got, want.astype(np.float32))
    # The same trajectory is always consistent with itself; a tighter bound can only fail more.
    same = trajcore.extended_comfort(
        states[:1].astype(np.float32), states[0].astype(np.float32), shift=0, dt=DT
    )
    assert same[0] == 1
    strict = trajcore.extended_comfort(
        states.astype(np.float32),
        previous.astype(np.float32),
        shift=shift,
        dt=DT,
        params=ExtendedComfortParams(max_rms_accel=0.0),
    )
    assert np.all(strict <= got)
    with pytest.raises(ValueError, match=r"previous has shape \(3, 6\)"):
        trajcore.extended_comfort(
            states.astype(np.float32), previous[:3].astype(np.float32), shift=0, dt=DT
        )
    with pytest.raises(ValueError, match="shift is -1"):
        trajcore.extended_comfort(
            states.astype(np.float32), previous.astype(np.float32), shift=-1, dt=DT
        )


def scene_args(states: NDArray) -> dict:
    road = two_way_road()
    return dict(
        states=states,
        agents=np.zeros((0, 1, T + 1, 3), np.float32),
        agent_extent=np.zeros((0, 2), np.float32),
        agent_type=np.zeros(0, np.int32),
        params=CAR,
        dt=DT,
        road_map=road,
        centerline=ReferenceLine(np.array([[-50.0, -1.75], [300.0, -1.75]]), smoothing=0.0),
    )


def test_history_comfort_sees_the_past() -> None:
    cruise = straight(0, -1.75, 10.0)
    # A past that brakes hard into the present: the candidate alone is comfortable, the
    # history-prefixed series is not (its infraction lies in the history: step 0).
    history = straight(-20, -1.75, 10.0)[:20].copy()
    history[:, 4] = -6.0
    args = scene_args(cruise[None])
    alone = trajcore.score(**args, profile="navsim_epdms", expert=cruise, human_filter=False)
    prefixed = trajcore.score(
        **args, profile="navsim_epdms", expert=cruise, history=history, human_filter=False
    )
    assert alone.comfort[0] == 1 and prefixed.comfort[0] == 0 and prefixed.comfort_step[0] == 0
    # pdm_closed ignores the history.
    assert trajcore.score(**args, history=history).comfort[0] == 1
    with pytest.raises(ValueError, match=r"history has shape \(20, 5\)"):
        trajcore.score(**args, history=history[:, :5].copy(), profile="navsim_epdms", expert=cruise)


def test_profiles_name_their_missing_inputs() -> None:
    args = scene_args(straight(0, -1.75, 10.0)[None])
    with pytest.raises(ValueError, match="progress_rule is expert_ratio, which needs expert"):
        trajcore.score(**args, profile="nuplan_cls")
    with pytest.raises(ValueError, match="human_filter needs expert"):
        trajcore.score(**args, profile="navsim_epdms")
    with pytest.raises(ValueError, match="gate_making_progress needs expert"):
        trajcore.score(**args, gate_making_progress=True)
    with pytest.raises(ValueError, match=r"expert has shape \(3, 6\)"):
        trajcore.score(**args, profile="nuplan_cls", expert=straight(0, -1.75, 10.0)[:3])
    with pytest.raises(ValueError, match=r"profile\.weight_lane_keeping is -1"):
        trajcore.score(**args, weight_lane_keeping=-1.0)
    with pytest.raises(ValueError, match=r"profile\.lane_keeping_window is 0"):
        trajcore.score(**args, lane_keeping_window=0.0)
    with pytest.raises(ValueError, match="profile is 'nuplan', expected one of"):
        trajcore.score(**args, profile="nuplan")


def test_lane_meets_convex_matches_shapely(rng: np.random.Generator) -> None:
    road = two_way_road()
    lanes = [shapely.Polygon(np.concatenate([lane.left, lane.right[::-1]])) for lane in road.lanes]
    hits = 0
    for _ in range(300):
        box = np.array(
            [rng.uniform(-20, 320), rng.uniform(-8, 8), rng.uniform(-np.pi, np.pi), 4.0, 1.8],
            np.float32,
        )
        corners = trajcore.box_corners(box).astype(np.float64)
        for i, lane in enumerate(lanes):
            want = lane.intersects(shapely.Polygon(corners))
            assert road.lane_meets_convex(i, corners) == want
            hits += want
    assert 100 < hits < 500
    # A box far inside a lane (no edges cross) and a lane inside a huge box both meet.
    assert road.lane_meets_convex(
        0, trajcore.box_corners(np.array([100, -1.75, 0, 1, 1], np.float32))
    )
    huge = np.array([[-1e4, -1e4], [1e4, -1e4], [1e4, 1e4], [-1e4, 1e4]])
    assert road.lane_meets_convex(1, huge)
    with pytest.raises(ValueError, match=r"lane is 5, expected a lane index in \[0, 2\)"):
        road.lane_meets_convex(5, huge)
    with pytest.raises(ValueError, match="has 2 vertices, expected at least 3"):
        road.lane_meets_convex(0, huge[:2])
