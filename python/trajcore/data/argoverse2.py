"""Argoverse 2 motion-forecasting scenarios (a Parquet file of track states, read with pyarrow,
and the scenario's JSON vector map) as a :class:`Scenario`."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..collision_metrics import AgentType
from ..map_sources import ARGOVERSE2_VEHICLE_LANES, argoverse2_lanes
from .scenario import Scenario, Track, check_time_step, scenario_from_tracks

#: Argoverse 2 object type -> AgentType.
ARGOVERSE2_TYPES = {
    "vehicle": AgentType.VEHICLE,
    "bus": AgentType.VEHICLE,
    "pedestrian": AgentType.PEDESTRIAN,
    "cyclist": AgentType.BICYCLE,
    "motorcyclist": AgentType.BICYCLE,
    "riderless_bicycle": AgentType.OBJECT,
    "static": AgentType.OBJECT,
    "background": AgentType.OBJECT,
    "construction": AgentType.OBJECT,
    "unknown": AgentType.OBJECT,
}

#: Argoverse 2 records no object sizes: the length and width (m) given to each object type.
#: Cars as the NGSIM recordings' mean (4.2 to 5.4 m x 1.9 to 2.2 m), a city bus, bicycles and
#: pedestrians as the SinD recordings' (1.8 x 0.6 m, 0.35 m radius); others a 1 m square.
ARGOVERSE2_EXTENTS: Mapping[str, tuple[float, float]] = {
    "vehicle": (4.7, 2.0),
    "bus": (12.0, 2.6),
    "pedestrian": (0.7, 0.7),
    "cyclist": (1.8, 0.6),
    "motorcyclist": (2.1, 0.8),
    "riderless_bicycle": (1.8, 0.6),
    "static": (1.0, 1.0),
    "background": (1.0, 1.0),
    "construction": (1.0, 1.0),
    "unknown": (1.0, 1.0),
}

#: The recording vehicle's track id.
ARGOVERSE2_EGO = "AV"
#: Its size (the Ford Fusion Hybrid of Argo AI's fleet).
ARGOVERSE2_EGO_EXTENT = (4.87, 1.85)

_COLUMNS = (
    "track_id",
    "object_type",
    "timestep",
    "position_x",
    "position_y",
    "heading",
    "velocity_x",
    "velocity_y",
    "scenario_id",
    "focal_track_id",
    "num_timestamps",
)


def load_argoverse2(
    scenario_parquet: str | Path,
    map_json: str | Path,
    *,
    extents: Mapping[str, tuple[float, float]] = ARGOVERSE2_EXTENTS,
    lane_types: Collection[str] = ARGOVERSE2_VEHICLE_LANES,
) -> Scenario:
    """The tracks of an Argoverse 2 scenario at 10 Hz (the ``AV`` track as the ego, the focal
    track marked), with the lanes of ``lane_types`` and the drivable areas of its map.

    Raises FileNotFoundError for a missing file and ValueError naming the file and the problem
    for a malformed or truncated one (unreadable Parquet or JSON, missing columns or keys,
    repeated or out-of-range time steps, non-finite values, unknown object types).
    """
    table = _read_table(Path(scenario_parquet))
    source = str(scenario_parquet)
    lanes, areas = _read_map(Path(map_json), lane_types)
    steps = _single(table, "num_timestamps", source)
    tracks, ego = [], None
    ids = table["track_id"]
    order = np.lexsort((table["timestep"], ids))  # by track, then time
    bounds = np.flatnonzero(ids[order][1:] != ids[order][:-1]) + 1
    for rows in np.split(order, bounds):
        track_id = str(ids[rows[0]])
        kinds = set(table["object_type"][rows].tolist())
        if len(kinds) != 1:
            raise ValueError(
                f"{source}: track {track_id} has object types {sorted(kinds)}, expected one"
            )
        kind = kinds.pop()
        if kind not in ARGOVERSE2_TYPES:
            raise ValueError(
                f"{source}: track {track_id} has object_type {kind!r}, expected one of "
                f"{sorted(ARGOVERSE2_TYPES)}"
            )
        track = Track(
            track_id=track_id,
            kind=kind,
            agent_type=int(ARGOVERSE2_TYPES[kind]),
            extent=ARGOVERSE2_EGO_EXTENT if track_id == ARGOVERSE2_EGO else extents[kind],
            steps=table["timestep"][rows].astype(np.int64),
            states=np.stack(
                [
                    table[c][rows]
                    for c in ("position_x", "position_y", "heading", "velocity_x", "velocity_y")
                ],
                axis=1,
            ).astype(np.float64),
        )
        track.check(source)
        if track_id == ARGOVERSE2_EGO:
            ego = track
        else:
            tracks.append(track)
    check_time_step([*tracks, *([ego] if ego else [])], 0.1, source)
    scenario = scenario_from_tracks(
        name=str(_single(table, "scenario_id", source)),
        source=f"{scenario_parquet} + {map_json}",
        dt=0.1,
        tracks=tracks,
        lanes=lanes,
        drivable_areas=areas,
        ego=ego,
        focal_id=str(_single(table, "focal_track_id", source)),
        steps=int(steps),
    )
    return scenario


def _read_table(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ImportError("load_argoverse2 needs pyarrow: pip install 'trajcore[data]'") from e
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such Argoverse 2 scenario file")
    try:
        names = pq.read_schema(path).names
        missing = [c for c in _COLUMNS if c not in names]
        table = None if missing else pq.read_table(path, columns=list(_COLUMNS))
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        raise ValueError(f"{path}: not a readable Parquet file ({type(e).__name__}: {e})") from e
    if table is None:
        raise ValueError(
            f"{path}: no column {', '.join(missing)}, expected the Argoverse 2 scenario columns"
        )
    if table.num_rows == 0:
        raise ValueError(f"{path}: no rows, expected track states")
    out = {}
    for name in _COLUMNS:
        column = table.column(name)
        if column.null_count:
            raise ValueError(
                f"{path}: column {name} has {column.null_count} missing values, expected none"
            )
        out[name] = column.to_numpy()
    return out


def _single(table: dict[str, np.ndarray[Any, Any]], name: str, source: str) -> Any:
    values = np.unique(table[name])
    if len(values) != 1:
        raise ValueError(
            f"{source}: column {name} holds {len(values)} values, expected one per scenario"
        )
    return values[0].item() if hasattr(values[0], "item") else values[0]


def _read_map(path: Path, lane_types: Collection[str]) -> tuple[list[Any], list[Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such Argoverse 2 map file")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not readable JSON ({e})") from e
    for key in ("lane_segments", "drivable_areas"):
        if not isinstance(data, dict) or key not in data:
            raise ValueError(f"{path}: no {key!r}, expected an Argoverse 2 vector map")
    try:
        return argoverse2_lanes(data, lane_types=lane_types)
    except (KeyError, TypeError) as e:
        raise ValueError(
            f"{path}: a lane segment or drivable area lacks {e}, expected Argoverse 2 fields"
        ) from e
