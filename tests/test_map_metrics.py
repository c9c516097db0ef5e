"""Map metrics: ego areas against shapely on the real Argoverse 2 map, drivable-area and
driving-direction compliance against hand-derived and brute-force references, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import shapely
from numpy.typing import NDArray

import trajcore
from real_lanes import argoverse_map_path
from trajcore import EgoArea, Lane, RoadMap
from trajcore.map_sources import road_map_from_argoverse2

CAR = (4.8, 1.95)


def two_way_road() -> RoadMap:
    """Eastbound lane 0 (y in [-3.5, 0]) and westbound lane 1 (y in [0, 3.5]), x in [0, 200]."""
    xs = np.array([0.0, 100.0, 200.0])
    east = np.stack([xs, np.full(3, -1.75)], -1)
    west = np.stack([xs[::-1], np.full(3, 1.75)], -1)
    half = np.array([0.0, 1.75])
    return RoadMap(
        [
            Lane(east, east + half, east - half, 15.0),
            Lane(west, west - half, west + half, 15.0),
        ]
    )


def drive(x0: float, y0: float, yaw: float, speed: float, steps: int, dy: float = 0.0):
    """(T+1, 6) states at constant velocity along yaw, drifting dy per step sideways."""
    t = np.arange(steps + 1)
    st = np.zeros((steps + 1, 6), np.float32)
    st[:, 0] = x0 + speed * 0.1 * t * math.cos(yaw)
    st[:, 1] = y0 + speed * 0.1 * t * math.sin(yaw) + dy * t
    st[:, 2] = yaw
    st[:, 3] = speed
    return st


def reference_ego_areas(
    road: RoadMap,
    states: NDArray[np.float32],
    extent: Any,
    route: list[int],
    tolerance: float,
) -> tuple[NDArray[np.int32], NDArray[np.bool_]]:
    """EgoArea bits of (n, >= 3) box-centre poses from shapely polygons, and where they are
    clear of every boundary (float rounding could decide the others either way)."""
    n = len(states)
    lane_polys = [
        shapely.Polygon(np.vstack([np.asarray(lane.left), np.asarray(lane.right)[::-1]]))
        for lane in road.lanes
    ]
    union = shapely.union_all(lane_polys)
    boxes = np.concatenate([states[:, :3], np.tile(extent, (n, 1))], -1).astype(np.float32)
    corners = trajcore.box_corners(boxes).astype(np.float64)  # (n, 4, 2)
    pts = shapely.points(corners)
    centre = shapely.points(states[:, :2].astype(np.float64))
    inside = np.stack([shapely.contains(p, pts) for p in lane_polys], -1)  # (n, 4, L)
    centre_in = np.stack([shapely.contains(p, centre) for p in lane_polys], -1)  # (n, L)
    edges = [p.exterior for p in lane_polys]
    near = np.min([shapely.distance(e, pts) for e in edges], 0).min(1)
    near_c = np.min([shapely.distance(e, centre) for e in edges], 0)
    off_dist = shapely.distance(union, pts)
    at_tolerance = (np.abs(off_dist - tolerance) < 1e-3) & (off_dist > 0)
    clear = (near > 1e-3) & (near_c > 1e-3) & ~at_tolerance.any(1)
    holds = inside.any(1)  # (n, L): lane holds some corner
    want = np.zeros(n, np.int32)
    want |= np.where((holds.sum(1) > 1) & ~inside.all(1).any(1), EgoArea.MULTIPLE_LANES, 0)
    want |= np.where((off_dist > tolerance).any(1), EgoArea.OFF_ROAD, 0)
    want |= np.where(~centre_in[:, route].any(1), EgoArea.OFF_ROUTE, 0)
    crossing = np.array([lane.in_intersection for lane in road.lanes])
    want |= np.where(centre_in[:, crossing].any(1), EgoArea.IN_INTERSECTION, 0)
    return want, clear


def test_ego_areas_against_shapely_on_a_real_map(rng: np.random.Generator) -> None:
    road = road_map_from_argoverse2(argoverse_map_path(), drivable_areas=False)
    route = sorted(rng.choice(road.lane_count, road.lane_count // 2, replace=False).tolist())
    n = 4000
    vertices = np.concatenate([np.asarray(lane.centerline) for lane in road.lanes])
    states = np.zeros((n, 6), np.float32)
    states[:, :2] = vertices[rng.integers(0, len(vertices), n)] + rng.normal(0, 2.5, (n, 2))
    states[:, 2] = rng.uniform(-np.pi, np.pi, n)
    for tolerance in (0.0, 0.3):
        areas = trajcore.ego_areas(
            states[:, None], CAR, road, route_lanes=route, drivable_tolerance=tolerance
        )[:, 0]
        want, clear = reference_ego_areas(road, states, CAR, route, tolerance)
        np.testing.assert_array_equal(areas[clear], want[clear])
        assert clear.mean() > 0.9
        for flag in EgoArea:  # every flag both set and unset in the sample
            assert 0 < np.mean(want[clear] & flag != 0) < 1, flag


def test_drivable_area_compliance_fails_at_the_step_a_corner_leaves() -> None:
    road = two_way_road()
    # Drifting left 0.05 m per step from the eastbound lane centre: the left corners (half
    # width 0.975 m) pass y = 3.5 (+ tolerance) at the step computed here.
    st = np.stack([drive(10, -1.75, 0.0, 10.0, 120, dy=0.05), drive(10, -1.75, 0.0, 10.0, 120)])
    for tolerance in (0.0, 0.3):
        areas = trajcore.ego_areas(st, CAR, road, drivable_tolerance=tolerance)
        r = trajcore.drivable_area_compliance(areas)
        first = math.floor((3.5 + tolerance - (-1.75 + 0.975)) / 0.05) + 1
        np.testing.assert_array_equal(r.first_step, [first, -1])
        np.testing.assert_array_equal(r.score, [0.0, 1.0])
        assert not (areas[0, :first] & EgoArea.OFF_ROAD).any()
        assert (areas[0, first:] & EgoArea.OFF_ROAD).all()


def nuplan_direction_reference(road: RoadMap, states: NDArray[np.float32], window: int) -> float:
    """nuPlan's bookkeeping (driving_direction_compliance.py), written out per step."""
    loc = road.locate_lanes(np.ascontiguousarray(states[:, :3]))
    progress, prev_lane, prev_s = [], None, None
    if loc.lane[0] >= 0:
        prev_lane = int(loc.lane[0])
    for lane, s in zip(loc.lane, loc.station[:, 0]):
        if lane < 0:
            progress.append(0.0)
        elif prev_lane is not None and lane == prev_lane:
            progress.append(float(s) - prev_s if prev_s is not None and s else 0.0)
            prev_s = float(s)
        else:
            prev_s = None
            progress.append(0.0)
            prev_lane = int(lane)
    sums = [sum(progress[max(0, i - window) : i + 1]) for i in range(len(progress))]
    return abs(min(min(sums), 0.0))


