"""RoadMaps from map formats: Argoverse 2 vector maps (JSON) and CommonRoad lanelet networks.

commonroad-io is needed only for :func:`road_map_from_commonroad` (it takes the lanelet network
that ``commonroad.common.file_reader.CommonRoadFileReader`` reads).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .road_map import Lane, RoadMap

#: Argoverse 2 lane types a car may drive in.
ARGOVERSE2_VEHICLE_LANES = ("VEHICLE", "BUS")


def _xy(points: list[dict[str, float]]) -> NDArray[np.float64]:
    return np.array([[p["x"], p["y"]] for p in points], np.float64)


def road_map_from_argoverse2(
    path: str | Path,
    *,
    lane_types: Collection[str] = ARGOVERSE2_VEHICLE_LANES,
    drivable_areas: bool = True,
    cell_size: float = 2.0,
) -> RoadMap:
    """The lane segments of ``lane_types`` (successors kept where they are of those types too)
    and, with ``drivable_areas``, the map's drivable-area polygons (else the lanes' union).
    Argoverse 2 maps carry no speed limits: they are NaN."""
    data = json.loads(Path(path).read_text())
    lanes, areas = argoverse2_lanes(data, lane_types=lane_types)
    return RoadMap(lanes, areas if drivable_areas else (), cell_size=cell_size)


def argoverse2_lanes(
    data: dict[str, Any], *, lane_types: Collection[str] = ARGOVERSE2_VEHICLE_LANES
) -> tuple[list[Lane], list[NDArray[np.float64]]]:
    """The lanes and drivable-area polygons of a parsed Argoverse 2 map JSON (see
    :func:`road_map_from_argoverse2`)."""
    segments = [s for s in data["lane_segments"].values() if s["lane_type"] in lane_types]
    index = {s["id"]: i for i, s in enumerate(segments)}
    lanes = [
        Lane(
            centerline=_xy(s["centerline"]),
            left=_xy(s["left_lane_boundary"]),
            right=_xy(s["right_lane_boundary"]),
            successors=tuple(index[t] for t in s["successors"] if t in index),
            in_intersection=bool(s["is_intersection"]),
        )
        for s in segments
    ]
    return lanes, [_xy(a["area_boundary"]) for a in data["drivable_areas"].values()]


def road_map_from_commonroad(lanelet_network: Any, *, cell_size: float = 2.0) -> RoadMap:
    """Every lanelet as a lane (centre, left and right vertices, successors); the drivable area
    is their union. Speed limits come from the lanelets' MAX_SPEED traffic signs where present;
    the lanelets an intersection's incomings lead into (across it) are in_intersection."""
    return RoadMap(commonroad_lanes(lanelet_network), cell_size=cell_size)


def commonroad_lanes(lanelet_network: Any) -> list[Lane]:
    """The lanes of a commonroad-io lanelet network (see :func:`road_map_from_commonroad`)."""
    lanelets = list(lanelet_network.lanelets)
    index = {ll.lanelet_id: i for i, ll in enumerate(lanelets)}
    limits = _commonroad_speed_limits(lanelet_network)
    crossing = _commonroad_intersection_lanelets(lanelet_network)
    return [
        Lane(
            centerline=np.asarray(ll.center_vertices, np.float64),
            left=np.asarray(ll.left_vertices, np.float64),
            right=np.asarray(ll.right_vertices, np.float64),
            speed_limit=limits.get(ll.lanelet_id, math.nan),
            successors=tuple(index[s] for s in ll.successor if s in index),
            in_intersection=ll.lanelet_id in crossing,
        )
        for ll in lanelets
    ]


def _commonroad_speed_limits(lanelet_network: Any) -> dict[int, float]:
    signs = {s.traffic_sign_id: s for s in getattr(lanelet_network, "traffic_signs", [])}
    limits: dict[int, float] = {}
    for ll in lanelet_network.lanelets:
        for sign_id in getattr(ll, "traffic_signs", ()):
            sign = signs.get(sign_id)
            if sign is None:
                continue
            for element in sign.traffic_sign_elements:
                if (
                    str(element.traffic_sign_element_id.name) == "MAX_SPEED"
                    and element.additional_values
                ):
                    limits[ll.lanelet_id] = float(element.additional_values[0])
    return limits


def _commonroad_intersection_lanelets(lanelet_network: Any) -> set[int]:
    inside: set[int] = set()
    for intersection in getattr(lanelet_network, "intersections", ()):
        for incoming in intersection.incomings:
            # commonroad-io 2025+ names them outgoing_*, earlier releases successors_*.
            for turn in ("left", "right", "straight"):
                lanes = getattr(incoming, f"outgoing_{turn}", None)
                if lanes is None:
                    lanes = getattr(incoming, f"successors_{turn}", None)
                inside.update(lanes or ())
    return inside
