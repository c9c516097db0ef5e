"""The road map: lanes and drivable area, indexed once, queried for every candidate step.

The work happens in C++ (``trajcore::RoadMap``, cpp/include/trajcore/road_map.hpp); this module
holds the lane description and names the query results. docs/scoring.md ("Road map") gives the
rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _core


@dataclass(frozen=True)
class Lane:
    """One lane: polylines (P, 2) in metres, all in the driving direction."""

    centerline: Any
    left: Any
    right: Any
    #: m/s; NaN when the map has none.
    speed_limit: float = math.nan
    #: Indices of the lanes this one leads into.
    successors: Sequence[int] = field(default_factory=tuple)
    #: Part of an intersection (a connector through it).
    in_intersection: bool = False


@dataclass(frozen=True)
class LaneLocation:
    """Results of :meth:`RoadMap.locate_lanes`, one entry per pose."""

    #: int32: the containing lane best aligned with the pose's yaw (then nearest its
    #: centreline); -1 where no lane contains the position.
    lane: Any
    #: int32: how many lane polygons contain the position.
    lane_count: Any
    #: (..., 2) float32: s along that lane's centreline and d (left positive); NaN without a lane.
    station: Any
    #: float32: that lane's speed limit (m/s); NaN without a lane or limit.
    speed_limit: Any


def _points(value: Any) -> NDArray[np.float64]:
    return np.ascontiguousarray(np.asarray(value, dtype=np.float64))


class RoadMap:
    """Lanes and drivable-area polygons, with a uniform grid of ``cell_size`` metres over them.

    Without ``drivable_areas`` the drivable area is the union of the lanes' polygons (left
    boundary, then the right boundary reversed). Bad maps (non-finite points, polylines with
    fewer than two distinct points, self-intersecting polygons, successor indices out of range)
    raise ValueError naming the defect.
    """

    def __init__(
        self,
        lanes: Sequence[Lane],
        drivable_areas: Sequence[Any] = (),
        *,
        cell_size: float = 2.0,
    ) -> None:
        self.lanes = tuple(lanes)
        self._map = _core._RoadMap(
            [
                (
                    _points(lane.centerline),
                    _points(lane.left),
                    _points(lane.right),
                    float(lane.speed_limit),
                    [int(s) for s in lane.successors],
                    bool(lane.in_intersection),
                )
                for lane in self.lanes
            ],
            [_points(area) for area in drivable_areas],
            float(cell_size),
        )

    @property
    def lane_count(self) -> int:
        return int(self._map.lane_count)

    def successors(self, lane: int) -> list[int]:
        """The lanes this lane leads into."""
        return list(self._map.successors(lane))

    def predecessors(self, lane: int) -> list[int]:
        """The lanes that lead into this lane."""
        return list(self._map.predecessors(lane))

    def lane_meets_convex(self, lane: int, polygon: Any) -> bool:
        """Whether the lane's polygon and a convex polygon (V, 2), vertices in order, share a
        point, boundaries included (shapely's ``intersects``)."""
        return bool(self._map.lane_meets_convex(int(lane), np.asarray(polygon, np.float64)))

    def lane_length(self, lane: int) -> float:
        """Arc length of the lane's centreline (m)."""
        return float(self._map.lane_length(lane))

    def drivable_area_distance(self, points: Any, *, out: Any = None) -> Any:
        """(..., 2) points -> (...) float32: 0 inside the drivable area, else the distance to it
        (m). nuPlan's drivable-area compliance fails a box corner at 0.3 m or more."""
        return self._map.drivable_area_distance(points, out)

    def locate_lanes(self, poses: Any) -> LaneLocation:
        """(..., 3) poses (x, y, yaw) -> the lane each lies in; see :class:`LaneLocation`."""
        lane, count, station, limit = self._map.locate_lanes(poses)
        return LaneLocation(lane=lane, lane_count=count, station=station, speed_limit=limit)
