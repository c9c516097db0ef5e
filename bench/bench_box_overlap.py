"""box_overlap on random pairs against what users would write instead.

    python bench/bench_box_overlap.py [--pairs N] [--repeats R] [--json PATH]

Baselines, measured in the same run on the same arrays:
  * numpy, closed-form separating-axis test (projection radii, four axis tests): the fastest
    numpy formulation we know;
  * numpy, corner-projection separating-axis test (Waymax's formulation);
  * shapely.intersects on prebuilt polygon arrays (polygon construction not timed);
  * shapely from the same box arrays: corners, polygons, intersects (what a user with boxes pays).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import trajcore
from baselines import (
    numpy_box_corners,
    numpy_box_overlap,
    numpy_box_overlap_analytic,
)
from harness import measure, report


def traffic(rng: np.random.Generator, n: int) -> np.ndarray:
    boxes = np.empty((n, 5), dtype=np.float32)
    boxes[:, :2] = rng.uniform(-15, 15, (n, 2))
    boxes[:, 2] = rng.uniform(-np.pi, np.pi, n)
    truck = rng.random(n) < 0.3
    boxes[:, 3] = np.where(truck, 12.0, rng.uniform(3.5, 5.2, n))
    boxes[:, 4] = np.where(truck, 2.5, rng.uniform(1.6, 2.1, n))
    return boxes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--shapely-repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    import shapely

    rng = np.random.default_rng(0)
    a, b = traffic(rng, args.pairs), traffic(rng, args.pairs)
    out = np.empty(args.pairs, dtype=bool)
    expected = trajcore.box_overlap(a, b)
    assert (numpy_box_overlap_analytic(a, b) == expected).mean() > 0.99999, "baseline disagrees"

    ours = measure(
        "trajcore.box_overlap", lambda: trajcore.box_overlap(a, b, out=out), args.repeats
    )
    ours_alloc = measure(
        "trajcore.box_overlap (new result)", lambda: trajcore.box_overlap(a, b), args.repeats
    )
    closed_form = measure(
        "numpy SAT, closed-form radii",
        lambda: numpy_box_overlap_analytic(a, b),
        max(3, args.repeats // 3),
    )
    corners = measure(
        "numpy SAT, corner projections", lambda: numpy_box_overlap(a, b), max(3, args.repeats // 5)
    )
    pa = shapely.polygons(trajcore.box_corners(a).astype(np.float64))
    pb = shapely.polygons(trajcore.box_corners(b).astype(np.float64))
    shapely_m = measure(
        "shapely.intersects (prebuilt polygons)",
        lambda: shapely.intersects(pa, pb),
        args.shapely_repeats,
        warmup=0,
    )

    def shapely_from_boxes() -> np.ndarray:
        polygons_a = shapely.polygons(numpy_box_corners(a))
        polygons_b = shapely.polygons(numpy_box_corners(b))
        return shapely.intersects(polygons_a, polygons_b)

    shapely_full = measure(
        "shapely from box arrays (corners, polygons, intersects)",
        shapely_from_boxes,
        args.shapely_repeats,
        warmup=0,
    )
    agree = float((shapely.intersects(pa, pb) == expected).mean())
    report(
        f"box_overlap, {args.pairs:,} random car/truck pairs",
        ours,
        [ours_alloc, closed_form, corners, shapely_m, shapely_full],
        args.pairs,
        args.json,
        extra={"agreement_with_shapely": agree},
    )


if __name__ == "__main__":
    main()
