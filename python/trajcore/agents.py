"""Single-mode agent predictions from current states: constant velocity or constant turn rate.

The work happens in C++ (``trajcore::propagate_agents``). The result is in the agents layout of
:func:`trajcore.check_collisions` with K = 1, the baseline the learned predictor is measured
against and the fallback when it is not available.
"""

from __future__ import annotations

from typing import Any, Literal

from . import _core


def propagate_agents(
    states: Any,
    T: int,
    dt: float,
    model: Literal["cv", "ctrv"] = "cv",
    *,
    valid: Any = None,
) -> Any:
    """Predict agents T steps ahead.

    Args:
        states: (B, M, 4) x, y, yaw, speed or (B, M, 5) with the yaw rate (rad/s; required by
            ``"ctrv"``, ignored by ``"cv"``). Speed is along the heading.
        T: number of steps (>= 1).
        dt: step length (s, > 0).
        model: ``"cv"`` keeps speed and heading; ``"ctrv"`` keeps speed and yaw rate (a circular
            arc), evaluated in closed form at every step.
        valid: (B, M) bool, optional: agents under False are not read and get zeros.

    Returns:
        (B, M, 1, T+1, 3) x, y, yaw per step (K = 1 mode), in the inputs' array library. B is
        optional.
    """
    return _core._propagate_agents(states, int(T), float(dt), model, valid)
