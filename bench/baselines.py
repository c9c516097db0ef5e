"""What users would write instead of trajcore: the baselines every benchmark reports beside it."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def numpy_box_corners(boxes: NDArray[np.floating]) -> NDArray[np.floating]:
    """(..., 5) boxes -> (..., 4, 2) corners, front-left counter-clockwise."""
    x, y, yaw, length, width = np.moveaxis(boxes, -1, 0)
    c, s = np.cos(yaw), np.sin(yaw)
    hl, hw = length / 2, width / 2
    signs_l = np.array([1.0, -1.0, -1.0, 1.0], dtype=boxes.dtype)
    signs_w = np.array([1.0, 1.0, -1.0, -1.0], dtype=boxes.dtype)
    dl = hl[..., None] * signs_l
    dw = hw[..., None] * signs_w
    cx = x[..., None] + dl * c[..., None] - dw * s[..., None]
    cy = y[..., None] + dl * s[..., None] + dw * c[..., None]
    return np.stack([cx, cy], axis=-1)


def numpy_box_overlap(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.bool_]:
    """Vectorised separating-axis test: project both boxes' corners on the four edge normals."""
    ca, cb = numpy_box_corners(a), numpy_box_corners(b)
    separated = np.zeros(np.broadcast_shapes(a.shape[:-1], b.shape[:-1]), dtype=bool)
    for yaw in (a[..., 2], b[..., 2]):
        c, s = np.cos(yaw), np.sin(yaw)
        for axis in (np.stack([c, s], -1), np.stack([-s, c], -1)):
            pa = np.einsum("...kd,...d->...k", ca, axis)
            pb = np.einsum("...kd,...d->...k", cb, axis)
            separated |= (pa.max(-1) < pb.min(-1)) | (pb.max(-1) < pa.min(-1))
    return ~separated


def numpy_box_overlap_analytic(
    a: NDArray[np.floating], b: NDArray[np.floating]
) -> NDArray[np.bool_]:
    """Separating-axis test with projection radii in closed form: no corners, four axis tests."""
    dx, dy = b[..., 0] - a[..., 0], b[..., 1] - a[..., 1]
    ca, sa, cb, sb = np.cos(a[..., 2]), np.sin(a[..., 2]), np.cos(b[..., 2]), np.sin(b[..., 2])
    ahl, ahw, bhl, bhw = a[..., 3] / 2, a[..., 4] / 2, b[..., 3] / 2, b[..., 4] / 2
    cc = np.abs(ca * cb + sa * sb)  # |cos| of the relative heading
    ss = np.abs(ca * sb - sa * cb)  # |sin| of the relative heading
    separated = np.abs(dx * ca + dy * sa) > ahl + bhl * cc + bhw * ss
    separated |= np.abs(dy * ca - dx * sa) > ahw + bhl * ss + bhw * cc
    separated |= np.abs(dx * cb + dy * sb) > bhl + ahl * cc + ahw * ss
    separated |= np.abs(dy * cb - dx * sb) > bhw + ahl * ss + ahw * cc
    return ~separated
