"""Collision checking of ego candidates against multimodal agent predictions.

The work happens in C++ (``trajcore::check_collisions``); this module names the results.
Semantics, layouts and defaults: docs/collision.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _core
from ._core import CollisionWorkspace
from ._repr import readable_repr


@readable_repr
@dataclass(frozen=True)
class CollisionResult:
    """Results of :func:`check_collisions`, in the inputs' array library and device.

    Shapes carry the inputs' scene dimension B when they have one.
    """

    #: (B, N, T+1) bool: some valid agent mode overlaps the candidate at step t.
    collides: Any
    #: (B, N) int32: first colliding step, -1 if none.
    first_step: Any
    #: (B, N, M, K) int32: first step candidate n meets mode k of agent m, -1 if never;
    #: None when not computed.
    agent_first_step: Any
    #: (B, N) float32: 1 - prod_m (1 - sum_k p_mk [mode k of agent m collides]).
    collision_prob: Any
    #: (B, N) float32: smallest signed box distance to a valid agent mode (negative: penetration
    #: depth), capped at clearance_cap; None when not computed.
    min_clearance: Any


def check_collisions(
    ego: Any,
    ego_extent: Any,
    agents: Any,
    agent_extent: Any,
    agent_prob: Any = None,
    agent_valid: Any = None,
    *,
    margin: float = 0.0,
    swept: bool = False,
    clearance_cap: float = 10.0,
    compute_agent_first_step: bool = True,
    compute_min_clearance: bool = True,
    workspace: CollisionWorkspace | None = None,
) -> CollisionResult:
    """Check ego candidates against every valid mode of every predicted agent.

    Args:
        ego: (B, N, T+1, S) candidate states or poses; x, y, yaw are fields 0, 1, 2 (S >= 3).
        ego_extent: (2,) or (B, 2) ego length and width (m).
        agents: (B, M, K, T+1, 3) predicted x, y, yaw per agent, mode and step.
        agent_extent: (B, M, 2) agent length and width (m).
        agent_prob: (B, M, K) mode probabilities, summing to 1 over each agent's valid modes
            (within 1e-3; renormalised). Default: uniform over the valid modes.
        agent_valid: bool (B, M), (B, M, T+1) or (B, M, K, T+1). Entries under False are not
            read and never collide. Default: all valid.
        margin: grows every box by this much on each side (m, >= 0).
        swept: also check the motion between consecutive steps (linear centre and heading);
            contacts during (t-1, t] are reported at step t. Exact for constant headings,
            conservative while turning; never misses a contact.
        clearance_cap: min_clearance is capped here (m); farther pairs are skipped early.
        compute_agent_first_step: compute the (B, N, M, K) field (large in training batches).
        compute_min_clearance: compute min_clearance (costs a distance pass over near pairs).
        workspace: scratch memory to reuse; default: one per thread, kept between calls.

    The scene dimension B is optional: all arrays have it, or none (except ego_extent, which
    may be one pair for every scene). float64 inputs are converted to float32 once.
    """
    collides, first_step, agent_first_step, collision_prob, min_clearance = _core._check_collisions(
        ego,
        ego_extent,
        agents,
        agent_extent,
        agent_prob,
        agent_valid,
        margin,
        swept,
        clearance_cap,
        compute_agent_first_step,
        compute_min_clearance,
        workspace,
    )
    return CollisionResult(
        collides=collides,
        first_step=first_step,
        agent_first_step=agent_first_step,
        collision_prob=collision_prob,
        min_clearance=min_clearance,
    )
