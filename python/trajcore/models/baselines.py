"""The baselines a learned predictor is measured against: constant velocity and constant turn rate
(trajcore.propagate_agents), started from the recorded current state of each target."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..agents import propagate_agents

#: Below this speed (m/s) the heading is the recorded yaw, not the direction of the velocity.
MOVING = 0.5
#: Steps over which the yaw rate is measured, ending at the current step.
YAW_RATE_STEPS = 5


def baseline_predictions(
    history: NDArray[np.floating],
    valid: NDArray[np.bool_],
    future: int,
    dt: float,
    model: Literal["cv", "ctrv"],
) -> NDArray[np.float32]:
    """(N, 1, F, 3) x, y, yaw after the current step for N targets, from their histories
    (N, H+1, 5) x, y, yaw, vx, vy with validity (N, H+1); the last step is the current one.

    Heading: the velocity's direction when moving faster than MOVING, else the recorded yaw.
    Speed: the velocity's norm. Yaw rate (ctrv): the heading change over the last
    YAW_RATE_STEPS steps (fewer where the history is shorter), 0 without one."""
    current = history[:, -1]
    speed = np.hypot(current[:, 3], current[:, 4])
    heading = np.where(speed > MOVING, np.arctan2(current[:, 4], current[:, 3]), current[:, 2])
    rate = np.zeros(len(history))
    for i in range(len(history)):
        steps = np.flatnonzero(valid[i])
        earlier = steps[steps >= len(valid[i]) - 1 - YAW_RATE_STEPS]
        if earlier.size >= 2:
            first = earlier[0]
            v = history[i, first, 3:5]
            then = np.arctan2(v[1], v[0]) if np.hypot(*v) > MOVING else history[i, first, 2]
            turn = (heading[i] - then + np.pi) % (2 * np.pi) - np.pi
            rate[i] = turn / ((len(valid[i]) - 1 - first) * dt)
    states = np.stack([current[:, 0], current[:, 1], heading, speed, rate], 1).astype(np.float32)
    predicted = propagate_agents(states, future, dt, model)  # (N, 1, F+1, 3)
    return np.asarray(predicted)[:, :, 1:]
