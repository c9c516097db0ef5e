# Type stubs of the compiled module trajcore._core (cpp/bindings/). Arrays are numpy arrays or
# torch tensors; a result has the library and device of the call's first array argument.
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

__version__: str

_FloatArray = NDArray[np.float32] | NDArray[np.float64]

def built_with_cuda() -> bool: ...
def cuda_device_count() -> int: ...
def cuda_status() -> str: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def _data_pointer(array: Any) -> int: ...
@overload
def box_corners(
    boxes: _FloatArray, *, out: NDArray[np.float32] | None = None
) -> NDArray[np.float32]:
    """Corners (..., 4, 2) of boxes (..., 5) = (x, y, yaw, length, width)."""

@overload
def box_corners(boxes: Any, *, out: Any = None) -> Any: ...
@overload
def box_overlap(
    a: _FloatArray, b: _FloatArray, *, out: NDArray[np.bool_] | None = None
) -> NDArray[np.bool_]:
    """Whether boxes a (..., 5) and b (..., 5) overlap; touching counts. Broadcasts."""

@overload
def box_overlap(a: Any, b: Any, *, out: Any = None) -> Any: ...
@overload
def box_distance(
    a: _FloatArray, b: _FloatArray, *, out: NDArray[np.float32] | None = None
) -> NDArray[np.float32]:
    """Gap between boxes a and b; 0 touching; -penetration depth overlapping. Broadcasts."""

@overload
def box_distance(a: Any, b: Any, *, out: Any = None) -> Any: ...

class CollisionWorkspace:
    """Scratch memory reused by check_collisions calls (one call at a time)."""

    def __init__(self) -> None: ...
    @property
    def capacity_bytes(self) -> int: ...

def _check_collisions(
    ego: Any,
    ego_extent: Any,
    agents: Any,
    agent_extent: Any,
    agent_prob: Any,
    agent_valid: Any,
    margin: float,
    swept: bool,
    clearance_cap: float,
    compute_agent_first_step: bool,
    compute_min_clearance: bool,
    workspace: CollisionWorkspace | None,
) -> tuple[Any, Any, Any | None, Any, Any | None]: ...
def _vehicle_preset(name: str) -> dict[str, Any]: ...
def _validate_vehicle_params(params: Any) -> None: ...
def _rollout(
    state0: Any, controls: Any, params: Any, dt: float, articulation0: Any
) -> tuple[Any, Any, Any | None]: ...
def _rollout_f64(
    state0: Any, controls: Any, params: Any, dt: float, articulation0: Any
) -> tuple[Any, Any, Any | None]: ...
def _rollout_backward(
    state0: Any,
    controls: Any,
    params: Any,
    dt: float,
    articulation0: Any,
    grad_states: Any,
    grad_trailer: Any,
) -> tuple[Any, Any, Any | None]: ...
def _validate_tracker_params(tracker: Any) -> None: ...
def _track(
    state0: Any, references: Any, params: Any, tracker: Any, dt: float, articulation0: Any
) -> tuple[Any, Any, Any, Any | None]: ...
def _track_f64(
    state0: Any, references: Any, params: Any, tracker: Any, dt: float, articulation0: Any
) -> tuple[Any, Any, Any, Any | None]: ...
def _frenet_lattice(
    ego_state: Any,
    line: _ReferenceLine,
    offsets: list[float],
    speeds: list[float],
    durations: list[float],
    steps: int,
    dt: float,
    params: Any,
    tracker: Any,
    comfortable_acceleration: float,
) -> dict[str, Any]: ...
def _pdm_proposals(
    ego_state: Any,
    line: _ReferenceLine,
    agent_poses: Any,
    agent_extents: Any,
    agent_valid: Any,
    offsets: list[float],
    fractions: list[float],
    speed_limit: float,
    stop_line: float,
    idm: Any,
    steps: int,
    dt: float,
    params: Any,
    tracker: Any,
) -> dict[str, Any]: ...
def _propagate_agents(states: Any, T: int, dt: float, model: str, valid: Any) -> Any: ...
def _add_physics_modes(
    agents: Any,
    agent_prob: Any,
    predicted: Any,
    history: Any,
    history_valid: Any,
    dt: float,
    modes: Any,
) -> tuple[Any, Any, Any]: ...
def _validate_physics_modes(modes: Any) -> None: ...

class _ReferenceLine:
    def __init__(self, points: Any, spacing: float, smoothing: float) -> None: ...
    @property
    def length(self) -> float: ...
    @property
    def spacing(self) -> float: ...
    def samples(self) -> tuple[list[float], list[float], list[float], list[float]]: ...
    def project(self, xy: Any) -> Any: ...
    def to_cartesian(self, sd: Any) -> Any: ...
    def evaluate(self, s: Any) -> Any: ...

class _RoadMap:
    def __init__(
        self,
        lanes: list[tuple[Any, Any, Any, float, list[int], bool]],
        drivable_areas: list[Any],
        cell_size: float,
    ) -> None: ...
    @property
    def lane_count(self) -> int: ...
    def speed_limit(self, lane: int) -> float: ...
    def successors(self, lane: int) -> list[int]: ...
    def predecessors(self, lane: int) -> list[int]: ...
    def lane_length(self, lane: int) -> float: ...
    def in_intersection(self, lane: int) -> bool: ...
    def lane_meets_convex(self, lane: int, polygon: Any) -> bool: ...
    def drivable_area_distance(self, points: Any, out: Any) -> Any: ...
    def locate_lanes(self, poses: Any) -> tuple[Any, Any, Any, Any]: ...

