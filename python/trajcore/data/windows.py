"""Training and evaluation samples: sliding windows over recorded scenarios. A window is one
scene at one current step: every agent present then, with its history and future, and the lane
segments near them, as padded arrays. The prediction model turns a window into agent-centric
vectors for each target (trajcore.models); docs/data.md ("Windows") gives the layout."""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..road_map import Lane
from .scenario import Scenario


@dataclass(frozen=True)
class WindowConfig:
    """Window sizes in steps of ``dt`` seconds (the scenarios' own step must equal ``dt``)."""

    dt: float = 0.1
    #: Steps of history before the current step (2 s).
    history: int = 20
    #: Steps predicted after it (5 s).
    future: int = 50
    #: Steps between the current steps of consecutive windows.
    stride: int = 5
    #: Steps a target must be recorded after the current step; None: the whole future. Training
    #: takes shorter futures too (their missing steps masked), evaluation the whole one.
    min_future: int | None = None
    #: Steps of recording before the first window's current step; None: the whole history
    #: (steps before the recording are padding, as for an agent that has just appeared).
    min_history: int | None = None
    #: Agents present at the current step; the nearest to the scene's centre are kept.
    max_agents: int = 128
    #: Lane centrelines resampled every lane_spacing metres, cut into segments of lane_points.
    lane_spacing: float = 2.0
    lane_points: int = 10
    #: Segments kept per window: those nearest to some agent, within lane_radius metres.
    max_lane_segments: int = 256
    lane_radius: float = 60.0

    def __post_init__(self) -> None:
        for name in (
            "history",
            "future",
            "stride",
            "max_agents",
            "lane_points",
            "max_lane_segments",
        ):
            value = getattr(self, name)
            least = 0 if name in ("history", "future") else 1
            if not isinstance(value, int) or value < least:
                raise ValueError(
                    f"WindowConfig.{name} is {value!r}, expected an integer >= {least}"
                )
        for name, most in (("min_future", self.future), ("min_history", self.history)):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= most):
                raise ValueError(
                    f"WindowConfig.{name} is {value!r}, expected None or an integer in [0, {most}]"
                )
        if self.lane_points < 2:
            raise ValueError(f"WindowConfig.lane_points is {self.lane_points}, expected >= 2")
        for name in ("dt", "lane_spacing", "lane_radius"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"WindowConfig.{name} is {value!r}, expected a positive number")

    @property
    def steps(self) -> int:
        """S = history + 1 + future states per agent."""
        return self.history + 1 + self.future

    @property
    def target_future(self) -> int:
        """Steps a target is recorded after the current step, at least."""
        return self.future if self.min_future is None else self.min_future

    @property
    def first_step(self) -> int:
        """The first window's current step in a recording."""
        return self.history if self.min_history is None else self.min_history


@dataclass(frozen=True, eq=False)
class Windows:
    """W windows of A agent slots and L lane-segment slots. Positions are relative to
    ``origin`` (the scene's centre at the current step, no rotation); step ``history`` of the
    S axis is the current step."""

    config: WindowConfig
    #: The scenarios' names; ``scenario`` indexes them.
    names: tuple[str, ...]
    scenario: NDArray[np.int32]  # (W,)
    current_step: NDArray[np.int32]  # (W,) in the scenario
    origin: NDArray[np.float64]  # (W, 2) scene frame
    states: NDArray[np.float32]  # (W, A, S, 5) x, y, yaw, vx, vy
    valid: NDArray[np.bool_]  # (W, A, S)
    agent_type: NDArray[np.int32]  # (W, A) AgentType; -1 in empty slots
    agent_extent: NDArray[np.float32]  # (W, A, 2)
    is_ego: NDArray[np.bool_]  # (W, A) the recording's ego
    #: (W, A) the slot's agent in its scenario (the ego: agent_count); -1 in empty slots.
    agent_index: NDArray[np.int32]
    #: (W, A) present at the current step and through the next ``config.target_future`` steps:
    #: the agents to predict (``valid`` masks the rest of their future).
    target: NDArray[np.bool_]
    lane_points: NDArray[np.float32]  # (W, L, P, 2)
    lane_point_valid: NDArray[np.bool_]  # (W, L, P)
    #: (W, L, 3) speed limit (m/s, 0 when unknown), has a speed limit, in an intersection.
    lane_attributes: NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.scenario.shape[0])

    @property
    def present(self) -> NDArray[np.bool_]:
        """(W, A) the slot holds an agent (valid at the current step)."""
        return self.valid[:, :, self.config.history]


