"""Property fuzzing of the map entry points: RoadMap (construction, locate_lanes,
drivable_area_distance), ReferenceLine (construction, project, evaluate, to_cartesian), ego_areas
and the map metrics (drivable-area, driving-direction, speed-limit, lane-keeping and
traffic-light compliance). Rules and budget: tests/fuzz_support.py.

References: shapely geometry (tests/test_road_map.py, test_map_metrics.py), nuPlan's direction
bookkeeping and NAVSIM's lane-keeping and traffic-light loops written out per step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from hypothesis import given
from hypothesis import strategies as st

import trajcore
from fuzz_support import BATCHED, FUZZ, enlarge, generator, in_library, numpy, outcome, spoil
from test_map_metrics import nuplan_direction_reference, reference_ego_areas
from test_road_map import check_against_shapely
from trajcore import EgoArea, Lane, ReferenceLine, RoadMap

CAR = (4.8, 1.95)


def random_lanes(rng: np.random.Generator) -> list[Lane]:
    """1-4 gently curving lanes over about 100 m, either direction, overlapping at times."""
    lanes = []
    count = int(rng.integers(1, 5))
    for _ in range(count):
        points = int(rng.integers(2, 8))
        x = np.linspace(0, rng.uniform(40, 120), points) + rng.uniform(-20, 20)
        y = rng.uniform(-8, 8) + rng.uniform(-2, 2) * np.sin(x / rng.uniform(20, 60))
        centre = np.stack([x, y], -1)
        if rng.random() < 0.4:
            centre = centre[::-1].copy()
        heading = np.gradient(centre, axis=0)
        heading /= np.linalg.norm(heading, axis=-1, keepdims=True)
        normal = np.stack([-heading[:, 1], heading[:, 0]], -1) * rng.uniform(1.4, 2.2)
        limit = float(rng.choice([10.0, 15.0, 25.0, math.nan]))
        successors = tuple(int(k) for k in rng.choice(count, int(rng.integers(0, 2))))
        lanes.append(Lane(centre, centre + normal, centre - normal, limit, successors))
    return lanes


def spoil_lanes(draw: st.DrawFn, rng: np.random.Generator, lanes: list[Lane]) -> str:
    """Breaks one lane about once in six maps; returns the expected start of the message."""
    if draw(st.integers(0, 5)) != 0:
        return ""
    i = int(rng.integers(len(lanes)))
    lane = lanes[i]
    how = draw(st.sampled_from(["nan", "inf", "one point", "successor", "limit", "fields"]))
    centre = np.array(lane.centerline, np.float64)
    if how in ("nan", "inf"):
        centre[int(rng.integers(len(centre))), int(rng.integers(2))] = (
            np.nan if how == "nan" else np.inf
        )
        lanes[i] = Lane(centre, lane.left, lane.right, lane.speed_limit, lane.successors)
    elif how == "one point":
        lanes[i] = Lane(centre[:1], lane.left[:1], lane.right[:1], lane.speed_limit)
    elif how == "successor":
        lanes[i] = Lane(lane.centerline, lane.left, lane.right, lane.speed_limit, (len(lanes),))
    elif how == "limit":
        limit = draw(st.sampled_from([-1.0, 0.0, math.inf]))
        lanes[i] = Lane(lane.centerline, lane.left, lane.right, limit, lane.successors)
    else:
        lanes[i] = Lane(centre[:, :1], lane.left, lane.right, lane.speed_limit, lane.successors)
    return f"lanes[{i}]"


@FUZZ
@given(st.data())
def test_road_map_and_its_queries(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    lanes = random_lanes(rng)
    broken = spoil_lanes(draw, rng, lanes)
    road = outcome(lambda: RoadMap(lanes), broken)
    if road is None:
        return
    # Queries: refused when spoiled, else equal to shapely's answers.
    n = int(rng.integers(1, 9))
    args: dict[str, Any] = {
        "poses": np.concatenate(
            [
                rng.uniform(-30, 130, (n, 1)),
                rng.uniform(-15, 15, (n, 1)),
                rng.uniform(-4, 4, (n, 1)),
            ],
            -1,
        ).astype(np.float32),
        "points": rng.uniform(-30, 130, (n, 2)).astype(np.float32),
    }
    spoiled = spoil(draw, rng, args, {"poses": BATCHED, "points": BATCHED})
    big = not spoiled and enlarge(draw, rng, args, ["poses", "points"])
    in_library(draw, args)
    located = outcome(
        lambda: road.locate_lanes(args["poses"]), spoiled if spoiled == "poses" else ""
    )
    distance = outcome(
        lambda: road.drivable_area_distance(args["points"]), spoiled if spoiled == "points" else ""
    )
    if located is None or distance is None:
        return
    if big:  # far away: no lane there, and a distance that is a number
        assert not np.isnan(numpy(distance)).any()
        return
    check_against_shapely(road, [], rng, overlapping=None, n=8)


@FUZZ
@given(st.data())
def test_reference_line(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    count = int(rng.integers(2, 12))
    x = np.cumsum(rng.uniform(0.5, 20, count)) + rng.uniform(-50, 50)
    y = np.cumsum(rng.normal(0, 3, count))
    points = np.stack([x, y], -1)
    if rng.random() < 0.3:
        points = np.repeat(points, 2, 0)  # repeated points are fine
    args: dict[str, Any] = {"points": points}
    spoiled = spoil(draw, rng, args, {"points": ("nan", "inf", "fields", "complex64")})
    if not spoiled and draw(st.integers(0, 9)) == 0:
        args["points"], spoiled = np.repeat(points[:1], 3, 0), "points"  # one distinct point
    spacing = draw(st.sampled_from([0.5, 1.0, 0.25]))
    line = outcome(lambda: ReferenceLine(args["points"], spacing=spacing, smoothing=0.0), spoiled)
    if line is None:
        return
    # With no smoothing the line is the polyline, resampled: each corner cut by at most a spacing.
    polyline = shapely.LineString(points)
    samples = line.samples
    assert abs(line.length - polyline.length) <= spacing * len(points) + 1e-6 * polyline.length
    assert shapely.distance(polyline, shapely.points(samples[:, 1:3])).max() <= spacing
    drawn = shapely.LineString(samples[:, 1:3])
    queries: dict[str, Any] = {
        "xy": samples[rng.integers(len(samples), size=5), 1:3] + rng.normal(0, 4, (5, 2)),
        "s": rng.uniform(-10, line.length + 10, 5),
    }
    queries = {k: v.astype(np.float32) for k, v in queries.items()}
    spoiled = spoil(draw, rng, queries, {"xy": BATCHED, "s": ("nan", "inf", "int32", "empty")})
    torch_in = in_library(draw, queries)
    sd = outcome(lambda: line.project(queries["xy"]), spoiled if spoiled == "xy" else "")
    at = outcome(lambda: line.evaluate(queries["s"]), spoiled if spoiled == "s" else "")
    if sd is None or at is None:
        return
    s, d = (numpy(v).astype(np.float64) for v in sd)
    xy = numpy(queries["xy"]).astype(np.float64)
    # |d| is the distance to the line drawn through the samples where shapely's nearest point is
    # the foot found (same s), inside the line, on a straight stretch: at a corner the heading
    # turns linearly between samples, and the nearest point of a convex corner is a vertex with
    # no perpendicular foot at all (project takes feet only, docs/rollout.md).
    inside = (s > 1e-3) & (s < line.length - 1e-3)
    nearest = shapely.line_locate_point(drawn, shapely.points(xy))
    index = np.clip(np.round(s / samples[1, 0]).astype(int), 0, len(samples) - 1)
    heading = samples[:, 3]
    straight = np.array([np.ptp(heading[max(i - 3, 0) : i + 4]) < 1e-3 for i in index], dtype=bool)
    dist = shapely.distance(drawn, shapely.points(xy))
    both = inside & straight & (np.abs(nearest - s) < samples[1, 0])
    np.testing.assert_allclose(np.abs(d)[both], dist[both], atol=2e-3, rtol=1e-5)
    # evaluate(s) lies on the drawn line (inside it) and to_cartesian inverts project.
    ev = numpy(at).astype(np.float64)
    on = (numpy(queries["s"]) >= 0) & (numpy(queries["s"]) <= line.length)
    assert (shapely.distance(drawn, shapely.points(ev[on, :2])) < 2e-3).all()
    back = numpy(line.to_cartesian(*sd))
    assert type(sd[0]).__module__.startswith("torch") == torch_in
    unique = inside & (np.abs(d) < 2.0)  # near the line the foot point is unique
    np.testing.assert_allclose(back[unique], xy[unique], atol=5e-3)


def random_states(rng: np.random.Generator, shape: tuple[int, ...], steps: int) -> np.ndarray:
    """(*shape, steps+1, 6) drives across the random maps at up to 30 m/s."""
    s = np.zeros((*shape, steps + 1, 6), np.float32)
    t = np.arange(steps + 1) * 0.1
    yaw = rng.uniform(-np.pi, np.pi, (*shape, 1)) + rng.normal(0, 0.05, (*shape, 1)) * np.arange(
        steps + 1
    )
    speed = rng.uniform(0, 30, (*shape, 1))
    s[..., 0] = (
        rng.uniform(-20, 120, (*shape, 1))
        + np.cumsum(speed * np.cos(yaw) * 0.1, -1)
        - speed * 0.1 * np.cos(yaw)
    )
    s[..., 1] = (
        rng.uniform(-12, 12, (*shape, 1))
        + np.cumsum(speed * np.sin(yaw) * 0.1, -1)
        - speed * 0.1 * np.sin(yaw)
    )
    s[..., 2] = (yaw + np.pi) % (2 * np.pi) - np.pi
    s[..., 3] = speed + 0 * t
    return s


@FUZZ
@given(st.data())
def test_ego_areas_and_the_map_metrics(data: st.DataObject) -> None:
    draw = data.draw
    rng = generator(draw)
    road = RoadMap(random_lanes(rng))
    N, T = draw(st.integers(1, 3)), draw(st.integers(1, 12))
    route = sorted(set(rng.integers(road.lane_count, size=int(rng.integers(1, 3))).tolist()))
    tolerance = float(draw(st.sampled_from([0.0, 0.3])))
    states = random_states(rng, (N,), T)
    # x, y, yaw: every column ego_areas reads (a NaN speed would not be read)
    args: dict[str, Any] = {"poses": np.ascontiguousarray(states[..., :3])}
    spoiled = spoil(draw, rng, args, {"poses": BATCHED})
    big = not spoiled and enlarge(draw, rng, args, ["poses"])
    areas = outcome(
        lambda: trajcore.ego_areas(
            args["poses"], CAR, road, route_lanes=route, drivable_tolerance=tolerance
        ),
        "states" if spoiled else "",
    )
    if areas is None or big:  # an extreme pose: off every lane, checked for not crashing
        return
    want, clear = reference_ego_areas(road, states.reshape(-1, 6), CAR, route, tolerance)
    np.testing.assert_array_equal(areas.reshape(-1)[clear], want[clear])
    sure = clear.reshape(N, T + 1).all(1)

    # Drivable area: 0 from the first OFF_ROAD step.
    off = (areas & EgoArea.OFF_ROAD) != 0
    r = trajcore.drivable_area_compliance(areas)
    np.testing.assert_array_equal(r.score, (~off.any(1)).astype(np.float32))
    np.testing.assert_array_equal(r.first_step, np.where(off.any(1), off.argmax(1), -1))

    # Driving direction, nuPlan's rule (lane progress over a 1 s window).
    window = int(draw(st.sampled_from([10, 3, 1])))
    direction = trajcore.driving_direction_compliance(states, road_map=road, window=window)
    for n in np.flatnonzero(sure):
        wrong = nuplan_direction_reference(road, states[n], window)
        assert (
            direction.wrong_way[n] == np.float32(wrong)
            or abs(direction.wrong_way[n] - wrong) < 1e-3
        )
        if abs(wrong - 2.0) > 1e-3 and abs(wrong - 6.0) > 1e-3:
            assert direction.score[n] == (1.0 if wrong < 2.0 else 0.5 if wrong < 6.0 else 0.0)

    # Speed limit: overspeed over the located lane's limit (no intersections in these maps).
    limit = trajcore.speed_limit_compliance(states, road)
    located = road.locate_lanes(np.ascontiguousarray(states[..., :3]))
    over = np.where(
        np.isnan(located.speed_limit), 0.0, np.maximum(states[..., 3] - located.speed_limit, 0)
    )
    want_score = np.maximum(0.0, 1.0 - over.sum(1) / (2.23 * T))
    np.testing.assert_allclose(limit.score, want_score, atol=1e-5)
    np.testing.assert_allclose(limit.max_overspeed, over.max(1), atol=1e-5)

    # Lane keeping along the first route lane's centreline (NAVSIM's loop).
    centre = np.asarray(road.lanes[route[0]].centerline, np.float64)
    line = ReferenceLine(centre, smoothing=0.0)
    keep = trajcore.lane_keeping(states, areas, line, dt=0.1, window=0.3)
    drawn = shapely.LineString(line.samples[:, 1:3])
    for n in range(N):
        run, failed, tie = 0, -1, False
        for t in range(T + 1):
            if areas[n, t] & EgoArea.IN_INTERSECTION:
                continue
            s, _ = line.project(states[n, t, :2])
            if not 0 < float(s) < line.length:  # beyond the ends the line continues straight
                tie = True
                break
            dist = drawn.distance(shapely.Point(states[n, t, :2].astype(np.float64)))
            tie |= abs(dist - 0.5) < 1e-3
            run = run + 1 if dist > 0.5 else 0
            if run >= 3:
                failed = t
                break
        if not tie:
            assert keep.first_step[n] == failed, (n, keep.first_step[n], failed)

    # Traffic lights: red lanes met by the ego box.
    red = np.full((T + 1, 2), -1, np.int32)
    red[: (T + 1) // 2, 0] = route[0]
    lights = trajcore.traffic_light_compliance(states, np.float32(CAR), road, red)
    polygons = [
        shapely.Polygon(np.concatenate([lane.left, lane.right[::-1]])) for lane in road.lanes
    ]
    for n in range(N):
        first, tie = -1, False
        for t in range(T + 1):
            corners = trajcore.box_corners(np.array([*states[n, t, :3], *CAR], np.float32))
            ego = shapely.Polygon(corners.astype(np.float64))
            reds = [polygons[k] for k in red[t] if k >= 0]
            tie |= any(ego.exterior.distance(p.exterior) < 1e-3 for p in reds)
            if any(ego.intersects(p) for p in reds):
                first = t
                break
        if not tie:
            assert lights.first_step[n] == first, (n, lights.first_step[n], first)