def test_driving_direction_lane_progress_rule(rng: np.random.Generator) -> None:
    road = two_way_road()
    # Westbound in the eastbound lane at 5 m/s for 3 s: 0.5 m backwards per step; nuPlan's 1 s
    # window sums 11 entries (steps i - 10 .. i), 5.5 m -> 0.5; at 15 m/s 16.5 m -> 0;
    # eastbound -> 1.
    st = np.stack(
        [
            drive(150, -1.75, math.pi, 5.0, 30),
            drive(150, -1.75, math.pi, 15.0, 30),
            drive(10, -1.75, 0.0, 15.0, 30),
        ]
    )
    r = trajcore.driving_direction_compliance(st, road_map=road)
    np.testing.assert_array_equal(r.score, [0.5, 0.0, 1.0])
    np.testing.assert_allclose(r.wrong_way, [5.5, 16.5, 0.0], atol=1e-3)
    # t = 0 adds 0, each later step 0.5 m: 2 m at step 4; at 15 m/s (1.5 m a step) at step 2.
    np.testing.assert_array_equal(r.first_step, [4, 2, -1])
    # Random wandering trajectories (lane changes, leaving lanes) against the written-out rule.
    n, steps = 60, 50
    x = rng.uniform(20, 180, (n, 1)) + np.cumsum(rng.normal(0, 1.0, (n, steps + 1)), 1)
    y = rng.uniform(-3, 3, (n, 1)) + np.cumsum(rng.normal(0, 0.3, (n, steps + 1)), 1)
    states = np.zeros((n, steps + 1, 6), np.float32)
    states[..., 0], states[..., 1] = x, y
    states[..., 2] = rng.choice([0.0, math.pi], (n, 1))
    r = trajcore.driving_direction_compliance(states, road_map=road, window=7)
    want = [nuplan_direction_reference(road, s, 7) for s in states]
    np.testing.assert_allclose(r.wrong_way, want, atol=1e-3)
    assert np.ptp(want) > 2.0


