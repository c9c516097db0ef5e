"""Tracking: closed-loop control of the kinematic bicycle along reference trajectories.

The work happens in C++ (``trajcore::track``); this module holds the controller parameters and
names the results. Torch tensors that require grad take the differentiable path of
_track_autograd.py. Controllers, lags and how they relate to nuPlan's and PDM-Closed's simulator:
docs/rollout.md ("Tracking").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from . import _core
from ._repr import readable_repr
from .rollout import _needs_autograd
from .vehicle import VehicleParams


@dataclass(frozen=True)
class TrackerParams:
    """Gains, horizon and actuator lags of :func:`track`.

    The defaults are those of nuPlan's LQR tracker and PDM-Closed's batch simulator, so tracked
    candidates score as they would there.
    """

    #: "lqr" (nuPlan / PDM-Closed) or "pure_pursuit" (lateral law; longitudinal stays LQR).
    controller: Literal["lqr", "pure_pursuit"] = "lqr"
    #: Longitudinal LQR weights on the speed error `horizon` steps ahead and on acceleration.
    q_longitudinal: float = 10.0
    r_longitudinal: float = 1.0
    #: Lateral LQR weights on lateral error, heading error, steering angle, and steering rate.
    q_lateral_error: float = 1.0
    q_heading_error: float = 10.0
    q_steering_angle: float = 0.0
    r_lateral: float = 1.0
    #: Steps of dt the LQR looks ahead (>= 2).
    horizon: int = 10
    #: Below stopping_speed (m/s, vehicle and reference): a = -stopping_gain (v - v_ref), no
    #: steering.
    stopping_gain: float = 0.5
    stopping_speed: float = 0.2
    #: First-order lags (s) from the acceleration and steering commands to the vehicle.
    acceleration_lag: float = 0.2
    steering_lag: float = 0.05
    #: Pure pursuit lookahead: max(min_lookahead, lookahead_time * v) metres of path.
    lookahead_time: float = 1.0
    min_lookahead: float = 3.0

    def __post_init__(self) -> None:
        _core._validate_tracker_params(self)


@readable_repr
@dataclass(frozen=True)
class TrackResult:
    """Results of :func:`track`, in the inputs' array library."""

    #: (B, N, T+1, 6): x, y, yaw, v, a, steer of the box centre; step 0 is state0.
    states: Any
    #: (B, N, T) int32: :class:`trajcore.Saturation` bits of each step.
    saturation: Any
    #: (B, N, T, 2): the jerk and steering rate the vehicle was given; ``rollout(state0,
    #: controls)`` reproduces ``states`` (and is the differentiable path).
    controls: Any
    #: (B, N, T+1, 3): the trailer's box poses; None without a trailer.
    trailer: Any


def track(
    state0: Any,
    references: Any,
    params: VehicleParams,
    dt: float,
    *,
    tracker: TrackerParams | None = None,
    articulation0: Any = None,
) -> TrackResult:
    """Drive the vehicle along reference trajectories with a closed-loop controller.

    Args:
        state0: (B, 6) one state per scene or (B, N, 6) one per candidate (as for
            :func:`trajcore.rollout`).
        references: (B, N, T+1, C) references sampled every dt, step 0 at the time of state0:
            C = 3 (x, y, yaw of the box centre), 4 (and the speed v) or 6 (the state layout; x, y,
            yaw and v are used). Without speeds, they are estimated from the displacements.
        params: the vehicle.
        dt: step length (s, > 0), also the controller's period.
        tracker: controller parameters (default: nuPlan's and PDM-Closed's LQR).
        articulation0: with a trailer: (B) or (B, N) initial articulation (default 0).

    B is optional. float64 inputs are converted to float32 once, except on the differentiable
    path: when a torch tensor requires grad, the same controllers run as torch operations in
    float64 around the differentiable rollout step, so gradients reach state0, the references
    and articulation0 through the whole closed loop; outputs are in float64 if an input is,
    else float32 (then within float32 rounding of the plain path, not bitwise equal to it).
    """
    tracker = tracker or TrackerParams()
    if _needs_autograd(state0, references, articulation0):
        from ._track_autograd import differentiable_track

        states, saturation, controls, trailer = differentiable_track(
            state0, references, articulation0, params, tracker, float(dt)
        )
    else:
        states, saturation, controls, trailer = _core._track(
            state0, references, params, tracker, float(dt), articulation0
        )
    return TrackResult(states=states, saturation=saturation, controls=controls, trailer=trailer)
