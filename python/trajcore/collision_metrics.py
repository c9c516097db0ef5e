"""At-fault collisions: nuPlan's classification of the first collision of each candidate with each
agent (mode), and the no-at-fault-collision score with its first step.

The work happens in C++ (``trajcore/collision_metrics.hpp``); docs/scoring.md ("At-fault
collisions") gives the rules and their sources.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from . import _core
from ._repr import readable_repr
from .vehicle import VehicleParams


class AgentType(enum.IntEnum):
    """Agent classes of the (B, M) ``agent_type`` arrays."""

    VEHICLE = 0
    PEDESTRIAN = 1
    BICYCLE = 2
    #: Static objects (cones, barriers, generic objects): always "stopped", score 0.5.
    OBJECT = 3


class CollisionType(enum.IntEnum):
    """nuPlan's collision types (same values), and NONE for agents a candidate never meets."""

    NONE = -1
    STOPPED_EGO = 0
    STOPPED_TRACK = 1
    ACTIVE_FRONT = 2
    ACTIVE_REAR = 3
    ACTIVE_LATERAL = 4


@readable_repr
@dataclass(frozen=True)
class AtFaultResult:
    #: (B, N) float32: 1, 0.5 (at fault with an object) or 0 (with a vehicle or VRU).
    score: Any
    #: (B, N) float32: probability of an at-fault collision (agents independent); None
    #: without agent_prob.
    at_fault_prob: Any
    #: (B, N) int32: first at-fault collision step, -1 without one.
    first_step: Any
    #: (B, N, M, K) int32 :class:`CollisionType` of each agent mode's first collision.
    collision_type: Any


def at_fault_collisions(
    states: Any,
    areas: Any,
    agents: Any,
    agent_extent: Any,
    agent_type: Any,
    agent_first_step: Any,
    *,
    params: VehicleParams,
    dt: float,
    agent_prob: Any = None,
    agent_speed: Any = None,
    ignored: Any = None,
    stopped_speed: float = 0.05,
    behind_angle: float = math.radians(150.0),
    scoring: Literal["worst_collision", "nuplan_counts"] = "worst_collision",
    vru_lateral_at_fault: bool = False,
) -> AtFaultResult:
    """Classify each candidate's first collision with each agent mode, as nuPlan does.

    Args:
        states: (B, N, T+1, S) candidate states (x, y, yaw, v first); B optional.
        areas: (B, N, T+1) :func:`trajcore.ego_areas` of the states.
        agents: (B, M, K, T+1, 3) agent box-centre poses per mode.
        agent_extent: (B, M, 2); agent_type: (B, M) int32 :class:`AgentType`.
        agent_first_step: (B, N, M, K) from :func:`trajcore.check_collisions`.
        params: the ego vehicle (length, width, rear axle offset).
        dt: step length (s), for agent speeds estimated from the poses.
        agent_prob: (B, M, K) mode probabilities, for ``at_fault_prob``.
        agent_speed: (B, M, K, T+1) agent speeds; default: |p(t+1) - p(t)| / dt.
        ignored: (B, M) bool, agents already collided with (never counted again).
        scoring: "worst_collision" (PDM-Closed, NAVSIM: 0 with a vehicle or VRU, 0.5 with an
            object, the minimum) or "nuplan_counts" (nuPlan: per class max(0, 1 - n / (t + 1)),
            t = 0 for vehicles and VRUs, 1 for objects, multiplied).
        vru_lateral_at_fault: a lateral contact of the moving ego with a pedestrian or bicycle is
            at fault wherever it is; by default (nuPlan, PDM-Closed) only with the ego in several
            lanes or off the drivable area.
    """
    if scoring not in ("worst_collision", "nuplan_counts"):
        raise ValueError(f"scoring is {scoring!r}, expected 'worst_collision' or 'nuplan_counts'")
    score, prob, first, kind = _core._at_fault_collisions(
        states,
        areas,
        agents,
        agent_extent,
        agent_type,
        agent_first_step,
        agent_prob,
        agent_speed,
        ignored,
        float(params.length),
        float(params.width),
        float(params.rear_axle_to_center),
        float(dt),
        float(stopped_speed),
        float(behind_angle),
        0 if scoring == "worst_collision" else 1,
        bool(vru_lateral_at_fault),
    )
    return AtFaultResult(score=score, at_fault_prob=prob, first_step=first, collision_type=kind)


