"""Smoothing of recorded tracks. Video-derived recordings (NGSIM above all) jitter by decimetres
from step to step, which turns into metres per second of false speed. scipy's quadratic
Savitzky-Golay filter over each run of consecutive valid steps removes the jitter without
shifting a track that accelerates evenly (a quadratic passes through unchanged)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .scenario import Scenario

_ORDER = 2


def _savgol(values: NDArray[np.float64], window: int, deriv: int = 0, delta: float = 1.0) -> Any:
    try:
        from scipy.signal import savgol_filter
    except ImportError as e:
        raise ImportError("track smoothing needs scipy: pip install 'trajcore[data]'") from e
    return savgol_filter(values, window, _ORDER, deriv=deriv, delta=delta, axis=0, mode="interp")


def smooth_track(
    states: NDArray[np.float64], valid: NDArray[np.bool_], window: int, dt: float
) -> NDArray[np.float64]:
    """(T, 5) x, y, yaw, vx, vy smoothed over each run of valid steps: positions and yaw
    (unwrapped first) filtered, the velocity the filter's derivative of the positions. Runs
    shorter than ``window`` use the longest odd window that fits; runs of fewer than 3 steps
    are left as recorded."""
    out = states.copy()
    steps = np.flatnonzero(valid)
    if steps.size == 0:
        return out
    breaks = np.flatnonzero(np.diff(steps) > 1) + 1
    for run in np.split(steps, breaks):
        w = min(window, run.size if run.size % 2 else run.size - 1)
        if w < _ORDER + 1:
            continue
        xy = states[run, :2]
        yaw = np.unwrap(states[run, 2])
        out[run, :2] = _savgol(xy, w)
        out[run, 2] = (_savgol(yaw, w) + np.pi) % (2 * np.pi) - np.pi
        out[run, 3:5] = _savgol(xy, w, deriv=1, delta=dt)
    return out


def smooth_scenario(scenario: Scenario, window: int = 7) -> Scenario:
    """The scenario with every agent's track (and the ego's) smoothed by :func:`smooth_track`."""
    if window % 2 == 0 or window < _ORDER + 1:
        raise ValueError(f"window is {window}, expected an odd number of steps >= {_ORDER + 1}")
    agents = (
        np.stack(
            [
                smooth_track(s, v, window, scenario.dt)
                for s, v in zip(scenario.agent_states, scenario.agent_valid, strict=True)
            ]
        )
        if scenario.agent_count
        else scenario.agent_states.copy()
    )
    ego = scenario.ego_states
    if ego is not None and scenario.ego_valid is not None:
        ego = smooth_track(ego, scenario.ego_valid, window, scenario.dt)
    return replace(scenario, agent_states=agents, ego_states=ego)


def resample_scenario(scenario: Scenario, dt: float) -> Scenario:
    """The scenario on steps of ``dt`` seconds over the same time span, every track linearly
    interpolated between consecutive recorded steps (yaw along the shorter arc). A new step is
    valid where both recorded steps around it are (or it falls on a recorded one). Traffic
    lights hold their state from the recorded step at or before."""
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt is {dt}, expected a positive number of seconds")
    span = (scenario.steps - 1) * scenario.dt
    steps = int(np.floor(span / dt + 1e-9)) + 1
    position = np.arange(steps) * dt / scenario.dt  # in recorded steps
    below = np.minimum(np.floor(position + 1e-9).astype(np.int64), scenario.steps - 1)
    above = np.minimum(below + 1, scenario.steps - 1)
    weight = np.clip(position - below, 0.0, 1.0)
    on_step = weight < 1e-9

    def track(
        states: NDArray[np.float64], valid: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        a, b = states[..., below, :], states[..., above, :]
        w = weight[:, None]
        out = a + (b - a) * w
        turn = (b[..., 2] - a[..., 2] + np.pi) % (2 * np.pi) - np.pi
        out[..., 2] = (a[..., 2] + turn * weight + np.pi) % (2 * np.pi) - np.pi
        ok = valid[..., below] & (valid[..., above] | on_step)
        out[~ok] = 0.0
        return out, ok

    agents, agent_valid = track(scenario.agent_states, scenario.agent_valid)
    ego, ego_valid = scenario.ego_states, scenario.ego_valid
    if ego is not None and ego_valid is not None:
        ego, ego_valid = track(ego, ego_valid)
    # A light keeps its state until the next recorded step.
    lights = None if scenario.lane_lights is None else scenario.lane_lights[below]
    return replace(
        scenario,
        dt=dt,
        agent_states=agents,
        agent_valid=agent_valid,
        ego_states=ego,
        ego_valid=ego_valid,
        lane_lights=lights,
    )