def test_driving_direction_off_route_rule() -> None:
    road = two_way_road()
    # Route: the eastbound lane. A car jumping into the westbound lane (3.5 m sideways) for 4
    # steps, back, and again: runs of about 5 m (PDM-Closed: 0.5) but 10 m within a 3 s window
    # (0 in the NAVSIM form).
    y = np.concatenate([np.full(5, -1.75), np.full(4, 1.75), np.full(3, -1.75), np.full(4, 1.75)])
    st = np.zeros((len(y), 6), np.float32)
    st[:, 0] = 10 + 0.5 * np.arange(len(y))
    st[:, 1] = y
    areas = trajcore.ego_areas(st, CAR, road, route_lanes=[0])
    off = (areas & EgoArea.OFF_ROUTE) != 0
    np.testing.assert_array_equal(off, y > 0)
    runs = trajcore.driving_direction_compliance(st, areas=areas, rule="off_route", window=0)
    steps = np.hypot(np.diff(st[:, 0]), np.diff(st[:, 1]))
    first_run = steps[4:8].sum()  # the entering step (diagonal) and 3 steps of 0.5 m
    assert runs.wrong_way == pytest.approx(first_run, abs=1e-4)
    assert runs.score == 0.5
    windowed = trajcore.driving_direction_compliance(st, areas=areas, rule="off_route", window=30)
    assert windowed.wrong_way == pytest.approx(first_run + steps[11:].sum(), abs=1e-4)
    assert windowed.score == 0.0


def test_errors() -> None:
    road = two_way_road()
    st = drive(10, -1.75, 0.0, 10.0, 20)
    with pytest.raises(ValueError, match=r"states has shape \(21, 2\)"):
        trajcore.ego_areas(st[:, :2].copy(), CAR, road)
    with pytest.raises(
        ValueError, match=r"route_lanes\[0\] is 5, expected a lane index in \[0, 2\)"
    ):
        trajcore.ego_areas(st, CAR, road, route_lanes=[5])
    with pytest.raises(ValueError, match=r"drivable_tolerance is -0\.1"):
        trajcore.ego_areas(st, CAR, road, drivable_tolerance=-0.1)
    with pytest.raises(ValueError, match=r"ego_extent is \(0, 2\)"):
        trajcore.ego_areas(st, (0.0, 2.0), road)
    bad = st.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"states\[3, 1\] is nan"):
        trajcore.ego_areas(bad, CAR, road)
    with pytest.raises(TypeError, match="areas has dtype float32, expected int32"):
        trajcore.drivable_area_compliance(np.zeros(5, np.float32))
    with pytest.raises(ValueError, match="road_map is None"):
        trajcore.driving_direction_compliance(st)
    with pytest.raises(ValueError, match="areas is None"):
        trajcore.driving_direction_compliance(st, rule="off_route")
    with pytest.raises(ValueError, match="window is 0"):
        trajcore.driving_direction_compliance(st, road_map=road, window=0)
    with pytest.raises(ValueError, match=r"areas has shape \(20,\), expected \(21,\)"):
        trajcore.driving_direction_compliance(st, areas=np.zeros(20, np.int32), rule="off_route")
    with pytest.raises(ValueError, match="rule is 'nuplan'"):
        trajcore.driving_direction_compliance(st, road_map=road, rule="nuplan")  # type: ignore[arg-type]