def lane_segments(
    lanes: Sequence[Lane], spacing: float, points: int
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float32]]:
    """Every lane's centreline resampled every ``spacing`` metres (its end point included) and cut
    into segments of ``points`` points that share their end points: (L, P, 2) points, (L, P)
    validity (a lane's last segment may be shorter) and (L, 3) attributes."""
    segments, masks, attributes = [], [], []
    for lane in lanes:
        line = np.asarray(lane.centerline, np.float64)
        s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(line, axis=0), axis=1))])
        stations = np.append(np.arange(0.0, s[-1], spacing), s[-1])
        xy = np.stack([np.interp(stations, s, line[:, 0]), np.interp(stations, s, line[:, 1])], 1)
        limit = float(lane.speed_limit)
        attribute = [
            limit if math.isfinite(limit) else 0.0,
            float(math.isfinite(limit)),
            float(lane.in_intersection),
        ]
        for start in range(0, max(len(xy) - 1, 1), points - 1):
            piece = xy[start : start + points]
            padded = np.zeros((points, 2))
            padded[: len(piece)] = piece
            mask = np.zeros(points, np.bool_)
            mask[: len(piece)] = True
            segments.append(padded)
            masks.append(mask)
            attributes.append(attribute)
    return (
        np.array(segments, np.float64).reshape(-1, points, 2),
        np.array(masks, np.bool_).reshape(-1, points),
        np.array(attributes, np.float32).reshape(-1, 3),
    )


def make_windows(scenarios: Sequence[Scenario], config: WindowConfig = WindowConfig()) -> Windows:
    """Windows at current steps ``config.first_step``, first_step + stride, ... of every
    scenario, up to the last step with ``config.target_future`` steps after it. A window needs
    one agent present at its current step; its targets are the present agents recorded through
    those steps (the ego included, where the recording has one). With the defaults, every target
    has its whole history span and future inside the recording."""
    if not scenarios:
        raise ValueError("scenarios is empty, expected at least one Scenario")
    rows: list[dict[str, NDArray[np.generic]]] = []
    for index, scenario in enumerate(scenarios):
        if not math.isclose(scenario.dt, config.dt, rel_tol=1e-6):
            raise ValueError(
                f"scenario {scenario.name!r} has {scenario.dt:g} s steps, expected "
                f"config.dt = {config.dt:g} s"
            )
        states, valid, types, extents, ego = _agents_with_ego(scenario)
        points, point_valid, attributes = lane_segments(
            scenario.lanes, config.lane_spacing, config.lane_points
        )
        for t in range(config.first_step, scenario.steps - config.target_future, config.stride):
            row = _window(
                config, states, valid, types, extents, ego, points, point_valid, attributes, t
            )
            if row is not None:
                row["scenario"] = np.array(index, np.int32)
                row["current_step"] = np.array(t, np.int32)
                rows.append(row)
    if not rows:
        raise ValueError(
            f"no window: no scenario has an agent present at a step with {config.first_step} "
            f"steps before and recorded for the {config.target_future} after it"
        )
    stack = {key: np.stack([r[key] for r in rows]) for key in rows[0]}
    return Windows(config=config, names=tuple(s.name for s in scenarios), **stack)


def _agents_with_ego(
    scenario: Scenario,
) -> tuple[
    NDArray[np.float64],
    NDArray[np.bool_],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.bool_],
]:
    """The agents and, as one more agent, the ego (a vehicle) where the recording has one."""
    states, valid = scenario.agent_states, scenario.agent_valid
    types, extents = scenario.agent_type, scenario.agent_extent
    ego = np.zeros(scenario.agent_count, np.bool_)
    if (
        scenario.ego_states is not None
        and scenario.ego_valid is not None
        and scenario.ego_extent is not None
    ):
        states = np.concatenate([states, scenario.ego_states[None]])
        valid = np.concatenate([valid, scenario.ego_valid[None]])
        types = np.append(types, np.int32(0))
        extents = np.concatenate([extents, scenario.ego_extent[None]])
        ego = np.append(ego, True)
    return states, valid, types.astype(np.int32), extents, ego


