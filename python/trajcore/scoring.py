"""Scoring: candidates' metrics combined by a named profile (PDM-Closed, NAVSIM PDMS and EPDMS,
nuPlan's CLS, trajcore's multimodal default), every sub-score and first-infraction step kept.

The work happens in C++ (``trajcore/scoring.hpp``); docs/scoring.md ("Scoring and profiles")
gives the formula, the profiles and their sources.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import _core
from ._repr import readable_repr
from .collision_metrics import SafeDistanceParams
from .comfort import ComfortParams, ExtendedComfortParams
from .reference_line import ReferenceLine
from .road_map import RoadMap
from .vehicle import VehicleParams

#: nuPlan's derivative estimation (state_extractors.py), which NAVSIM v2's comfort copies.
_NUPLAN_COMFORT = ComfortParams(
    lon_accel_window=8,
    jerk_smoothing_window=8,
    jerk_window=15,
    yaw_rate_window=5,
    yaw_accel_window=5,
)


@dataclass(frozen=True)
class ScoringProfile:
    """Gates, weights and metric switches of :func:`score` (the C++ ScoringProfile)."""

    name: str = "pdm_closed"
    gate_collision: bool = True
    gate_drivable_area: bool = True
    gate_driving_direction: bool = True
    #: Needs ``red_lights`` (1 without).
    gate_traffic_light: bool = False
    #: nuPlan's ego_is_making_progress; needs ``expert``.
    gate_making_progress: bool = False
    #: :func:`trajcore.safe_distance` (RSS-style following distance), with ``safe_distance``.
    gate_safe_distance: bool = False
    weight_progress: float = 5.0
    weight_ttc: float = 5.0
    weight_comfort: float = 2.0
    weight_speed_limit: float = 0.0
    weight_lane_keeping: float = 0.0
    #: Needs ``previous`` (1 without).
    weight_extended_comfort: float = 0.0
    #: A box corner farther than this from the drivable area is off road (m).
    drivable_tolerance: float = 0.0
    direction_rule: Literal["lane_progress", "off_route"] = "off_route"
    direction_window: int = 0
    direction_skip_intersections: bool = False
    direction_compliance_threshold: float = 2.0
    direction_violation_threshold: float = 6.0
    #: Progress is normalised by the scene's best gated progress when that exceeds this (m).
    progress_threshold: float = 0.1
    clip_progress: bool = False
    #: "scene_best": normalised by the scene's best gated progress (PDM-Closed, NAVSIM);
    #: "expert_ratio": nuPlan's progress along the expert route, needs ``expert``.
    progress_rule: Literal["scene_best", "expert_ratio"] = "scene_best"
    expert_progress_threshold: float = 2.0
    making_progress_threshold: float = 0.2
    collision_stopped_speed: float = 0.05
    #: "worst_collision" (PDM-Closed, NAVSIM) or "nuplan_counts" (nuPlan's per-class counts).
    collision_scoring: Literal["worst_collision", "nuplan_counts"] = "worst_collision"
    #: A lateral contact with a pedestrian or bicycle is the moving ego's fault wherever it is
    #: (nuPlan, PDM-Closed: only when the ego is in several lanes or off the drivable area);
    #: :func:`trajcore.at_fault_collisions`.
    collision_vru_lateral_at_fault: bool = False
    #: "shifted_box": :func:`trajcore.time_to_collision` (PDM-Closed, NAVSIM);
    #: "constant_velocity": :func:`trajcore.nuplan_time_to_collision` (nuPlan).
    ttc_rule: Literal["shifted_box", "constant_velocity"] = "shifted_box"
    ttc_projection_steps: tuple[int, ...] = (0, 3, 6, 9)
    ttc_stopped_speed: float = 5e-3
    ttc_time_step: float = 0.1
    ttc_time_horizon: float = 3.0
    ttc_least_min_ttc: float = 0.95
    max_overspeed: float = 2.23
    lane_keeping_deviation: float = 0.5
    #: Seconds: ceil(window / dt) consecutive steps.
    lane_keeping_window: float = 2.0
    #: Collision and TTC sub-scores from the modes' probabilities instead of the worst mode.
    use_probabilities: bool = False
    comfort: ComfortParams = field(default_factory=ComfortParams)
    #: Comfort on ``history`` followed by the candidate (NAVSIM v2's history comfort).
    comfort_with_history: bool = False
    extended_comfort: ExtendedComfortParams = field(default_factory=ExtendedComfortParams)
    #: NAVSIM v2's human filter: a sub-score is 1 where the expert, scored alone, scores 0.
    human_filter: bool = False
    safe_distance: SafeDistanceParams = field(default_factory=SafeDistanceParams)
    #: Margins by agent class (m added to every side of the agent's box) in the collision, TTC
    #: and safe-distance checks: a planner's buffer, 0 in the published profiles. Large vehicles
    #: are vehicles longer than ``large_vehicle_length`` (buses, trucks); bicycles include
    #: motorcycles.
    margin_vehicle: float = 0.0
    margin_large_vehicle: float = 0.0
    margin_pedestrian: float = 0.0
    margin_bicycle: float = 0.0
    margin_object: float = 0.0
    large_vehicle_length: float = 7.0
    #: m the ego's box reaches further ahead in traffic-light compliance: where a planner stops
    #: for a red light (0 in the published profiles).
    red_light_margin: float = 0.0

    def __post_init__(self) -> None:
        _core._validate_scoring_profile(self)

    @staticmethod
    def named(name: str) -> ScoringProfile:
        """The profile ``name``: "pdm_closed", "navsim_pdms", "navsim_epdms", "nuplan_cls" or
        "trajcore_default"."""
        if name == "pdm_closed":
            return ScoringProfile()
        if name == "navsim_pdms":
            return ScoringProfile(
                name=name, gate_driving_direction=False, progress_threshold=5.0, clip_progress=True
            )
        if name == "navsim_epdms":
            return ScoringProfile(
                name=name,
                gate_traffic_light=True,
                direction_window=10,
                direction_skip_intersections=True,
                progress_threshold=5.0,
                clip_progress=True,
                weight_lane_keeping=2.0,
                weight_extended_comfort=2.0,
                comfort_with_history=True,
                comfort=_NUPLAN_COMFORT,
                human_filter=True,
            )
        if name == "nuplan_cls":
            return ScoringProfile(
                name=name,
                gate_making_progress=True,
                drivable_tolerance=0.3,
                direction_rule="lane_progress",
                direction_window=10,
                progress_rule="expert_ratio",
                collision_scoring="nuplan_counts",
                ttc_rule="constant_velocity",
                weight_speed_limit=4.0,
                comfort=dataclasses.replace(
                    _NUPLAN_COMFORT, lateral_acceleration="speed_times_yaw_rate"
                ),
            )
        if name == "trajcore_default":
            return ScoringProfile(
                name=name,
                use_probabilities=True,
                gate_safe_distance=True,
                gate_traffic_light=True,
                red_light_margin=1.0,
                drivable_tolerance=0.3,
                margin_vehicle=0.2,
                margin_large_vehicle=0.3,
                margin_pedestrian=0.5,
                margin_bicycle=0.4,
                margin_object=0.2,
                collision_vru_lateral_at_fault=True,
                clip_progress=True,
                weight_speed_limit=4.0,
                comfort=ComfortParams(lateral_acceleration="speed_times_yaw_rate"),
            )
        raise ValueError(
            f"profile is {name!r}, expected one of 'pdm_closed', 'navsim_pdms', 'navsim_epdms', "
            "'nuplan_cls', 'trajcore_default'"
        )


@readable_repr
@dataclass(frozen=True)
class ScoreResult:
    """Results of :func:`score`; (B, N) per candidate unless noted."""

    total: Any
    no_collision: Any
    drivable_area: Any
    driving_direction: Any
    #: Normalised progress, and the raw advance along the centreline (m).
    progress: Any
    progress_m: Any
    ttc: Any
    comfort: Any
    traffic_light: Any
    making_progress: Any
    speed_limit: Any
    lane_keeping: Any
    extended_comfort: Any
    #: First-infraction steps, -1 without one.
    collision_step: Any
    drivable_area_step: Any
    driving_direction_step: Any
    ttc_step: Any
    comfort_step: Any
    traffic_light_step: Any
    speed_limit_step: Any
    lane_keeping_step: Any
    #: 1, or the probability of keeping a safe gap (1 where the profile does not gate on it).
    safe_distance: Any
    safe_distance_step: Any
    #: (B, N, T+1) :class:`trajcore.EgoArea` bits.
    areas: Any
    #: (B, N, M, K) :class:`trajcore.CollisionType` of each agent mode's first contact.
    collision_type: Any
    #: :class:`trajcore.ComfortBound` bits of the comfort bounds broken.
    comfort_failed: Any


def score(
    states: Any,
    agents: Any,
    agent_extent: Any,
    agent_type: Any,
    *,
    params: VehicleParams,
    dt: float,
    road_map: RoadMap,
    centerline: ReferenceLine,
    route_lanes: Sequence[int] | None = None,
    agent_prob: Any = None,
    agent_valid: Any = None,
    ignored: Any = None,
    progress_reference: Any = None,
    agent_speed: Any = None,
    expert: Any = None,
    history: Any = None,
    previous: Any = None,
    previous_shift: int = 0,
    red_lights: Any = None,
    profile: str | ScoringProfile = "pdm_closed",
    **overrides: Any,
) -> ScoreResult:
    """Score candidate trajectories with a named profile.

    Args:
        states: (B, N, T+1, S) candidate states (x, y, yaw, v, a, ...); B optional.
        agents: (B, M, K, T+1, 3) agent box-centre poses per mode; agent_extent (B, M, 2);
            agent_type (B, M) int32 :class:`trajcore.AgentType`.
        params: the ego vehicle; dt: step length (s).
        road_map, route_lanes: the map and the lanes of the route (None: every lane).
        centerline: the route's centreline, along which progress is measured.
        agent_prob, agent_valid: as :func:`trajcore.check_collisions`; ignored: (B, M) agents
            already collided with.
        progress_reference: (B) a reference's gated progress (m) that joins each scene's
            progress normaliser (NAVSIM scores a submission against PDM-Closed's).
        agent_speed: (B, M, K, T+1) agent speeds (estimated from the poses when None).
        expert: (B, T+1, S) the logged (human) trajectory: nuPlan's progress ratio and making
            progress, NAVSIM's human filter.
        history: (B, H, S) past states at the same dt, oldest first (history comfort).
        previous, previous_shift: (B, T+1, S) the previous frame's trajectory and how many
            steps older it is (extended comfort).
        red_lights: (B, T+1, R) int32 lanes whose light is red at each step, -1 padding.
        profile: a name ("pdm_closed", "navsim_pdms", "navsim_epdms", "nuplan_cls",
            "trajcore_default") or a :class:`ScoringProfile`; ``overrides`` replace its fields.
    """
    chosen = ScoringProfile.named(profile) if isinstance(profile, str) else profile
    if overrides:
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(ScoringProfile)})
        if unknown:
            raise ValueError(f"unknown profile fields {unknown}, expected ScoringProfile fields")
        chosen = dataclasses.replace(chosen, **overrides)
    if isinstance(progress_reference, (int, float, np.number)):
        progress_reference = np.array(progress_reference, np.float32)
    arrays = _core._score(
        states,
        agents,
        agent_extent,
        agent_type,
        agent_prob,
        agent_valid,
        ignored,
        progress_reference,
        agent_speed,
        expert,
        history,
        previous,
        int(previous_shift),
        red_lights,
        float(params.length),
        float(params.width),
        float(params.rear_axle_to_center),
        float(dt),
        road_map._map,
        [int(i) for i in route_lanes or ()],
        centerline._line,
        chosen,
    )
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(states, torch.Tensor):
        arrays = {k: torch.from_numpy(v).to(states.device) for k, v in arrays.items()}
    return ScoreResult(**arrays)
