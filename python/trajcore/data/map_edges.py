"""Where a recording's map was cut, the road goes on.

A recorded map covers the stretch the sensors saw: NGSIM's lanes stop a few metres past the
last logged car, SinD's and Argoverse 2's at the edge of the crop. A planner that looks 5 s
ahead reads that edge as a wall and brakes for it during the last seconds of every drive. A lane
that runs off the map (no successor, and no road at all in a corridor ahead of its end) gets a
straight continuation lane of its end width and speed limit as its successor; lanes that end
in a merge or at a junction keep their end (the road beside or ahead of them goes on)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..road_map import Lane, RoadMap

#: Metres a cut lane is continued (the planner's horizon at 25 m/s is 125 m).
CONTINUATION_LENGTH = 150.0
#: The corridor probed beyond a lane's end: from PROBE_NEAR to PROBE_FAR metres ahead, PROBE_SIDE
#: metres to each side. Road anywhere in it means the lane ends inside the map (a merge, a
#: junction, a neighbour cut a little further on).
PROBE_NEAR = 10.0
PROBE_FAR = 40.0
PROBE_SIDE = 10.0


def _end_frame(lane: Lane) -> tuple[NDArray[np.float64], NDArray[np.float64], float] | None:
    """The lane's end point, unit direction there and end width; None for a degenerate end."""
    line = np.asarray(lane.centerline, np.float64)
    end = line[-1]
    for prev in line[-2::-1]:  # the last segment of non-zero length
        step = end - prev
        norm = math.hypot(*step)
        if norm > 1e-6:
            width = math.dist(np.asarray(lane.left)[-1], np.asarray(lane.right)[-1])
            return end, step / norm, width
    return None


def _road_ahead(
    maps: list[RoadMap], end: NDArray[np.float64], direction: NDArray[np.float64]
) -> bool:
    ahead = np.arange(PROBE_NEAR, PROBE_FAR + 0.5, 1.0)
    side = np.arange(-PROBE_SIDE, PROBE_SIDE + 0.5, 1.0)
    normal = np.array([-direction[1], direction[0]])
    points = end + ahead[:, None, None] * direction + side[None, :, None] * normal
    return any(bool((np.asarray(m.drivable_area_distance(points)) == 0).any()) for m in maps)


def cut_lanes(lanes: Sequence[Lane], drivable_areas: Sequence[Any] = ()) -> list[int]:
    """Indices of the lanes that run off the map: no successor, a usable end, and no lane or
    drivable area PROBE_NEAR-PROBE_FAR m beyond the end within PROBE_SIDE m to either side."""
    maps = [RoadMap(lanes)] + ([RoadMap(lanes, drivable_areas)] if len(drivable_areas) else [])
    cut = []
    for i, lane in enumerate(lanes):
        if lane.successors:
            continue
        frame = _end_frame(lane)
        if frame is not None and not _road_ahead(maps, frame[0], frame[1]):
            cut.append(i)
    return cut


def continue_cut_lanes(
    lanes: Sequence[Lane],
    drivable_areas: Sequence[Any] = (),
    *,
    length: float = CONTINUATION_LENGTH,
) -> tuple[tuple[Lane, ...], tuple[NDArray[np.float64], ...], dict[int, int]]:
    """The map with every cut lane (:func:`cut_lanes`) continued ``length`` metres straight:
    the lanes with the continuations appended (each the successor of the lane it continues),
    the drivable areas with the continuations' polygons appended (when the map has drivable
    areas; without them the lanes are the drivable area), and {cut lane: its continuation}."""
    if not (length > 0 and math.isfinite(length)):
        raise ValueError(f"length is {length}, expected a finite number of metres > 0")
    cut = cut_lanes(lanes, drivable_areas)
    out = list(lanes)
    areas = [np.asarray(a, np.float64) for a in drivable_areas]
    continued: dict[int, int] = {}
    for i in cut:
        lane = lanes[i]
        frame = _end_frame(lane)
        assert frame is not None  # cut_lanes keeps only lanes with a usable end
        end, direction, _ = frame
        along = np.linspace(0.0, length, 16)[:, None] * direction
        left = np.asarray(lane.left, np.float64)[-1] + along
        right = np.asarray(lane.right, np.float64)[-1] + along
        continued[i] = len(out)
        out[i] = dataclasses.replace(lane, successors=(len(out),))
        out.append(Lane(end + along, left, right, lane.speed_limit))
        if areas:
            areas.append(np.concatenate([left, right[::-1]]))
    return tuple(out), tuple(areas), continued
