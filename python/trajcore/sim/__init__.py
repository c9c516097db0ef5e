"""Simulation: scene files (what one planning cycle sees), closed-loop replay of recordings with
the planner and predictor in the loop, and fleet evaluation over folders of recordings."""

from .array_file import ArrayFileError, read_arrays, write_arrays
from .replay import DriveMetrics, ReplayResult, default_ego, predict_frame, replay
from .scene import SceneFrame, predictor_window, read_scene, write_scene

__all__ = [
    "ArrayFileError",
    "DriveMetrics",
    "ReplayResult",
    "SceneFrame",
    "default_ego",
    "predict_frame",
    "predictor_window",
    "read_arrays",
    "read_scene",
    "replay",
    "write_arrays",
    "write_scene",
]
