"""Recordings by file: which files under a folder are scenarios (CommonRoad *.xml beside their
solutions, Argoverse 2 scenario_<id>.parquet beside its map), and one of them loaded the way
training, evaluation and replay read it (time step fixed, resampled, smoothed)."""

from __future__ import annotations

import math
from pathlib import Path

from .argoverse2 import load_argoverse2
from .commonroad import load_commonroad
from .scenario import Scenario
from .smoothing import resample_scenario, smooth_scenario


def recording_files(folder: str | Path) -> list[Path]:
    """Every scenario file under ``folder`` (recursively), in path order: CommonRoad scenarios
    (not their *.solution.xml) and Argoverse 2 scenario_*.parquet files."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    files = [p for p in root.rglob("*.xml") if not p.name.endswith(".solution.xml")]
    files += list(root.rglob("scenario_*.parquet"))
    if not files:
        raise ValueError(f"{root}: no CommonRoad .xml or Argoverse 2 .parquet scenario under it")
    return sorted(files)


def load_recording(
    path: str | Path,
    *,
    dt: float | None = None,
    resample_to: float | None = None,
    smooth_window: int | None = 7,
) -> Scenario:
    """One scenario file: CommonRoad (with ``<name>.solution.xml`` beside a ``<name>.cr.xml``
    read as the ego; ``dt`` overrides the stated step, SinD: 0.5) or Argoverse 2 (with its
    log_map_archive JSON beside it). ``resample_to`` interpolates to that step;
    ``smooth_window`` smooths every track (None: as recorded)."""
    path = Path(path)
    if path.suffix == ".parquet":
        key = path.stem.removeprefix("scenario_")
        maps = sorted(path.parent.glob(f"log_map_archive_{key}*.json"))
        if not maps:
            raise ValueError(f"{path}: no log_map_archive_{key}*.json beside it")
        scenario = load_argoverse2(path, maps[0])
    elif path.suffix == ".xml":
        scenario = load_commonroad(path, dt=dt)  # reads the solution beside it as the ego
    else:
        raise ValueError(f"{path}: expected a CommonRoad .xml or an Argoverse 2 .parquet file")
    if resample_to is not None and not math.isclose(scenario.dt, resample_to):
        scenario = resample_scenario(scenario, resample_to)
    return scenario if smooth_window is None else smooth_scenario(scenario, smooth_window)
