"""Comfort: nuPlan's six comfort bounds, with PDM-Closed's Savitzky-Golay derivative estimation.

The work happens in C++ (``trajcore/comfort.hpp``); docs/scoring.md ("Comfort") gives the rules,
the windows and PDM-Closed's quirks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

from . import _core
from ._repr import readable_repr


class ComfortBound(enum.IntFlag):
    """Bits of :attr:`ComfortResult.failed` (PDM-Closed's order)."""

    LON_ACCEL = 1
    LAT_ACCEL = 2
    JERK = 4
    LON_JERK = 8
    YAW_ACCEL = 16
    YAW_RATE = 32


@dataclass(frozen=True)
class ComfortParams:
    """Bounds (nuPlan's) and Savitzky-Golay windows (PDM-Closed's; 0: the whole horizon)."""

    max_lon_accel: float = 2.40
    min_lon_accel: float = -4.05
    max_abs_lat_accel: float = 4.89
    max_abs_jerk: float = 8.37
    max_abs_lon_jerk: float = 4.13
    max_abs_yaw_accel: float = 1.93
    max_abs_yaw_rate: float = 0.95
    lon_accel_window: int = 0
    #: The acceleration is smoothed with this window before the jerk filters.
    jerk_smoothing_window: int = 8
    jerk_window: int = 0
    #: PDM-Closed's yaw filters ignore the horizon-long window they are given and use 5.
    yaw_rate_window: int = 5
    yaw_accel_window: int = 5
    #: Every series is rounded to this many decimals (numpy.round); negative: no rounding.
    decimals: int = 8
    #: "zero": PDM-Closed's simulated states carry no lateral acceleration;
    #: "speed_times_yaw_rate": v times the estimated yaw rate.
    lateral_acceleration: Literal["zero", "speed_times_yaw_rate"] = "zero"


@readable_repr
@dataclass(frozen=True)
class ComfortResult:
    #: (...) float32: 1 comfortable, 0 not.
    score: Any
    #: (...) int32 :class:`ComfortBound` bits of the bounds left.
    failed: Any
    #: (...) int32: first step outside a bound, -1 without one.
    first_step: Any
    #: (..., 6, T+1) float32: the rounded series in :class:`ComfortBound` order; None unless
    #: asked for.
    series: Any = None


def comfort(
    states: Any, dt: float, params: ComfortParams | None = None, *, series: bool = False
) -> ComfortResult:
    """(..., T+1, S) states (x, y, yaw, v, a first) -> whether every comfort bound holds.
    ``series=True`` also returns the six estimated series."""
    score, failed, first, values = _core._comfort(
        states, float(dt), params or ComfortParams(), bool(series)
    )
    return ComfortResult(score=score, failed=failed, first_step=first, series=values)


@dataclass(frozen=True)
class ExtendedComfortParams:
    """NAVSIM v2's extended-comfort bounds (root mean square of the frame-to-frame
    differences) and Savitzky-Golay windows."""

    max_rms_accel: float = 0.7
    max_rms_jerk: float = 0.5
    max_rms_yaw_rate: float = 0.1
    max_rms_yaw_accel: float = 0.1
    accel_window: int = 8
    jerk_window: int = 15
    yaw_window: int = 5
    decimals: int = 8
    lateral_acceleration: Literal["zero", "speed_times_yaw_rate"] = "zero"


def extended_comfort(
    states: Any,
    previous: Any,
    *,
    shift: int,
    dt: float,
    params: ExtendedComfortParams | None = None,
) -> Any:
    """NAVSIM v2's extended comfort: (B, N) float32, 1 where the candidate's motion stays close
    to the previous frame's trajectory.

    ``previous`` (B, T+1, S), one per scene, is ``shift`` steps older: previous[shift + t] is
    compared with states[t] over the steps they share. On each, the acceleration magnitude,
    jerk, yaw rate and yaw acceleration are estimated with Savitzky-Golay filters (rounded as
    NAVSIM does); the score is 1 when the root mean square of every difference is within its
    bound (``params``). docs/scoring.md ("Extended comfort").
    """
    return _core._extended_comfort(
        states, previous, int(shift), float(dt), params or ExtendedComfortParams()
    )
