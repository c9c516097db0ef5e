"""RoadMap: drivable-area distance and lane location on constructed and real maps (Argoverse 2,
CommonRoad NGSIM and SinD), against shapely; map checks and errors; thread-count determinism."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pytest
import shapely
from commonroad.common.file_reader import CommonRoadFileReader
from numpy.typing import NDArray

import trajcore
from real_lanes import argoverse_map_path, commonroad_scenario_path
from trajcore import Lane, RoadMap
from trajcore.map_sources import road_map_from_argoverse2, road_map_from_commonroad


def straight_lane(y: float, direction: float = 1.0, limit: float = 15.0) -> Lane:
    """A 3.5 m wide lane along x from 0 to 100 (or back, direction -1), centred at y."""
    xs = np.array([0.0, 50.0, 100.0])[:: int(direction)]
    center = np.stack([xs, np.full(3, y)], -1)
    normal = np.array([0.0, 1.75 * direction])
    left, right = center + normal, center - normal
    return Lane(center, left, right, limit)


def test_two_way_road_queries() -> None:
    # Two lanes of opposite directions overlapping in y in [-0.25, 0]; the drivable area is their
    # union (no polygons given).
    east, west = straight_lane(-1.75), straight_lane(1.5, -1.0, 20.0)
    road = RoadMap([east, west])
    pts = np.array([[10, -1], [10, 1], [10, 4.0], [-3, 0], [50, -5.5], [104, 7.5]], np.float32)
    np.testing.assert_allclose(
        road.drivable_area_distance(pts), [0, 0, 0.75, 3, 2, math.hypot(4, 4.25)], atol=1e-5
    )
    poses = np.array(
        [[10, -1, 0.1], [10, 1, math.pi], [10, -0.1, 3.0], [10, -0.1, 0.2], [10, 5, 0]],
        np.float32,
    )
    loc = road.locate_lanes(poses)
    np.testing.assert_array_equal(loc.lane, [0, 1, 1, 0, -1])
    # In the overlap both lanes contain the position, and the yaw picks the lane.
    np.testing.assert_array_equal(loc.lane_count, [1, 1, 2, 2, 0])
    np.testing.assert_allclose(loc.station[0], [10, 0.75], atol=1e-5)
    np.testing.assert_allclose(loc.station[1], [90, 0.5], atol=1e-5)  # westbound: s from x=100
    np.testing.assert_allclose(loc.station[2], [90, 1.6], atol=1e-5)
    np.testing.assert_allclose(loc.speed_limit[:4], [15, 20, 20, 15])
    assert np.isnan(loc.station[4]).all() and np.isnan(loc.speed_limit[4])
    assert road.lane_count == 2 and road.lane_length(1) == pytest.approx(100.0)


def test_drivable_area_polygons_override_the_lanes() -> None:
    lane = straight_lane(0.0)
    # A drivable area wider than the lane, given as a closed ring (first vertex repeated).
    area = np.array([[0, -5], [100, -5], [100, 5], [0, 5], [0, -5]], np.float64)
    road = RoadMap([lane], [area])
    pts = np.array([[50, 4.0], [50, 6.0], [-1, 0]], np.float32)
    np.testing.assert_allclose(road.drivable_area_distance(pts), [0, 1, 1], atol=1e-5)
    # Lanes are still lanes: (50, 4) is drivable but in no lane.
    assert road.locate_lanes(np.array([50, 4.0, 0], np.float32)).lane == -1


def shapely_reference(
    road: RoadMap, drivable: list[NDArray[np.float64]]
) -> tuple[shapely.Geometry, list[shapely.Polygon], list[shapely.LineString]]:
    lane_polys = [
        shapely.Polygon(np.vstack([np.asarray(lane.left), np.asarray(lane.right)[::-1]]))
        for lane in road.lanes
    ]
    areas = [shapely.Polygon(a) for a in drivable] if drivable else lane_polys
    centres = [shapely.LineString(np.asarray(lane.centerline)) for lane in road.lanes]
    return shapely.union_all(areas), lane_polys, centres


def check_against_shapely(
    road: RoadMap,
    drivable: list[NDArray[np.float64]],
    rng: np.random.Generator,
    *,
    overlapping: bool | None = True,
    n: int = 3000,
) -> None:
    """Compares the queries with shapely on random points; `overlapping`: the map has lanes that
    overlap (intersections), and some points must fall in two or more (None: few points, no
    demands on what the sample covers)."""
    union, lane_polys, centres = shapely_reference(road, drivable)
    x0, y0, x1, y1 = union.bounds
    # Half the points anywhere around the map, half near lane centrelines (in and out of lanes).
    anywhere = np.stack([rng.uniform(x0 - 15, x1 + 15, n), rng.uniform(y0 - 15, y1 + 15, n)], -1)
    vertices = np.concatenate([np.asarray(lane.centerline) for lane in road.lanes])
    near = vertices[rng.integers(0, len(vertices), n)] + rng.normal(0, 3.0, (n, 2))
    pts = np.where(rng.random((n, 1)) < 0.5, anywhere, near).astype(np.float32)
    points = shapely.points(pts.astype(np.float64))
    # Drivable-area distance (0 inside) equals shapely's distance to the union.
    want = shapely.distance(union, points)
    got = road.drivable_area_distance(pts)
    np.testing.assert_allclose(got, want, atol=2e-3)
    inside = want == 0
    assert overlapping is None or 0.2 < inside.mean() < 0.9, "sample both sides of the boundary"
    # Lane containment: the count of containing lane polygons, away from the boundaries where
    # float32 rounding may go either way.
    yaw = rng.uniform(-np.pi, np.pi, n).astype(np.float32)
    loc = road.locate_lanes(np.concatenate([pts, yaw[:, None]], -1))
    contains = np.stack([shapely.contains(p, points) for p in lane_polys], -1)
    edge_dist = np.stack([shapely.distance(p.exterior, points) for p in lane_polys], -1)
    clear = edge_dist.min(1) > 1e-3
    np.testing.assert_array_equal(loc.lane_count[clear], contains[clear].sum(1))
    assert overlapping is None or (contains[clear].sum(1) >= 2).any() == overlapping
    # The chosen lane: among the containing ones, the smallest heading difference to the yaw at
    # the projection on its centreline; s and |d| equal shapely's projection and distance.
    checked = 0
    for i in np.flatnonzero(clear & (contains.sum(1) > 0)):
        turns = {}
        for k in np.flatnonzero(contains[i]):
            line = centres[k]
            s = line.project(points[i])
            a, b = line.interpolate(max(s - 1e-3, 0)), line.interpolate(min(s + 1e-3, line.length))
            turns[k] = abs(math.remainder(yaw[i] - math.atan2(b.y - a.y, b.x - a.x), 2 * math.pi))
        best = min(turns, key=turns.__getitem__)
        ordered = sorted(turns.values())
        if len(ordered) > 1 and ordered[1] - ordered[0] < 1e-3:
            continue  # a tie, decided by |d|
        assert loc.lane[i] == best
        s_ref = centres[best].project(points[i])
        np.testing.assert_allclose(loc.station[i, 0], s_ref, atol=2e-3)
        np.testing.assert_allclose(
            abs(loc.station[i, 1]), centres[best].distance(points[i]), atol=2e-3
        )
        checked += 1
    assert overlapping is None or checked > 100
    np.testing.assert_array_equal(loc.lane[~contains.any(1) & clear], -1)


def test_argoverse2_map_agrees_with_shapely(rng: np.random.Generator) -> None:
    path = argoverse_map_path()
    data = json.loads(path.read_text())
    areas = [
        np.array([[p["x"], p["y"]] for p in a["area_boundary"]], np.float64)
        for a in data["drivable_areas"].values()
    ]
    road = road_map_from_argoverse2(path)
    assert road.lane_count == 34
    check_against_shapely(road, areas, rng)
    # Without its drivable areas, the map's drivable area is the union of the lanes.
    check_against_shapely(road_map_from_argoverse2(path, drivable_areas=False), [], rng)


@pytest.mark.parametrize(
    ("scenario", "overlapping"),
    [
        ("USA_Lanker-2_23_T-1.xml", True),  # urban arterial with intersections
        ("USA_US101-23_1_T-1.xml", False),  # freeway: side by side lanes only
        ("CHN_SIND-831_1_T-75.cr.xml", True),  # signalised intersection
    ],
)
def test_commonroad_maps_agree_with_shapely(
    scenario: str, overlapping: bool, rng: np.random.Generator
) -> None:
    logging.disable(logging.WARNING)
    try:
        scene, _ = CommonRoadFileReader(str(commonroad_scenario_path(scenario))).open()
    finally:
        logging.disable(logging.NOTSET)
    road = road_map_from_commonroad(scene.lanelet_network)
    assert road.lane_count == len(scene.lanelet_network.lanelets)
    check_against_shapely(road, [], rng, overlapping=overlapping)


def test_speed_limits_and_successors_of_a_commonroad_map() -> None:
    path = commonroad_scenario_path("USA_Lanker-2_23_T-1.xml")
    scene, _ = CommonRoadFileReader(str(path)).open()
    road = road_map_from_commonroad(scene.lanelet_network)
    lanelets = list(scene.lanelet_network.lanelets)
    ids = [ll.lanelet_id for ll in lanelets]
    for i, ll in enumerate(lanelets):
        assert [ids[s] for s in road.lanes[i].successors] == [s for s in ll.successor if s in ids]
    limits = np.array([lane.speed_limit for lane in road.lanes])
    assert np.isfinite(limits).all() and (limits > 0).all()
    centre = np.asarray(lanelets[0].center_vertices)
    mid = centre[len(centre) // 2]
    heading = math.atan2(*(centre[-1] - centre[0])[::-1])
    pose = np.array([mid[0], mid[1], heading], np.float32)
    loc = road.locate_lanes(pose)
    assert loc.speed_limit == pytest.approx(road.lanes[int(loc.lane)].speed_limit)


def test_identical_for_any_thread_count(rng: np.random.Generator) -> None:
    road = road_map_from_argoverse2(argoverse_map_path())
    pts = np.stack([rng.uniform(-470, -300, 20000), rng.uniform(1240, 1480, 20000)], -1)
    poses = np.concatenate([pts, rng.uniform(-3, 3, (20000, 1))], -1).astype(np.float32)
    before = trajcore.get_num_threads()
    try:
        runs = []
        for threads in (1, 2, 5):
            trajcore.set_num_threads(threads)
            loc = road.locate_lanes(poses)
            xy = np.ascontiguousarray(poses[:, :2])
            runs.append((road.drivable_area_distance(xy), loc.lane, loc.station))
    finally:
        trajcore.set_num_threads(before)
    for run in runs[1:]:
        for a, b in zip(run, runs[0]):
            np.testing.assert_array_equal(a, b)


def test_bad_maps_raise_clear_errors() -> None:
    good = straight_lane(0.0)
    bowtie = np.array([[0, 0], [10, 10], [10, 0], [0, 10]], np.float64)
    with pytest.raises(ValueError, match=r"drivable_areas\[0\] is self-intersecting: edge 0"):
        RoadMap([good], [bowtie])
    with pytest.raises(ValueError, match=r"lanes\[0\]\.centerline has 1 distinct points"):
        RoadMap([Lane(np.array([[1.0, 2.0], [1.0, 2.0]]), good.left, good.right)])
    with pytest.raises(ValueError, match=r"lanes\[0\]\.successors\[0\] is 3, expected a lane"):
        RoadMap([Lane(good.centerline, good.left, good.right, successors=(3,))])
    with pytest.raises(ValueError, match=r"lanes\[0\]\.speed_limit is -5"):
        RoadMap([Lane(good.centerline, good.left, good.right, -5.0)])
    with pytest.raises(ValueError, match="no lanes and no drivable_areas"):
        RoadMap([])
    bad = np.asarray(good.left, np.float64).copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"lanes\[0\]\.left\[1\] is \(nan, 1\.75\)"):
        RoadMap([Lane(good.centerline, bad, good.right)])
    with pytest.raises(ValueError, match=r"drivable_areas\[0\] has shape \(4, 3\)"):
        RoadMap([good], [np.zeros((4, 3))])
    with pytest.raises(ValueError, match="cell_size is 0"):
        RoadMap([good], cell_size=0.0)
    with pytest.raises(ValueError, match=r"drivable_areas\[0\] has zero area"):
        RoadMap([good], [np.array([[0, 0], [1, 1], [2, 2.0]])])


def test_a_real_map_with_a_self_intersecting_lanelet_is_refused() -> None:
    # NGSIM Peachtree 2_1: lanelet 53858's boundaries cross (shapely agrees: invalid polygon).
    path = commonroad_scenario_path("USA_Peach-2_1_T-1.xml")
    scene, _ = CommonRoadFileReader(str(path)).open()
    lanelets = list(scene.lanelet_network.lanelets)
    bad = lanelets[51]
    assert not shapely.Polygon(np.vstack([bad.left_vertices, bad.right_vertices[::-1]])).is_valid
    with pytest.raises(ValueError, match=r"lanes\[51\] \(left boundary, then right boundary"):
        road_map_from_commonroad(scene.lanelet_network)


def test_bad_queries_raise_clear_errors() -> None:
    road = RoadMap([straight_lane(0.0)])
    with pytest.raises(ValueError, match=r"points has shape \(4, 3\)"):
        road.drivable_area_distance(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"poses\[1, 2\] is nan"):
        road.locate_lanes(np.array([[0, 0, 0], [1, 1, np.nan]], np.float32))
    with pytest.raises(ValueError, match=r"lane is 7, expected an index in \[0, 1\)"):
        road.lane_length(7)
