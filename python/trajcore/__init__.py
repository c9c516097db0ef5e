"""trajcore: the engine of a learned motion planner.

Collision checking, rollout and scoring of candidate trajectories in C++ (optional CUDA), called
with numpy arrays or torch tensors, zero-copy. Results come back in the caller's array library
and on the caller's device. See docs/arrays.md for the array rules and docs/geometry.md for the
box conventions.
"""

from __future__ import annotations

from pathlib import Path

from . import _core
from ._core import (
    CollisionWorkspace,
    box_corners,
    box_distance,
    box_overlap,
    built_with_cuda,
    cuda_device_count,
    cuda_status,
    get_num_threads,
    set_num_threads,
)
from .agents import PhysicsModes, add_physics_modes, propagate_agents
from .collision import CollisionResult, check_collisions
from .collision_metrics import (
    AgentType,
    AtFaultResult,
    CollisionType,
    NuplanTtcResult,
    SafeDistanceParams,
    SafeDistanceResult,
    TtcResult,
    at_fault_collisions,
    nuplan_time_to_collision,
    safe_distance,
    time_to_collision,
)
from .comfort import (
    ComfortBound,
    ComfortParams,
    ComfortResult,
    ExtendedComfortParams,
    comfort,
    extended_comfort,
)
from .generators import Candidates, IdmParams, frenet_lattice, pdm_proposals
from .map_metrics import (
    ComplianceResult,
    DirectionResult,
    EgoArea,
    SpeedLimitResult,
    StepComplianceResult,
    drivable_area_compliance,
    driving_direction_compliance,
    ego_areas,
    lane_keeping,
    speed_limit_compliance,
    traffic_light_compliance,
)
from .planner import (
    EmergencyBrake,
    LatticeSettings,
    PdmSettings,
    Planner,
    PlanReason,
    PlanResult,
    PlanScene,
    PlanTimings,
)
from .predictor import Prediction, Predictor
from .reference_line import ReferenceLine
from .road_map import Lane, LaneLocation, RoadMap
from .rollout import RolloutResult, Saturation, rollout
from .scoring import ScoreResult, ScoringProfile, score
from .track import TrackerParams, TrackResult, track
from .vehicle import TrailerParams, VehicleParams

__version__: str = _core.__version__

#: Prefix for CMake's find_package(trajcore): the C++ SDK installed beside the compiled module.
#: ``cmake -DCMAKE_PREFIX_PATH=$(python -c "import trajcore; print(trajcore.cmake_prefix_path)")``
cmake_prefix_path: str = str(Path(_core.__file__).resolve().parent / "sdk")

__all__ = [
    "AgentType",
    "AtFaultResult",
    "Candidates",
    "CollisionResult",
    "CollisionType",
    "CollisionWorkspace",
    "ComfortBound",
    "ComfortParams",
    "ComfortResult",
    "ComplianceResult",
    "DirectionResult",
    "EgoArea",
    "EmergencyBrake",
    "ExtendedComfortParams",
    "IdmParams",
    "Lane",
    "LaneLocation",
    "LatticeSettings",
    "NuplanTtcResult",
    "PdmSettings",
    "PhysicsModes",
    "PlanReason",
    "PlanResult",
    "PlanScene",
    "PlanTimings",
    "Planner",
    "Prediction",
    "Predictor",
    "ReferenceLine",
    "RoadMap",
    "RolloutResult",
    "SafeDistanceParams",
    "SafeDistanceResult",
    "Saturation",
    "ScoreResult",
    "ScoringProfile",
    "SpeedLimitResult",
    "StepComplianceResult",
    "TrackResult",
    "TrackerParams",
    "TrailerParams",
    "TtcResult",
    "VehicleParams",
    "__version__",
    "add_physics_modes",
    "at_fault_collisions",
    "box_corners",
    "box_distance",
    "box_overlap",
    "built_with_cuda",
    "check_collisions",
    "cmake_prefix_path",
    "comfort",
    "cuda_device_count",
    "cuda_status",
    "drivable_area_compliance",
    "driving_direction_compliance",
    "ego_areas",
    "extended_comfort",
    "frenet_lattice",
    "get_num_threads",
    "lane_keeping",
    "nuplan_time_to_collision",
    "pdm_proposals",
    "propagate_agents",
    "rollout",
    "safe_distance",
    "score",
    "set_num_threads",
    "speed_limit_compliance",
    "time_to_collision",
    "track",
    "traffic_light_compliance",
]
