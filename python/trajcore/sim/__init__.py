"""Simulation: scene files (what one planning cycle sees), closed-loop replay of recordings with
the planner and predictor in the loop, and fleet evaluation over folders of recordings."""

from .array_file import ArrayFileError, read_arrays, write_arrays
from .baseline_predictor import ConstantVelocityPredictor
from .replay import (
    DriveMetrics,
    ReplayResult,
    StepRecord,
    default_ego,
    predict_frame,
    replay,
    replay_planner,
)
from .scene import SceneFrame, predictor_window, read_scene, write_scene

__all__ = [
    "ArrayFileError",
    "ConstantVelocityPredictor",
    "DriveMetrics",
    "ReplayResult",
    "SceneFrame",
    "StepRecord",
    "default_ego",
    "predict_frame",
    "predictor_window",
    "read_arrays",
    "read_scene",
    "replay",
    "replay_planner",
    "write_arrays",
    "write_scene",
]
