"""The array boundary with numpy: zero-copy reads, results in numpy, out= arguments."""

from __future__ import annotations

import numpy as np

import trajcore
from conftest import random_boxes
from trajcore import _core


def test_reads_numpy_memory_in_place(rng):
    boxes = random_boxes(rng, 100)
    assert _core._data_pointer(boxes) == boxes.ctypes.data
    view = boxes[10:20]  # an offset view is still contiguous
    assert _core._data_pointer(view) == view.ctypes.data


def test_read_only_input_is_read(rng):
    boxes = random_boxes(rng, 10)
    boxes.flags.writeable = False
    assert trajcore.box_corners(boxes).shape == (10, 4, 2)


def test_results_are_numpy(rng):
    a, b = random_boxes(rng, 7), random_boxes(rng, 7)
    overlap, distance = trajcore.box_overlap(a, b), trajcore.box_distance(a, b)
    corners = trajcore.box_corners(a)
    assert isinstance(overlap, np.ndarray) and overlap.dtype == np.bool_
    assert isinstance(distance, np.ndarray) and distance.dtype == np.float32
    assert isinstance(corners, np.ndarray) and corners.dtype == np.float32


def test_out_is_written_in_place_and_returned(rng):
    a, b = random_boxes(rng, 50), random_boxes(rng, 50)
    out = np.full(50, np.nan, dtype=np.float32)
    result = trajcore.box_distance(a, b, out=out)
    assert result is out
    np.testing.assert_array_equal(out, trajcore.box_distance(a, b))
    flags = np.zeros(50, dtype=bool)
    assert trajcore.box_overlap(a, b, out=flags) is flags
    corners = np.empty((50, 4, 2), dtype=np.float32)
    assert trajcore.box_corners(a, out=corners) is corners


def test_float64_is_converted_once_to_float32(rng):
    a, b = random_boxes(rng, 200), random_boxes(rng, 200)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    np.testing.assert_array_equal(trajcore.box_distance(a64, b64), trajcore.box_distance(a, b))
    assert trajcore.box_distance(a64, b).dtype == np.float32


def test_float64_rounding_matches_float32_input(rng):
    # Values that are not float32-representable round once, exactly as astype(float32) does.
    a = random_boxes(rng, 100).astype(np.float64) + 1e-9
    np.testing.assert_array_equal(
        trajcore.box_corners(a), trajcore.box_corners(a.astype(np.float32))
    )
