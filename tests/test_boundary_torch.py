"""The array boundary with torch tensors: zero-copy, torch results, autograd-free reads."""

from __future__ import annotations

import re

import numpy as np
import pytest

import trajcore
from conftest import random_boxes
from trajcore import _core

torch = pytest.importorskip("torch")


def test_reads_tensor_memory_in_place(rng):
    t = torch.from_numpy(random_boxes(rng, 64))
    assert _core._data_pointer(t) == t.data_ptr()
    view = t[8:16]
    assert _core._data_pointer(view) == view.data_ptr()


def test_results_are_torch_on_the_same_device(rng):
    a, b = torch.from_numpy(random_boxes(rng, 33)), torch.from_numpy(random_boxes(rng, 33))
    overlap, distance = trajcore.box_overlap(a, b), trajcore.box_distance(a, b)
    assert isinstance(overlap, torch.Tensor) and overlap.dtype == torch.bool
    assert isinstance(distance, torch.Tensor) and distance.dtype == torch.float32
    assert overlap.device == a.device == distance.device
    np.testing.assert_array_equal(distance.numpy(), trajcore.box_distance(a.numpy(), b.numpy()))


def test_result_follows_first_argument_library(rng):
    a, b = random_boxes(rng, 5), random_boxes(rng, 5)
    assert isinstance(trajcore.box_overlap(torch.from_numpy(a), b), torch.Tensor)
    assert isinstance(trajcore.box_overlap(a, torch.from_numpy(b)), np.ndarray)


def test_tensor_requiring_grad_is_read(rng):
    boxes = torch.from_numpy(random_boxes(rng, 20)).requires_grad_(True)
    corners = trajcore.box_corners(boxes)
    assert not corners.requires_grad
    np.testing.assert_array_equal(corners.numpy(), trajcore.box_corners(boxes.detach().numpy()))
    assert _core._data_pointer(boxes) == boxes.data_ptr()


def test_float64_tensor_is_converted(rng):
    a = torch.from_numpy(random_boxes(rng, 40))
    got = trajcore.box_corners(a.double())
    assert got.dtype == torch.float32
    assert torch.equal(got, trajcore.box_corners(a))


def test_out_tensor_is_written_in_place(rng):
    a, b = torch.from_numpy(random_boxes(rng, 40)), torch.from_numpy(random_boxes(rng, 40))
    out = torch.full((40,), float("nan"))
    assert trajcore.box_distance(a, b, out=out) is out
    assert torch.equal(out, trajcore.box_distance(a, b))


@pytest.mark.parametrize(
    ("call", "exception", "message"),
    [
        (
            lambda t: trajcore.box_corners(t.to(torch.int32)),
            TypeError,
            "boxes has dtype int32, expected float32 (float64 is accepted and converted)",
        ),
        (
            lambda t: trajcore.box_corners(t.to(torch.bfloat16)),
            TypeError,
            "boxes has dtype bfloat16, expected float32 (float64 is accepted and converted)",
        ),
        (
            lambda t: trajcore.box_corners(t.T.contiguous().T),
            ValueError,
            "boxes is not C-contiguous (shape (4, 5), strides (1, 4) elements), expected a "
            "C-contiguous array: pass np.ascontiguousarray(x) or x.contiguous()",
        ),
        (
            lambda t: trajcore.box_overlap(t, t, out=torch.zeros(4, requires_grad=True)),
            ValueError,
            "out requires grad, expected a tensor without autograd history to write into",
        ),
        (
            lambda t: trajcore.box_overlap(t, t, out=torch.zeros(4)),
            TypeError,
            "out has dtype float32, expected bool",
        ),
        (
            lambda t: trajcore.box_overlap(t, torch.full_like(t, float("nan"))),
            ValueError,
            "b[0, 0] (x) is nan, expected a finite value",
        ),
    ],
    ids=["int32", "bfloat16", "transposed", "out requires grad", "out dtype", "nan"],
)
def test_bad_tensors(rng, call, exception, message):
    t = torch.from_numpy(random_boxes(rng, 4))
    with pytest.raises(exception, match=f"^{re.escape(message)}$"):
        call(t)


cuda = pytest.mark.skipif(
    not (trajcore.built_with_cuda() and torch.cuda.is_available()),
    reason="needs a CUDA build of trajcore and a GPU",
)


@cuda
def test_cuda_matches_cpu_on_current_stream(rng):
    a, b = random_boxes(rng, 100_000), random_boxes(rng, 100_000)
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        ga, gb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
        overlap, distance = trajcore.box_overlap(ga, gb), trajcore.box_distance(ga, gb)
        corners = trajcore.box_corners(ga)
        assert _core._data_pointer(ga) == ga.data_ptr()
    stream.synchronize()
    assert overlap.is_cuda and distance.device == ga.device
    np.testing.assert_array_equal(overlap.cpu().numpy(), trajcore.box_overlap(a, b))
    np.testing.assert_allclose(distance.cpu().numpy(), trajcore.box_distance(a, b), atol=1e-5)
    np.testing.assert_allclose(corners.cpu().numpy(), trajcore.box_corners(a), atol=1e-5)


@cuda
def test_cuda_errors(rng):
    a = torch.from_numpy(random_boxes(rng, 4))
    with pytest.raises(
        ValueError, match=re.escape("b is on cpu, expected cuda:0 (the device of a)")
    ):
        trajcore.box_overlap(a.cuda(), a)
    bad = a.clone()
    bad[2, 4] = -1.0
    with pytest.raises(ValueError, match=re.escape("a[2, 4] (width) is -1, expected a width >= 0")):
        trajcore.box_distance(bad.cuda(), a.cuda())


@pytest.mark.skipif(
    trajcore.built_with_cuda() or not torch.cuda.is_available(),
    reason="needs a CPU-only build of trajcore and a GPU to create a CUDA tensor",
)
def test_cuda_tensor_without_cuda_build():
    with pytest.raises(ValueError, match="built without CUDA"):
        trajcore.box_corners(torch.zeros(2, 5, device="cuda"))
