"""Real lane centrelines from the Argoverse 2 sample in ../shared/data (its licence keeps it out of
the repository): single lane segments, and routes chained through their successors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest


def shared_data() -> Path | None:
    candidates = [os.environ.get("TRAJCORE_SHARED_DATA", "")]
    candidates += [
        str(Path(__file__).resolve().parents[2] / "shared" / "data"),
        "/work/shared/data",
    ]
    return next((Path(c) for c in candidates if c and Path(c).is_dir()), None)


def argoverse_centrelines(min_length: float = 10.0) -> list[np.ndarray]:
    root = shared_data()
    if root is None:
        pytest.skip(
            "../shared/data is absent: the real-centreline tests need the shared recordings"
        )
    lines = []
    for path in sorted((root / "argoverse2_sample").glob("log_map_archive_*.json")):
        for lane in json.loads(path.read_text())["lane_segments"].values():
            pts = np.array([[p["x"], p["y"]] for p in lane["centerline"]], np.float64)
            if np.linalg.norm(np.diff(pts, axis=0), axis=1).sum() >= min_length:
                lines.append(pts)
    assert lines, "no lane centrelines found in the Argoverse 2 sample map"
    return lines


def argoverse_routes(min_length: float = 60.0) -> list[np.ndarray]:
    """Vehicle-lane routes of at least min_length metres: from every lane, the chain of first
    successors, concatenated (shared end points dropped)."""
    root = shared_data()
    if root is None:
        pytest.skip(
            "../shared/data is absent: the real-centreline tests need the shared recordings"
        )
    routes = []
    for path in sorted((root / "argoverse2_sample").glob("log_map_archive_*.json")):
        lanes = json.loads(path.read_text())["lane_segments"]
        for start in lanes.values():
            if start["lane_type"] != "VEHICLE":
                continue
            pts: list[list[float]] = []
            lane, seen = start, set()
            while lane is not None and lane["id"] not in seen:
                seen.add(lane["id"])
                line = [[p["x"], p["y"]] for p in lane["centerline"]]
                pts.extend(line[1:] if pts else line)
                arr = np.array(pts)
                if np.linalg.norm(np.diff(arr, axis=0), axis=1).sum() >= min_length:
                    routes.append(arr)
                    break
                nxt = [str(i) for i in lane["successors"] if str(i) in lanes]
                lane = lanes[nxt[0]] if nxt else None
    assert routes, "no routes found in the Argoverse 2 sample map"
    return routes


def argoverse_map_path() -> Path:
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the real-map tests need the shared recordings")
    return sorted((root / "argoverse2_sample").glob("log_map_archive_*.json"))[0]


def commonroad_scenario_path(name: str) -> Path:
    """A CommonRoad scenario of ../shared/data by file name (searched in every subfolder)."""
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the real-map tests need the shared recordings")
    return next(root.glob(f"commonroad_*/**/{name}"))