@readable_repr
@dataclass(frozen=True)
class TtcResult:
    #: (B, N) float32: 1, or 0 with a time-to-collision violation (worst mode).
    score: Any
    #: (B, N) float32: probability of a violation (agents independent); None without agent_prob.
    violation_prob: Any
    #: (B, N) int32: step of the first violation, -1 without one.
    first_step: Any


def time_to_collision(
    states: Any,
    areas: Any,
    agents: Any,
    agent_extent: Any,
    *,
    params: VehicleParams,
    dt: float,
    agent_prob: Any = None,
    agent_valid: Any = None,
    ignored: Any = None,
    agent_first_step: Any = None,
    projection_steps: Sequence[int] = (0, 3, 6, 9),
    stopped_speed: float = 5e-3,
    ahead_angle: float = math.radians(30.0),
    behind_angle: float = math.radians(150.0),
) -> TtcResult:
    """PDM-Closed's / NAVSIM's time-to-collision metric.

    At every step the ego box is pushed ahead along its heading at its speed by each of
    ``projection_steps`` (PDM: 0, 3, 6, 9 steps, i.e. up to 0.9 s at 0.1 s) and checked against
    the agents that many steps later. The first contact with an agent mode decides: a violation
    when the agent is ahead (within ``ahead_angle``), or when the ego step is MULTIPLE_LANES,
    OFF_ROAD or IN_INTERSECTION and the agent is not behind (beyond ``behind_angle``); otherwise
    the agent is ignored from then on. Arguments as :func:`at_fault_collisions`, plus
    ``agent_valid`` as :func:`trajcore.check_collisions`. ``agent_first_step`` (optional,
    (B, N, M, K)) is :func:`trajcore.check_collisions`' ``agent_first_step`` for the same states
    and agents (no margin, not swept); projection 0 then reuses it instead of a collision pass of
    its own, unless a first contact falls on a step where the ego stands. Results are the same.
    """
    score, prob, first = _core._time_to_collision(
        states,
        areas,
        agents,
        agent_extent,
        agent_prob,
        agent_valid,
        ignored,
        agent_first_step,
        float(params.length),
        float(params.width),
        float(params.rear_axle_to_center),
        float(dt),
        [int(p) for p in projection_steps],
        float(stopped_speed),
        float(ahead_angle),
        float(behind_angle),
    )
    return TtcResult(score=score, violation_prob=prob, first_step=first)


@readable_repr
@dataclass(frozen=True)
class NuplanTtcResult:
    #: (B, N) float32: 1 when every step's TTC exceeds ``least_min_ttc``, else 0 (worst mode).
    score: Any
    #: (B, N) float32: probability of a violation (agents independent); None without agent_prob.
    violation_prob: Any
    #: (B, N) int32: first step whose TTC is at most ``least_min_ttc``, -1 without one.
    first_step: Any
    #: (B, N) float32: the smallest TTC over the steps (s), inf without a projected contact.
    min_ttc: Any


