"""Vehicle parameters: dimensions and actuator limits, with car and semi-truck presets.

The presets come from the C++ core (``trajcore::VehicleParams::passenger_car()`` and
``semi_truck()``), so both languages use the same numbers. Frames and conventions:
docs/rollout.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core


@dataclass(frozen=True)
class TrailerParams:
    """A trailer on a hitch: its box, its wheelbase and the hitch's place on the tractor."""

    #: Box length and width (m).
    length: float
    width: float
    #: Hitch to trailer axle (m, > 0).
    wheelbase: float
    #: Trailer axle to the trailer's box centre, forward positive (m).
    axle_to_center: float
    #: Tractor rear axle to the hitch, forward positive (m); 0 is an on-axle hitch.
    hitch_offset: float
    #: Limit of |tractor yaw - trailer yaw| (rad, in (0, pi)); beyond it a step is flagged.
    max_articulation: float


@dataclass(frozen=True)
class VehicleParams:
    """Dimensions (m) and limits (SI, all positive) of the kinematic bicycle.

    The state is the pose of the box centre; the bicycle turns about the rear axle,
    ``rear_axle_to_center`` behind the centre. Invalid values raise ValueError on construction.
    """

    length: float
    width: float
    wheelbase: float
    #: Rear axle to box centre, forward positive (m).
    rear_axle_to_center: float
    max_acceleration: float
    #: Braking limit as a positive number (m/s^2).
    max_deceleration: float
    max_jerk: float
    #: Front-wheel angle limit (rad, < pi/2).
    max_steering_angle: float
    max_steering_rate: float
    #: Bound on v * yaw rate = v^2 tan(steer) / wheelbase (m/s^2).
    max_lateral_acceleration: float
    trailer: TrailerParams | None = None

    def __post_init__(self) -> None:
        _core._validate_vehicle_params(self)

    @classmethod
    def passenger_car(cls) -> VehicleParams:
        """nuPlan's Chrysler Pacifica (the car nuPlan and PDM score) with physical limits."""
        return cls._preset("passenger_car")

    @classmethod
    def semi_truck(cls) -> VehicleParams:
        """A tractor (CommonRoad vehicle 4) with a 13.6 m semi-trailer."""
        return cls._preset("semi_truck")

    @classmethod
    def _preset(cls, name: str) -> VehicleParams:
        fields: dict[str, Any] = _core._vehicle_preset(name)
        trailer = fields.pop("trailer")
        body = _shortest(fields)
        return cls(**body, trailer=None if trailer is None else TrailerParams(**_shortest(trailer)))

    @property
    def extent(self) -> tuple[float, float]:
        """(length, width): the ``ego_extent`` of :func:`trajcore.check_collisions`."""
        return (self.length, self.width)


def _shortest(fields: dict[str, float]) -> dict[str, float]:
    # C++ stores float32: 5.176f reads back as 5.176000118...; the shortest decimal that rounds to
    # the same float32 is what was written (and converts back exactly).
    return {k: float(str(np.float32(v))) for k, v in fields.items()}
