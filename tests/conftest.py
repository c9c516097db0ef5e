"""Shared fixtures: random traffic boxes and float64 reference geometry."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

CAR_LENGTH = (3.5, 5.2)
CAR_WIDTH = (1.6, 2.1)
TRUCK = (12.0, 2.5)


def random_boxes(rng: np.random.Generator, n: int, spread: float = 15.0) -> NDArray[np.float32]:
    """n boxes (x, y, yaw, length, width): cars and 12 x 2.5 m trucks at any heading."""
    boxes = np.empty((n, 5), dtype=np.float32)
    boxes[:, :2] = rng.uniform(-spread, spread, (n, 2))
    boxes[:, 2] = rng.uniform(-np.pi, np.pi, n)
    truck = rng.random(n) < 0.3
    boxes[:, 3] = np.where(truck, TRUCK[0], rng.uniform(*CAR_LENGTH, n))
    boxes[:, 4] = np.where(truck, TRUCK[1], rng.uniform(*CAR_WIDTH, n))
    return boxes


def corners_f64(boxes: NDArray[np.floating]) -> NDArray[np.float64]:
    """(..., 4, 2) corners in float64, front-left counter-clockwise."""
    b = np.asarray(boxes, dtype=np.float64)
    c, s = np.cos(b[..., 2]), np.sin(b[..., 2])
    hl, hw = b[..., 3] / 2, b[..., 4] / 2
    along = np.array([1.0, -1.0, -1.0, 1.0]) * hl[..., None]
    across = np.array([1.0, 1.0, -1.0, -1.0]) * hw[..., None]
    x = b[..., 0, None] + along * c[..., None] - across * s[..., None]
    y = b[..., 1, None] + along * s[..., None] + across * c[..., None]
    return np.stack([x, y], axis=-1)


def sat_depth_f64(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.float64]:
    """Penetration depth by brute force: the shortest separating shift over both boxes' edge
    normals, from projected corners. < 0: separated (by at least its magnitude)."""
    ca, cb = corners_f64(a), corners_f64(b)
    best = np.full(np.broadcast_shapes(a.shape[:-1], b.shape[:-1]), np.inf)
    for yaw in (np.asarray(a, np.float64)[..., 2], np.asarray(b, np.float64)[..., 2]):
        for axis in (
            np.stack([np.cos(yaw), np.sin(yaw)], -1),
            np.stack([-np.sin(yaw), np.cos(yaw)], -1),
        ):
            pa = np.einsum("...kd,...d->...k", ca, axis)
            pb = np.einsum("...kd,...d->...k", cb, axis)
            # Shortest shift along this axis that separates the projections (not the length of
            # their intersection: the two differ when one projection contains the other).
            shift = np.minimum(pa.max(-1) - pb.min(-1), pb.max(-1) - pa.min(-1))
            best = np.minimum(best, shift)
    return best


def shapely_polygons(boxes: NDArray[np.floating]) -> NDArray[np.object_]:
    shapely = pytest.importorskip("shapely")
    return shapely.polygons(corners_f64(boxes))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The doc-block coverage (tests/test_doc_blocks.py) when that file ran."""
    if not any("test_doc_blocks" in str(p) for p in terminalreporter.config.args) and not any(
        "test_doc_blocks" in r.nodeid
        for reports in terminalreporter.stats.values()
        for r in reports
        if hasattr(r, "nodeid")
    ):
        return
    from test_doc_blocks import BLOCKS, DOCS, block_counts

    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(block_counts().items()))
    terminalreporter.write_line(
        f"doc blocks: {len(BLOCKS)} code blocks in {len(DOCS)} files (README.md, docs/*.md): "
        f"{counts}"
    )
