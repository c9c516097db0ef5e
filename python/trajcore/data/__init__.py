"""Recordings in: loaders that turn CommonRoad and Argoverse 2 files into one
:class:`Scenario` layout (docs/data.md). The format libraries (commonroad-io, pyarrow, scipy)
are imported only when a function needs them: ``pip install 'trajcore[data]'``."""

from .argoverse2 import ARGOVERSE2_EXTENTS, ARGOVERSE2_TYPES, load_argoverse2
from .commonroad import COMMONROAD_TYPES, load_commonroad
from .map_edges import continue_cut_lanes, cut_lanes
from .recordings import load_recording, recording_files
from .scenario import STATE_FIELDS, LightState, Scenario
from .smoothing import resample_scenario, smooth_scenario
from .windows import WindowConfig, Windows, lane_segments, make_windows, split_scenarios

__all__ = [
    "ARGOVERSE2_EXTENTS",
    "ARGOVERSE2_TYPES",
    "COMMONROAD_TYPES",
    "STATE_FIELDS",
    "LightState",
    "Scenario",
    "WindowConfig",
    "Windows",
    "continue_cut_lanes",
    "cut_lanes",
    "lane_segments",
    "load_argoverse2",
    "load_commonroad",
    "load_recording",
    "make_windows",
    "recording_files",
    "resample_scenario",
    "smooth_scenario",
    "split_scenarios",
]
