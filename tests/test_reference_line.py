"""ReferenceLine: geometry on analytic lines, round trips on real lane centrelines, robustness to
kinks, uneven spacing and duplicates, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import trajcore
from real_lanes import argoverse_centrelines
from trajcore import ReferenceLine


def test_circle_length_heading_curvature() -> None:
    R = 25.0
    t = np.linspace(0, 1.5 * np.pi, 600)
    line = ReferenceLine(np.stack([R * np.cos(t), R * np.sin(t)], -1))
    assert line.length == pytest.approx(1.5 * np.pi * R, rel=2e-3)
    _, x, y, heading, curvature = line.samples[10:-10].T  # away from the ends' shrinking window
    np.testing.assert_allclose(np.hypot(x, y), R, atol=0.03)  # smoothing pulls in by ~sigma^2/2R
    tangent = np.arctan2(y, x) + np.pi / 2
    np.testing.assert_allclose((heading - tangent + np.pi) % (2 * np.pi) - np.pi, 0, atol=0.01)
    np.testing.assert_allclose(curvature, 1 / R, rtol=0.02)
    pose = line.evaluate(np.array([10.0, 50.0], np.float32))
    assert pose.shape == (2, 4)


def test_uneven_spacing_duplicates_and_kinks() -> None:
    rng = np.random.default_rng(0)
    # A straight line sampled unevenly, with repeated points: constant heading, zero curvature.
    u = np.sort(np.concatenate([[0, 100], rng.uniform(0, 100, 30)]))
    u = np.repeat(u, rng.integers(1, 3, u.size))
    pts = np.stack([u * np.cos(0.3), u * np.sin(0.3)], -1) + np.array([5.0, -7.0])
    line = ReferenceLine(pts)
    assert line.length == pytest.approx(100, abs=1e-6)
    np.testing.assert_allclose(line.samples[:, 3], 0.3, atol=1e-9)
    np.testing.assert_allclose(line.samples[:, 4], 0, atol=1e-9)
    # A right-angle kink: heading turns smoothly from 0 to pi/2, curvature stays bounded.
    kink = np.array([[0, 0], [30, 0], [30, 30]], np.float64)
    line = ReferenceLine(kink, smoothing=1.5)
    heading, curvature = line.samples[:, 3], line.samples[:, 4]
    assert heading[0] == pytest.approx(0, abs=1e-6) and heading[-1] == pytest.approx(
        np.pi / 2, abs=1e-6
    )
    assert np.all(np.diff(heading) >= -1e-9)
    assert curvature.max() < 1.0  # a radius of over 1 m instead of the polyline's corner
    s = line.samples[:, 0]
    turned = np.sum(0.5 * (curvature[1:] + curvature[:-1]) * np.diff(s))
    assert turned == pytest.approx(np.pi / 2, abs=0.02)


def test_round_trips_on_real_lane_centrelines() -> None:
    rng = np.random.default_rng(1)
    worst_s = worst_d = 0.0
    raw: list[np.ndarray] = []
    lines = argoverse_centrelines()
    for pts in lines:
        line = ReferenceLine(pts)
        kappa = np.abs(line.samples[:, 4]).max()
        reach = min(2.0, 0.5 / max(kappa, 1e-6))  # inside the radius of curvature
        s = rng.uniform(0, line.length, 200)
        d = rng.uniform(-reach, reach, 200)
        xy = line.to_cartesian(s, d)
        s2, d2 = line.project(xy)
        worst_s = max(worst_s, np.abs(s2 - s).max())
        worst_d = max(worst_d, np.abs(d2 - d).max())
        # The smoothed line stays close to the recorded centreline.
        _, d_raw = line.project(pts.astype(np.float32))
        raw.append(np.abs(d_raw))
    assert worst_s < 2e-3 and worst_d < 2e-3, (worst_s, worst_d)
    # The smoothed line follows the recorded points; Gaussian smoothing (1 m) pulls it inside
    # curves by about sigma^2 * curvature / 2, a decimetre in the tightest intersection turns.
    offsets = np.concatenate(raw)
    assert np.median(offsets) < 0.01 and np.percentile(offsets, 95) < 0.1 and offsets.max() < 0.3
    assert len(lines) > 10


def test_projection_beyond_the_ends_and_left_is_positive() -> None:
    line = ReferenceLine(np.array([[0.0, 0.0], [10.0, 0.0]]))
    s, d = line.project(np.array([[-3.0, 1.0], [14.0, -2.0], [5.0, 0.5]], np.float32))
    np.testing.assert_allclose(s, [-3, 14, 5], atol=1e-5)
    np.testing.assert_allclose(d, [1, -2, 0.5], atol=1e-5)
    np.testing.assert_allclose(line.to_cartesian(np.float32(-3), np.float32(1)), [-3, 1], atol=1e-5)


def test_torch_in_torch_out() -> None:
    torch = pytest.importorskip("torch")
    line = ReferenceLine(np.array([[0.0, 0.0], [10.0, 5.0], [20.0, 0.0]]))
    xy = torch.tensor([[5.0, 4.0]])
    s, d = line.project(xy)
    assert isinstance(s, torch.Tensor)
    back = line.to_cartesian(s, d)
    assert isinstance(back, torch.Tensor)
    torch.testing.assert_close(back, xy, atol=1e-4, rtol=0)


def test_errors() -> None:
    with pytest.raises(
        ValueError, match=r"^points has 1 distinct point \(of 3\), expected at least 2$"
    ):
        ReferenceLine(np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]))
    with pytest.raises(
        ValueError, match=r"^points\[1\] is \(nan, 0\), expected finite coordinates$"
    ):
        ReferenceLine(np.array([[0.0, 0.0], [np.nan, 0.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match=r"^points has shape \(3, 3\), expected \(P, 2\)"):
        ReferenceLine(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"^spacing is 0, expected a finite number > 0 \(m\)$"):
        ReferenceLine(np.array([[0.0, 0.0], [1.0, 0.0]]), spacing=0.0)
    with pytest.raises(ValueError, match=r"^smoothing is -1, expected a finite number >= 0 \(m\)$"):
        ReferenceLine(np.array([[0.0, 0.0], [1.0, 0.0]]), smoothing=-1.0)
    line = ReferenceLine(np.array([[0.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"^xy\[1\] \(y\) is nan, expected a finite number$"):
        line.project(np.array([[0, 0], [0, np.nan]], np.float32))
    with pytest.raises(ValueError, match=r"^xy has shape \(3,\), expected \(\.\.\., 2\)"):
        line.project(np.zeros(3, np.float32))
    assert isinstance(trajcore.ReferenceLine, type)