def _ego_areas(
    states: Any,
    length: float,
    width: float,
    road_map: _RoadMap,
    route_lanes: list[int],
    drivable_tolerance: float,
) -> Any: ...
def _drivable_area_compliance(areas: Any) -> tuple[Any, Any]: ...
def _driving_direction_compliance(
    states: Any,
    areas: Any,
    road_map: _RoadMap | None,
    rule: int,
    window: int,
    skip_intersections: bool,
    compliance_threshold: float,
    violation_threshold: float,
) -> tuple[Any, Any, Any]: ...
def _at_fault_collisions(
    states: Any,
    areas: Any,
    agents: Any,
    agent_extent: Any,
    agent_type: Any,
    agent_first_step: Any,
    agent_prob: Any,
    agent_speed: Any,
    ignored: Any,
    length: float,
    width: float,
    rear_axle_to_center: float,
    dt: float,
    stopped_speed: float,
    behind_angle: float,
    scoring: int,
    vru_lateral_at_fault: bool,
) -> tuple[Any, Any, Any, Any]: ...
def _comfort(
    states: Any, dt: float, params: Any, with_series: bool
) -> tuple[Any, Any, Any, Any]: ...
def _time_to_collision(
    states: Any,
    areas: Any,
    agents: Any,
    agent_extent: Any,
    agent_prob: Any,
    agent_valid: Any,
    ignored: Any,
    agent_first_step: Any,
    length: float,
    width: float,
    rear_axle_to_center: float,
    dt: float,
    projection_steps: list[int],
    stopped_speed: float,
    ahead_angle: float,
    behind_angle: float,
) -> tuple[Any, Any, Any]: ...
def _nuplan_time_to_collision(
    states: Any,
    areas: Any,
    agents: Any,
    agent_extent: Any,
    agent_type: Any,
    agent_speed: Any,
    agent_prob: Any,
    agent_valid: Any,
    ignored: Any,
    agent_first_step: Any,
    at_fault_step: Any,
    length: float,
    width: float,
    rear_axle_to_center: float,
    dt: float,
    time_step: float,
    time_horizon: float,
    least_min_ttc: float,
    stopped_speed: float,
    ahead_angle: float,
    behind_angle: float,
) -> tuple[Any, Any, Any, Any]: ...
def _score(
    states: Any,
    agents: Any,
    agent_extent: Any,
    agent_type: Any,
    agent_prob: Any,
    agent_valid: Any,
    ignored: Any,
    progress_reference: Any,
    agent_speed: Any,
    expert: Any,
    history: Any,
    previous: Any,
    previous_shift: int,
    red_lights: Any,
    length: float,
    width: float,
    rear_axle_to_center: float,
    dt: float,
    road_map: _RoadMap,
    route_lanes: list[int],
    centerline: _ReferenceLine,
    profile: Any,
) -> dict[str, Any]: ...
def _validate_scoring_profile(profile: Any) -> None: ...
def _extended_comfort(states: Any, previous: Any, shift: int, dt: float, params: Any) -> Any: ...
def _lane_keeping(
    states: Any, areas: Any, centerline: _ReferenceLine, max_deviation: float, steps: int
) -> tuple[Any, Any]: ...
def _traffic_light_compliance(
    states: Any,
    length: float,
    width: float,
    road_map: _RoadMap,
    red_lights: Any,
    front_margin: float,
) -> tuple[Any, Any]: ...

class _Planner:
    def __init__(
        self,
        vehicle: Any,
        tracker: Any,
        profile: Any,
        lateral_offsets: list[float],
        target_speeds: list[float],
        durations: list[float],
        speed_limit_fractions: list[float],
        comfortable_acceleration: float,
        steps: int,
        dt: float,
        chunk: int,
        generator: str,
        pdm: Any,
        emergency: Any,
        stop_gap: float,
        comfortable_first: bool,
    ) -> None: ...
    @property
    def candidate_count(self) -> int: ...
    @property
    def max_candidate_count(self) -> int: ...
    def plan(
        self,
        ego_state: Any,
        agents: Any,
        agent_extent: Any,
        agent_type: Any,
        agent_prob: Any,
        agent_valid: Any,
        ignored: Any,
        route_lanes: Any,
        previous: Any,
        previous_shift: int,
        red_lanes: Any,
        road_map: _RoadMap,
        reference_line: _ReferenceLine,
        deadline_ms: float,
    ) -> dict[str, Any]: ...

def _speed_limit_compliance(
    states: Any, road_map: _RoadMap, max_overspeed: float
) -> tuple[Any, Any, Any]: ...
def _safe_distance(
    states: Any,
    agents: Any,
    agent_extent: Any,
    agent_prob: Any,
    agent_valid: Any,
    ignored: Any,
    length: float,
    width: float,
    dt: float,
    params: Any,
) -> tuple[Any, Any, Any]: ...
def _validate_safe_distance_params(params: Any) -> None: ...
