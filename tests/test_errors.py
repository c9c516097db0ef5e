"""The catalogue of bad inputs: each raises its documented exception with an exact message."""

from __future__ import annotations

import re

import numpy as np
import pytest

import trajcore

GOOD = np.array([[0, 0, 0, 4, 2], [10, 0, 0.5, 4, 2]], dtype=np.float32)


def bad(**fields: object) -> np.ndarray:
    boxes = GOOD.copy()
    for name, value in fields.items():
        boxes[1, ["x", "y", "yaw", "length", "width"].index(name)] = value
    return boxes


class FakeDevice:
    """A DLPack producer on a device trajcore does not run on (OpenCL)."""

    def __dlpack__(self, **kwargs: object) -> object:
        return GOOD.__dlpack__()

    def __dlpack_device__(self) -> tuple[int, int]:
        return (4, 0)


def read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


CASES = [
    # (id, call, exception, exact message)
    (
        "int dtype",
        lambda: trajcore.box_overlap(GOOD.astype(np.int64), GOOD),
        TypeError,
        "a has dtype int64, expected float32 (float64 is accepted and converted)",
    ),
    (
        "bool dtype",
        lambda: trajcore.box_overlap(GOOD, GOOD.astype(bool)),
        TypeError,
        "b has dtype bool, expected float32 (float64 is accepted and converted)",
    ),
    (
        "complex dtype",
        lambda: trajcore.box_corners(GOOD.astype(np.complex64)),
        TypeError,
        "boxes has dtype complex64, expected float32 (float64 is accepted and converted)",
    ),
    (
        "float16 dtype",
        lambda: trajcore.box_corners(GOOD.astype(np.float16)),
        TypeError,
        "boxes has dtype float16, expected float32 (float64 is accepted and converted)",
    ),
    (
        "list",
        lambda: trajcore.box_corners([[0, 0, 0, 4, 2]]),
        TypeError,
        "boxes is a list, expected a numpy array or a torch tensor (an object with __dlpack__)",
    ),
    (
        "None",
        lambda: trajcore.box_overlap(GOOD, None),
        TypeError,
        "b is a NoneType, expected a numpy array or a torch tensor (an object with __dlpack__)",
    ),
    (
        "rank 0",
        lambda: trajcore.box_corners(np.array(1.0, dtype=np.float32)),
        ValueError,
        "boxes has shape (), expected (..., 5) = (..., x, y, yaw, length, width)",
    ),
    (
        "wrong last dim",
        lambda: trajcore.box_overlap(GOOD[:, :4].copy(), GOOD),
        ValueError,
        "a has shape (2, 4), expected (..., 5) = (..., x, y, yaw, length, width)",
    ),
    (
        "not broadcastable",
        lambda: trajcore.box_distance(GOOD, np.zeros((3, 5), np.float32)),
        ValueError,
        "a and b cannot be broadcast together: leading shapes (2,) and (3,)",
    ),
    (
        "too many dims",
        lambda: trajcore.box_corners(np.zeros((1,) * 8 + (5,), np.float32)),
        ValueError,
        "boxes has 9 dimensions, expected at most 8",
    ),
    (
        "empty",
        lambda: trajcore.box_overlap(np.zeros((0, 5), np.float32), GOOD),
        ValueError,
        "a is empty: shape (0, 5), expected at least one item",
    ),
    (
        "nan",
        lambda: trajcore.box_overlap(GOOD, bad(yaw=np.nan)),
        ValueError,
        "b[1, 2] (yaw) is nan, expected a finite value",
    ),
    (
        "inf",
        lambda: trajcore.box_distance(bad(x=np.inf), GOOD),
        ValueError,
        "a[1, 0] (x) is inf, expected a finite value",
    ),
    (
        "-inf",
        lambda: trajcore.box_corners(bad(y=-np.inf)),
        ValueError,
        "boxes[1, 1] (y) is -inf, expected a finite value",
    ),
    (
        "negative extent",
        lambda: trajcore.box_overlap(GOOD, bad(length=-1.5)),
        ValueError,
        "b[1, 3] (length) is -1.5, expected a length >= 0",
    ),
    (
        "non-contiguous",
        lambda: trajcore.box_overlap(np.zeros((4, 5), np.float32)[::2], GOOD),
        ValueError,
        "a is not C-contiguous (shape (2, 5), strides (10, 1) elements), expected a C-contiguous "
        "array: pass np.ascontiguousarray(x) or x.contiguous()",
    ),
    (
        "fortran order",
        lambda: trajcore.box_corners(np.asfortranarray(np.zeros((3, 5), np.float32))),
        ValueError,
        "boxes is not C-contiguous (shape (3, 5), strides (1, 3) elements), expected a "
        "C-contiguous array: pass np.ascontiguousarray(x) or x.contiguous()",
    ),
    (
        "unsupported device",
        lambda: trajcore.box_overlap(FakeDevice(), GOOD),
        ValueError,
        "a is on DLPack device type 4, expected cpu or cuda",
    ),
    (
        "out wrong shape",
        lambda: trajcore.box_overlap(GOOD, GOOD, out=np.zeros(3, bool)),
        ValueError,
        "out has shape (3,), expected (2,)",
    ),
    (
        "out wrong dtype",
        lambda: trajcore.box_overlap(GOOD, GOOD, out=np.zeros(2, np.uint8)),
        TypeError,
        "out has dtype uint8, expected bool",
    ),
    (
        "out read-only",
        lambda: trajcore.box_distance(GOOD, GOOD, out=read_only(np.zeros(2, np.float32))),
        ValueError,
        "out is read-only, expected a writable array",
    ),
    (
        "out non-contiguous",
        lambda: trajcore.box_distance(GOOD, GOOD, out=np.zeros(4, np.float32)[::2]),
        ValueError,
        "out is not C-contiguous (shape (2,), strides (2,) elements), expected a "
        "C-contiguous array: pass np.ascontiguousarray(x) or x.contiguous()",
    ),
    (
        "out aliases input",
        lambda: trajcore.box_corners(
            (buf := np.zeros(40, np.float32))[:10].reshape(2, 5), out=buf[2:18].reshape(2, 4, 2)
        ),
        ValueError,
        "out overlaps boxes in memory, expected separate memory for the result",
    ),
    (
        "threads",
        lambda: trajcore.set_num_threads(0),
        ValueError,
        "set_num_threads: n is 0, expected an integer >= 1",
    ),
]


@pytest.mark.parametrize(
    ("call", "exception", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(call, exception, message):
    with pytest.raises(exception, match=f"^{re.escape(message)}$"):
        call()


def test_error_names_first_invalid_element_in_order():
    boxes = np.tile(GOOD[0], (3, 4, 1))
    boxes[2, 1, 4] = np.nan
    boxes[1, 3, 0] = np.inf  # earlier in memory order: this one is reported
    with pytest.raises(ValueError, match=re.escape("boxes[1, 3, 0] (x) is inf")):
        trajcore.box_corners(boxes)


def test_failed_call_leaves_inputs_untouched():
    a = bad(yaw=np.nan)
    before = a.copy()
    with pytest.raises(ValueError):
        trajcore.box_overlap(a, GOOD)
    np.testing.assert_array_equal(a, before)