def nuplan_time_to_collision(
    states: Any,
    areas: Any,
    agents: Any,
    agent_extent: Any,
    agent_type: Any,
    *,
    params: VehicleParams,
    dt: float,
    agent_speed: Any = None,
    agent_prob: Any = None,
    agent_valid: Any = None,
    ignored: Any = None,
    agent_first_step: Any = None,
    at_fault_step: Any = None,
    time_step: float = 0.1,
    time_horizon: float = 3.0,
    least_min_ttc: float = 0.95,
    stopped_speed: float = 5e-3,
    ahead_angle: float = math.radians(30.0),
    behind_angle: float = math.radians(150.0),
) -> NuplanTtcResult:
    """nuPlan's ``time_to_collision_within_bound``.

    At every step where the ego moves, the ego box and each relevant agent box are projected at
    constant velocity along their headings, ``time_step`` at a time up to ``time_horizon``
    (numpy.arange(time_step, time_horizon, time_step)); the step's TTC is the first projected
    overlap, and 0 at ``at_fault_step``. An agent mode is relevant when it is ahead of the rear
    axle (or, with the ego MULTIPLE_LANES, OFF_ROAD or IN_INTERSECTION, not behind), has not been
    collided with yet (``agent_first_step`` from :func:`trajcore.check_collisions`), and the boxes
    stretched over the horizon overlap. Objects stand still; other agents move at
    ``agent_speed`` (estimated from the poses when None). Score 1 when every TTC exceeds
    ``least_min_ttc``. Other arguments as :func:`at_fault_collisions`.
    """
    score, prob, first, min_ttc = _core._nuplan_time_to_collision(
        states,
        areas,
        agents,
        agent_extent,
        agent_type,
        agent_speed,
        agent_prob,
        agent_valid,
        ignored,
        agent_first_step,
        at_fault_step,
        float(params.length),
        float(params.width),
        float(params.rear_axle_to_center),
        float(dt),
        float(time_step),
        float(time_horizon),
        float(least_min_ttc),
        float(stopped_speed),
        float(ahead_angle),
        float(behind_angle),
    )
    return NuplanTtcResult(score=score, violation_prob=prob, first_step=first, min_ttc=min_ttc)


@dataclass(frozen=True)
class SafeDistanceParams:
    """The RSS-style following-distance rule of :func:`safe_distance` (the C++
    SafeDistanceParams); docs/scoring.md, "Safe distance"."""

    #: Seconds before the ego brakes.
    reaction_time: float = 0.5
    #: m/s^2 the ego is assured to brake with.
    ego_brake: float = 6.0
    #: m/s^2: the hardest an agent ahead may brake.
    agent_brake: float = 7.0
    #: Metres kept at standstill.
    min_gap: float = 2.0
    #: m/s at which a gap that is already short at the start (a cut-in) must recover.
    recovery_rate: float = 1.0
    #: Metres of slack on the rule.
    tolerance: float = 1.0
    #: Metres beside each side of the ego's corridor that still count as in its path.
    lateral_margin: float = 0.3
    #: m/s: an ego slower than this violates nothing.
    stopped_speed: float = 0.1
    #: Seconds: later steps are not checked, where forecasts grow uncertain (inf: every step).
    horizon: float = 2.0

    def __post_init__(self) -> None:
        _core._validate_safe_distance_params(self)


@readable_repr
@dataclass(frozen=True)
class SafeDistanceResult:
    #: (B, N) float32: 1, or 0 with a violation (worst mode).
    score: Any
    #: (B, N) float32: probability of a violation (agents independent); None without agent_prob.
    violation_prob: Any
    #: (B, N) int32: step of the first violation, -1 without one.
    first_step: Any


def safe_distance(
    states: Any,
    agents: Any,
    agent_extent: Any,
    *,
    params: VehicleParams,
    dt: float,
    agent_prob: Any = None,
    agent_valid: Any = None,
    ignored: Any = None,
    rule: SafeDistanceParams | None = None,
) -> SafeDistanceResult:
    """Whether candidates keep a gap they could stop in behind every agent ahead in their path.

    At every step where the ego moves, an agent mode whose box lies ahead in the ego's corridor
    (its width plus ``rule.lateral_margin`` each side, bent to the curvature the candidate
    drives) must be at a gap of at least ``max(0, v_e rho + v_e^2 / (2 b_ego) - v_a^2 /
    (2 b_agent)) + min_gap``: the ego, reacting ``rho`` late, stops behind the agent even if the
    agent brakes as hard as it can. A gap already short at t = 0 (a cut-in) must recover at
    ``rule.recovery_rate`` after the reaction time, instead. Arrays as
    :func:`time_to_collision`; ``params`` gives the ego's length and width.
    """
    score, prob, first = _core._safe_distance(
        states,
        agents,
        agent_extent,
        agent_prob,
        agent_valid,
        ignored,
        float(params.length),
        float(params.width),
        float(dt),
        rule or SafeDistanceParams(),
    )
    return SafeDistanceResult(score=score, violation_prob=prob, first_step=first)
