"""Single-mode agent predictions from current states: constant velocity or constant turn rate.

The work happens in C++ (``trajcore::propagate_agents``). The result is in the agents layout of
:func:`trajcore.check_collisions` with K = 1, the baseline the learned predictor is measured
against and the fallback when it is not available.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class PhysicsModes:
    """Probability shares of the physics hypotheses :func:`add_physics_modes` puts beside a
    predictor's modes (the C++ PhysicsModes). The learned modes keep ``1 - (sum of the shares)``
    of their probability."""

    constant_velocity: float = 0.15
    constant_turn_rate: float = 0.10
    #: The agent's current box held in place (a parked car predicted to move, a pedestrian waiting
    #: at the kerb), for agents no faster than ``hold_speed``; a faster agent cannot stop dead:
    #: its share goes to constant velocity.
    hold: float = 0.05
    #: m/s.
    hold_speed: float = 2.0
    #: A standing agent (no faster than ``standing_speed`` m/s at every observed step of the last
    #: ``standing_window`` steps and now: a parked car, a car queueing, a waiting pedestrian)
    #: keeps ``standing_learned`` for its learned modes; the held box takes what CV and CTRV
    #: leave (a model trained on moving highway traffic must not drive a queueing car into the
    #: ego's lane).
    standing_speed: float = 1.0
    standing_learned: float = 0.1
    standing_window: int = 10
    #: Steps over which the yaw rate of the CTRV mode is estimated from the logged headings.
    yaw_rate_window: int = 5
    #: Below this speed (m/s) the CV and CTRV modes keep the box's yaw, not the velocity's angle
    #: (which is noise on a parked car).
    heading_speed: float = 1.0
    #: Boxes turn no faster than travel allows: each step of a learned mode changes its heading
    #: by at most this times the distance moved, and the CTRV mode's yaw rate is at most this
    #: times the speed (1/m; a car's tightest turn is about 5 m in radius; ``math.inf``: no
    #: limit). A creeping car's wobbling predicted steps, or its noisy logged heading, would
    #: otherwise swing its box across the next lane.
    max_curvature: float = 0.2

    def __post_init__(self) -> None:
        _core._validate_physics_modes(self)


def add_physics_modes(
    agents: Any,
    agent_prob: Any,
    predicted: Any,
    history: Any,
    history_valid: Any,
    dt: float,
    modes: PhysicsModes | None = None,
) -> tuple[Any, Any, Any]:
    """Put constant-velocity, constant-turn-rate and held-box hypotheses beside a predictor's
    modes, so that the planner does not bet on one forecast (docs/prediction.md, "Physics modes").

    Args:
        agents: (M, K, T+1, 3) the predictor's modes (x, y, yaw per step, step 0 now).
        agent_prob: (M, K) their probabilities; rows of predicted agents sum to 1.
        predicted: (M,) bool: the agents the predictor predicted. Others present now get the
            physics modes alone (their shares renormalised to 1).
        history: (M, H+1, 5) float64 x, y, yaw, vx, vy, oldest first; row H is now.
        history_valid: (M, H+1) bool.
        dt: seconds between history rows and between predicted steps.
        modes: the shares (:class:`PhysicsModes`, default when None).

    Returns:
        ``(agents, agent_prob, valid)``: (M, K+3, T+1, 3) with the modes CV, CTRV and hold after
        the learned ones, (M, K+3) probabilities, (M,) valid (predicted or present now).
    """
    return _core._add_physics_modes(
        agents, agent_prob, predicted, history, history_valid, float(dt), modes or PhysicsModes()
    )