def test_speed_limit_compliance_by_hand() -> None:
    road = two_way_road()  # both lanes limited to 15 m/s
    st = np.stack([drive(10, -1.75, 0.0, 17.0, 40), drive(10, -1.75, 0.0, 16.0, 40)])
    st[1, 21:, 3] = 14.0  # 1 m/s over for steps 0..20, then under
    r = trajcore.speed_limit_compliance(st, road)
    # nuPlan: 1 - sum(overspeed) / (2.23 m/s x T), T = 40 steps.
    np.testing.assert_allclose(r.score, [1 - 82 / (2.23 * 40), 1 - 21 / (2.23 * 40)], atol=1e-5)
    np.testing.assert_array_equal(r.first_step, [0, 0])
    np.testing.assert_allclose(r.max_overspeed, [2.0, 1.0], atol=1e-5)
    loose = trajcore.speed_limit_compliance(st, road, max_overspeed=100.0)
    assert loose.score[0] == pytest.approx(1 - 82 / (100 * 40), abs=1e-6)


def test_speed_limit_in_an_intersection_takes_the_largest_neighbour() -> None:
    # Lane 0 (10 m/s) -> connector 1 (in an intersection, no limit) -> lane 2 (20 m/s), along x.
    def lane(x0: float, x1: float, limit: float, successors=(), crossing=False) -> Lane:
        c = np.array([[x0, 0.0], [x1, 0.0]])
        half = np.array([0.0, 1.75])
        return Lane(c, c + half, c - half, limit, successors, crossing)

    road = RoadMap(
        [lane(0, 50, 10.0, (1,)), lane(50, 70, math.nan, (2,), True), lane(70, 200, 20.0)]
    )
    assert road.predecessors(1) == [0] and road.successors(1) == [2]
    st = np.zeros((3, 2, 6), np.float32)
    st[:, :, 0] = [[20, 20], [60, 60], [60, 60]]
    st[:, :, 3] = [[12, 12], [15, 15], [25, 25]]
    r = trajcore.speed_limit_compliance(st, road)
    np.testing.assert_allclose(r.max_overspeed, [2.0, 0.0, 5.0], atol=1e-5)
    # A lane without a limit does not count.
    unknown = RoadMap([lane(0, 50, math.nan)])
    assert trajcore.speed_limit_compliance(st[:1], unknown).score[0] == 1


def test_speed_limit_compliance_on_a_real_map(rng: np.random.Generator) -> None:
    from commonroad.common.file_reader import CommonRoadFileReader

    from real_lanes import commonroad_scenario_path
    from trajcore.map_sources import road_map_from_commonroad

    scene, _ = CommonRoadFileReader(str(commonroad_scenario_path("USA_Lanker-2_23_T-1.xml"))).open()
    road = road_map_from_commonroad(scene.lanelet_network)
    limits = np.array([lane.speed_limit for lane in road.lanes])
    crossing = np.array([lane.in_intersection for lane in road.lanes])
    predecessors = [
        [i for i, lane in enumerate(road.lanes) if k in lane.successors]
        for k in range(road.lane_count)
    ]
    vertices = np.concatenate([np.asarray(lane.centerline) for lane in road.lanes])
    n, steps = 60, 30
    states = np.zeros((n, steps + 1, 6), np.float32)
    states[..., :2] = vertices[rng.integers(0, len(vertices), (n, 1))] + np.cumsum(
        rng.normal(0, 0.8, (n, steps + 1, 2)), 1
    )
    states[..., 2] = rng.uniform(-np.pi, np.pi, (n, 1))
    states[..., 3] = rng.uniform(2, 14, (n, 1)) + rng.uniform(0, 4, (n, steps + 1))
    r = trajcore.speed_limit_compliance(states, road)
    loc = road.locate_lanes(np.ascontiguousarray(states[..., :3]))
    want = np.zeros(n)
    for i in range(n):
        total = 0.0
        for k in range(steps + 1):
            lane = loc.lane[i, k]
            if lane < 0:
                continue
            limit = limits[lane]
            if crossing[lane]:
                around = predecessors[lane] + list(road.lanes[lane].successors)
                if not around or np.isnan(limits[around]).any():
                    continue
                limit = limits[around].max()
            if np.isnan(limit):
                continue
            total += max(float(states[i, k, 3]) - limit, 0.0)
        want[i] = max(0.0, 1 - total / (2.23 * steps))
    np.testing.assert_allclose(r.score, want, atol=1e-5)
    assert 0 < (want < 1).mean() < 1
