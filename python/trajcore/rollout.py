"""Rollout of (jerk, steering rate) sequences through the kinematic bicycle with limits.

The work happens in C++ (``trajcore::rollout``); this module names the results and, for torch
tensors that require grad, connects the exact C++ backward to autograd. Model, integration and
limits: docs/rollout.md.
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass
from typing import Any

from . import _core
from ._repr import readable_repr
from .vehicle import VehicleParams


class Saturation(enum.IntFlag):
    """Bits of :attr:`RolloutResult.saturation`: which limit shaped a step."""

    #: |jerk| clamped to max_jerk.
    JERK = 1
    #: Acceleration held at max_acceleration or -max_deceleration.
    ACCELERATION = 2
    #: Stopped instead of reversing (speed reached 0 inside the step).
    STANDSTILL = 4
    #: |steering rate| clamped to max_steering_rate.
    STEERING_RATE = 8
    #: Steering held at max_steering_angle.
    STEERING_ANGLE = 16
    #: Steering held at the lateral-acceleration bound.
    LATERAL_ACCELERATION = 32
    #: Trailer articulation beyond max_articulation (flagged, not prevented).
    ARTICULATION = 64


@readable_repr
@dataclass(frozen=True)
class RolloutResult:
    """Results of :func:`rollout`, in the inputs' array library."""

    #: (B, N, T+1, 6): x, y, yaw, v, a, steer of the box centre; step 0 is state0.
    states: Any
    #: (B, N, T) int32: :class:`Saturation` bits of the step from t to t+1 (0: no limit reached).
    saturation: Any
    #: (B, N, T+1, 3): x, y, yaw of the trailer's box centre; None without a trailer.
    trailer: Any


def rollout(
    state0: Any,
    controls: Any,
    params: VehicleParams,
    dt: float,
    *,
    articulation0: Any = None,
) -> RolloutResult:
    """Roll candidates' controls out through the kinematic bicycle (and trailer).

    Args:
        state0: (B, 6) one initial state per scene or (B, N, 6) one per candidate:
            x, y, yaw, v, a, steer (box centre, m, rad, m/s, m/s^2, rad). v >= 0; a and steer
            within the limits of ``params``.
        controls: (B, N, T, 2): jerk (m/s^3) and steering rate (rad/s), held over each step.
        params: the vehicle, e.g. ``VehicleParams.passenger_car()``.
        dt: step length (s, > 0).
        articulation0: with a trailer: (B) or (B, N) tractor yaw minus trailer yaw at t = 0
            (default 0).

    B is optional. float64 inputs are converted to float32 once, except on the differentiable
    path: torch tensors that require grad go through an autograd function whose backward is the
    exact vector-Jacobian product of the model (computed in float64 in C++); float64 tensors are
    then also rolled out in float64.
    """
    if _needs_autograd(state0, controls, articulation0):
        from ._rollout_autograd import differentiable_rollout

        states, saturation, trailer = differentiable_rollout(
            state0, controls, articulation0, params, float(dt)
        )
    else:
        states, saturation, trailer = _core._rollout(
            state0, controls, params, float(dt), articulation0
        )
    return RolloutResult(states=states, saturation=saturation, trailer=trailer)


def _needs_autograd(*arrays: Any) -> bool:
    torch = sys.modules.get("torch")
    if torch is None or not torch.is_grad_enabled():
        return False
    return any(isinstance(a, torch.Tensor) and a.requires_grad for a in arrays)
