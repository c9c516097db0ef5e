"""box_corners, box_overlap, box_distance against shapely and float64 references."""

from __future__ import annotations

import numpy as np
import pytest

import trajcore
from conftest import corners_f64, random_boxes, sat_depth_f64, shapely_polygons

shapely = pytest.importorskip("shapely")

N_PAIRS = 100_000
NEAR_TOUCH = 1e-6  # pairs this close to touching may go either way in float32


def test_overlap_agrees_with_shapely(rng, record_property):
    a, b = random_boxes(rng, N_PAIRS), random_boxes(rng, N_PAIRS)
    expected = shapely.intersects(shapely_polygons(a), shapely_polygons(b))
    got = trajcore.box_overlap(a, b)
    separation = -sat_depth_f64(a, b)  # > 0 apart, < 0 overlapping, float64
    near = np.abs(separation) <= NEAR_TOUCH
    mismatched = got != expected
    record_property("near_touching_pairs", int(near.sum()))
    assert 0.02 < expected.mean() < 0.5, "the sample should mix overlapping and separate pairs"
    assert not (mismatched & ~near).any(), np.flatnonzero(mismatched & ~near)[:10]


def test_distance_agrees_with_shapely(rng):
    a, b = random_boxes(rng, N_PAIRS), random_boxes(rng, N_PAIRS)
    expected = shapely.distance(shapely_polygons(a), shapely_polygons(b))
    got = trajcore.box_distance(a, b)
    apart = expected > 0
    np.testing.assert_allclose(got[apart], expected[apart], rtol=0, atol=1e-5)


def test_negative_distance_is_penetration_depth(rng):
    a, b = random_boxes(rng, N_PAIRS, spread=4.0), random_boxes(rng, N_PAIRS, spread=4.0)
    depth = sat_depth_f64(a, b)
    got = trajcore.box_distance(a, b)
    inside = depth > 0
    assert inside.mean() > 0.3
    np.testing.assert_allclose(got[inside], -depth[inside], rtol=0, atol=1e-5)


def test_overlap_is_distance_not_positive(rng):
    a, b = random_boxes(rng, N_PAIRS, spread=8.0), random_boxes(rng, N_PAIRS, spread=8.0)
    np.testing.assert_array_equal(trajcore.box_overlap(a, b), trajcore.box_distance(a, b) <= 0)


def test_symmetric(rng):
    a, b = random_boxes(rng, 10_000), random_boxes(rng, 10_000)
    np.testing.assert_array_equal(trajcore.box_overlap(a, b), trajcore.box_overlap(b, a))
    np.testing.assert_allclose(trajcore.box_distance(a, b), trajcore.box_distance(b, a), atol=1e-5)


@pytest.mark.parametrize("yaw", [0.0, np.pi / 2, np.pi, -np.pi / 2])
def test_touching_counts_as_overlap(yaw):
    # Two 4 x 2 boxes sharing an edge exactly, in axis-aligned frames where float32 is exact.
    c, s = round(np.cos(yaw)), round(np.sin(yaw))
    a = np.array([[0, 0, yaw, 4, 2]], dtype=np.float32)
    b_front = np.array([[4 * c, 4 * s, yaw, 4, 2]], dtype=np.float32)  # nose to tail
    b_side = np.array([[-2 * s, 2 * c, yaw, 4, 2]], dtype=np.float32)  # side by side
    b_gap = np.array([[4.5 * c, 4.5 * s, yaw, 4, 2]], dtype=np.float32)
    for b in (b_front, b_side):
        assert trajcore.box_overlap(a, b)[0]
        assert trajcore.box_distance(a, b)[0] == 0.0
    assert not trajcore.box_overlap(a, b_gap)[0]
    assert trajcore.box_distance(a, b_gap)[0] == pytest.approx(0.5, abs=1e-6)


def test_corner_to_corner_distance():
    # Diagonal gap between corners: sqrt(1^2 + 1^2), which the separating axes alone miss.
    a = np.array([0, 0, 0, 2, 2], dtype=np.float32)
    b = np.array([3, 3, 0, 2, 2], dtype=np.float32)
    assert trajcore.box_distance(a, b) == pytest.approx(np.sqrt(2), abs=1e-6)


def test_corners_golden():
    box = np.array([1.0, 2.0, np.pi / 2, 4.0, 2.0], dtype=np.float32)
    expected = [[0.0, 4.0], [0.0, 0.0], [2.0, 0.0], [2.0, 4.0]]  # front-left, counter-clockwise
    np.testing.assert_allclose(trajcore.box_corners(box), expected, atol=1e-6)


def test_corners_match_float64(rng):
    boxes = random_boxes(rng, 50_000).reshape(50, 1000, 5)
    got = trajcore.box_corners(boxes)
    assert got.shape == (50, 1000, 4, 2) and got.dtype == np.float32
    np.testing.assert_allclose(got, corners_f64(boxes), rtol=0, atol=1e-5)
    polygons = shapely.polygons(got.reshape(-1, 4, 2).astype(np.float64))
    assert shapely.is_ccw(shapely.get_exterior_ring(polygons)).all()


def test_broadcasting_matches_explicit_pairs(rng):
    a = random_boxes(rng, 6, spread=6).reshape(3, 1, 2, 5)
    b = random_boxes(rng, 8, spread=6).reshape(4, 2, 5)
    got_overlap = trajcore.box_overlap(a, b)
    got_distance = trajcore.box_distance(a, b)
    assert got_overlap.shape == (3, 4, 2)
    a_full, b_full = np.broadcast_arrays(a, b)
    flat_a = np.ascontiguousarray(a_full).reshape(-1, 5)
    flat_b = np.ascontiguousarray(b_full).reshape(-1, 5)
    np.testing.assert_array_equal(got_overlap.ravel(), trajcore.box_overlap(flat_a, flat_b))
    np.testing.assert_array_equal(got_distance.ravel(), trajcore.box_distance(flat_a, flat_b))


def test_one_box_against_many(rng):
    ego = random_boxes(rng, 1)[0]
    others = random_boxes(rng, 5000)
    got = trajcore.box_distance(ego, others)
    assert got.shape == (5000,)
    np.testing.assert_array_equal(got, trajcore.box_distance(np.repeat(ego[None], 5000, 0), others))
    np.testing.assert_array_equal(
        trajcore.box_distance(others, ego),
        trajcore.box_distance(others, np.repeat(ego[None], 5000, 0)),
    )


def test_single_boxes_give_zero_dimensional_results():
    a = np.array([0, 0, 0, 4, 2], dtype=np.float32)
    result = trajcore.box_overlap(a, a)
    assert result.shape == () and bool(result)


def test_headings_beyond_fast_range_are_exact(rng):
    boxes = random_boxes(rng, 2000)
    boxes[:, 2] += rng.choice([0.0, 2 * np.pi * 2000, -2 * np.pi * 5000], 2000).astype(np.float32)
    np.testing.assert_allclose(trajcore.box_corners(boxes), corners_f64(boxes), atol=2e-5)