def _window(
    config: WindowConfig,
    states: NDArray[np.float64],
    valid: NDArray[np.bool_],
    types: NDArray[np.int32],
    extents: NDArray[np.float64],
    ego: NDArray[np.bool_],
    points: NDArray[np.float64],
    point_valid: NDArray[np.bool_],
    attributes: NDArray[np.float32],
    t: int,
) -> dict[str, NDArray[np.generic]] | None:
    # Steps before the recording or after it are padding (invalid): prediction at early steps.
    steps = np.arange(t - config.history, t + config.future + 1)
    inside = (steps >= 0) & (steps < valid.shape[1])
    span = np.clip(steps, 0, valid.shape[1] - 1)
    present = np.flatnonzero(valid[:, t])
    if present.size == 0:
        return None
    origin = states[present, t, :2].mean(axis=0)
    # The agents nearest the centre, in that order (ties: in recording order).
    offset = states[present, t, :2] - origin
    distance = np.hypot(offset[:, 0], offset[:, 1])
    keep = present[np.argsort(distance, kind="stable")[: config.max_agents]]
    a = config.max_agents
    out_states = np.zeros((a, config.steps, 5), np.float32)
    out_valid = np.zeros((a, config.steps), np.bool_)
    window_states = states[keep][:, span]
    window_states[..., :2] -= origin
    window_valid = valid[keep][:, span] & inside
    window_states[~window_valid] = 0.0
    out_states[: keep.size] = window_states
    out_valid[: keep.size] = window_valid
    agent_type = np.full(a, -1, np.int32)
    agent_type[: keep.size] = types[keep]
    agent_extent = np.zeros((a, 2), np.float32)
    agent_extent[: keep.size] = extents[keep]
    is_ego = np.zeros(a, np.bool_)
    is_ego[: keep.size] = ego[keep]
    agent_index = np.full(a, -1, np.int32)
    agent_index[: keep.size] = keep
    target = np.zeros(a, np.bool_)
    h = config.history
    target[: keep.size] = window_valid[:, h : h + 1 + config.target_future].all(axis=1)

    # Lane segments nearest to some kept agent.
    slots, p = config.max_lane_segments, config.lane_points
    lane_points = np.zeros((slots, p, 2), np.float32)
    lane_valid = np.zeros((slots, p), np.bool_)
    lane_attributes = np.zeros((slots, 3), np.float32)
    if len(points):
        agents_xy = states[keep, t, :2]
        d = points[:, :, None, :] - agents_xy[None, None]
        gap = np.hypot(d[..., 0], d[..., 1])
        gap = np.where(point_valid[:, :, None], gap, np.inf).min(axis=(1, 2))
        near = np.flatnonzero(gap <= config.lane_radius)
        near = near[np.argsort(gap[near], kind="stable")[:slots]]
        lane_points[: near.size] = np.where(point_valid[near, :, None], points[near] - origin, 0.0)
        lane_valid[: near.size] = point_valid[near]
        lane_attributes[: near.size] = attributes[near]
    return {
        "origin": origin,
        "states": out_states,
        "valid": out_valid,
        "agent_type": agent_type,
        "agent_extent": agent_extent,
        "is_ego": is_ego,
        "agent_index": agent_index,
        "target": target,
        "lane_points": lane_points,
        "lane_point_valid": lane_valid,
        "lane_attributes": lane_attributes,
    }


def scene_window(scenario: Scenario, t: int, config: WindowConfig) -> Windows:
    """One window of ``scenario`` at step ``t``, for prediction: the agents present at t (the
    ego included) with the history before t (steps before the recording are invalid) and
    ``config.future`` steps after it (invalid beyond the recording)."""
    if not 0 <= t < scenario.steps:
        raise ValueError(f"t is {t}, expected a step in [0, {scenario.steps})")
    if not math.isclose(scenario.dt, config.dt, rel_tol=1e-6):
        raise ValueError(
            f"scenario {scenario.name!r} has {scenario.dt:g} s steps, expected {config.dt:g} s"
        )
    states, valid, types, extents, ego = _agents_with_ego(scenario)
    points, point_valid, attributes = lane_segments(
        scenario.lanes, config.lane_spacing, config.lane_points
    )
    row = _window(config, states, valid, types, extents, ego, points, point_valid, attributes, t)
    if row is None:
        raise ValueError(f"scenario {scenario.name!r} has no agent at step {t}, expected one")
    row["scenario"] = np.array(0, np.int32)
    row["current_step"] = np.array(t, np.int32)
    fields: dict[str, Any] = {k: v[None] for k, v in row.items()}
    return Windows(config=config, names=(scenario.name,), **fields)


def split_scenarios(
    names: Sequence[str], *, test_fraction: float = 0.25, seed: int = 0
) -> tuple[list[str], list[str]]:
    """(train, test) names: every scenario wholly on one side, so no window of a test scenario
    is seen in training. The split depends on the names and the seed only (not their order)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction is {test_fraction}, expected a number in (0, 1)")
    unique = sorted(set(names))
    if len(unique) < 2:
        raise ValueError(f"{len(unique)} distinct scenario names, expected at least 2 to split")
    ranked = sorted(unique, key=lambda n: zlib.crc32(f"{seed}:{n}".encode()))
    tests = min(max(1, round(test_fraction * len(unique))), len(unique) - 1)
    test = set(ranked[:tests])
    return [n for n in unique if n not in test], [n for n in unique if n in test]
