"""check_collisions' argument errors: the exception type and the exact message."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import trajcore


def scene(**changes: Any) -> dict[str, Any]:
    """A valid batched request (B=2, N=3, M=4, K=2, T+1=5) with `changes` applied."""
    args: dict[str, Any] = dict(
        ego=np.zeros((2, 3, 5, 6), np.float32),
        ego_extent=np.array([4.5, 1.9], np.float32),
        agents=np.tile(np.array([10.0, 0.0, 0.0], np.float32), (2, 4, 2, 5, 1)),
        agent_extent=np.full((2, 4, 2), 2.0, np.float32),
        agent_prob=np.full((2, 4, 2), 0.5, np.float32),
        agent_valid=np.ones((2, 4, 5), bool),
    )
    args.update(changes)
    return args


def raises(error: type[Exception], message: str, **changes: Any) -> None:
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        trajcore.check_collisions(**scene(**changes))


def test_the_valid_request_passes():
    r = trajcore.check_collisions(**scene())
    assert (
        not r.collides.any() and r.min_clearance.tolist() == [[6.75] * 3] * 2
    )  # 10 - 4.5 / 2 - 2 / 2


def test_agents_shape():
    raises(
        ValueError,
        "agents has shape (4, 2, 5, 2), expected (B, M, K, T+1, 3) or "
        "(M, K, T+1, 3) = x, y, yaw per agent, mode and step",
        agents=np.zeros((4, 2, 5, 2), np.float32),
    )


def test_ego_does_not_match_agents():
    raises(
        ValueError,
        "ego has shape (2, 3, 6, 6), expected (B, N, T+1, S) = (2, N, 5, S >= 3) "
        "to match agents (2, 4, 2, 5, 3)",
        ego=np.zeros((2, 3, 6, 6), np.float32),
    )
    raises(
        ValueError,
        "ego has shape (3, 3, 5, 6), expected (B, N, T+1, S) = (2, N, 5, S >= 3) "
        "to match agents (2, 4, 2, 5, 3)",
        ego=np.zeros((3, 3, 5, 6), np.float32),
    )
    raises(
        ValueError,
        "ego has shape (2, 3, 5, 2), expected (B, N, T+1, S) = (2, N, 5, S >= 3) "
        "to match agents (2, 4, 2, 5, 3)",
        ego=np.zeros((2, 3, 5, 2), np.float32),
    )
    raises(
        ValueError,
        "ego has shape (3, 5, 6), expected (B, N, T+1, S) = (2, N, 5, S >= 3) "
        "to match agents (2, 4, 2, 5, 3)",
        ego=np.zeros((3, 5, 6), np.float32),
    )


def test_empty_batches():
    raises(
        ValueError,
        "ego has shape (2, 0, 5, 6), expected at least one candidate (N >= 1)",
        ego=np.zeros((2, 0, 5, 6), np.float32),
    )
    raises(
        ValueError,
        "agents has shape (0, 4, 2, 5, 3), expected at least one scene (B >= 1)",
        agents=np.zeros((0, 4, 2, 5, 3), np.float32),
    )
    raises(
        ValueError,
        "agents has shape (2, 4, 0, 5, 3), expected at least one mode (K >= 1)",
        agents=np.zeros((2, 4, 0, 5, 3), np.float32),
    )


def test_optional_argument_shapes():
    raises(
        ValueError,
        "agent_prob has shape (2, 4, 3), expected (B, M, K) = (2, 4, 2)",
        agent_prob=np.full((2, 4, 3), 1 / 3, np.float32),
    )
    raises(
        ValueError,
        "agent_valid has shape (2, 4, 6), expected (B, M) = (2, 4), "
        "(B, M, T+1) = (2, 4, 5) or (B, M, K, T+1) = (2, 4, 2, 5)",
        agent_valid=np.ones((2, 4, 6), bool),
    )
    raises(
        ValueError,
        "agent_extent has shape (4, 2), expected (B, M, 2) = (2, 4, 2) = length, width",
        agent_extent=np.ones((4, 2), np.float32),
    )
    raises(
        ValueError,
        "ego_extent has shape (3,), expected (2,) or (B, 2) = (2, 2) = length, width",
        ego_extent=np.ones(3, np.float32),
    )


def test_probabilities_must_sum_to_one_over_valid_modes():
    prob = np.full((2, 4, 2), 0.5, np.float32)
    prob[1, 2] = [0.5, 0.4]
    raises(
        ValueError,
        "agent_prob[1, 2] sums to 0.9 over the agent's 2 valid modes, expected 1 (within 0.001)",
        agent_prob=prob,
    )
    prob[1, 2] = [1.2, -0.2]
    raises(
        ValueError, "agent_prob[1, 2, 0] is 1.2, expected a probability in [0, 1]", agent_prob=prob
    )


def test_probabilities_of_invalid_modes_are_ignored():
    valid = np.ones((2, 4, 2, 5), bool)
    valid[0, 1, 1] = False
    prob = np.full((2, 4, 2), 0.5, np.float32)
    prob[0, 1] = [1.0, np.nan]
    trajcore.check_collisions(**scene(agent_valid=valid, agent_prob=prob))
    prob[0, 1] = [0.5, 0.5]
    raises(
        ValueError,
        "agent_prob[0, 1] sums to 0.5 over the agent's 1 valid mode, expected 1 (within 0.001)",
        agent_valid=valid,
        agent_prob=prob,
    )


def test_nan_poses():
    ego = np.zeros((2, 3, 5, 6), np.float32)
    ego[1, 2, 3, 2] = np.nan
    ego[0, 0, 0, 5] = np.nan  # a field the checker does not read
    raises(ValueError, "ego[1, 2, 3, 2] (yaw) is nan, expected a finite value", ego=ego)
    agents = np.tile(np.array([10.0, 0.0, 0.0], np.float32), (2, 4, 2, 5, 1))
    agents[1, 3, 1, 4, 0] = np.inf
    raises(
        ValueError,
        "agents[1, 3, 1, 4, 0] (x) is inf, expected a finite value where agent_valid is true",
        agents=agents,
    )
    valid = np.ones((2, 4, 5), bool)
    valid[1, 3, 4] = False
    trajcore.check_collisions(**scene(agents=agents, agent_valid=valid))  # masked: not read


def test_negative_extents_and_options():
    raises(
        ValueError,
        "agent_extent[1, 0, 1] (width) is -1, expected a finite value >= 0 (m)",
        agent_extent=np.array([[[2, 2]] * 4, [[2, -1]] + [[2, 2]] * 3], np.float32),
    )
    raises(
        ValueError,
        "ego_extent[0] (length) is nan, expected a finite value >= 0 (m)",
        ego_extent=np.array([np.nan, 1.9], np.float32),
    )
    with pytest.raises(ValueError, match=r"^margin is -0.5, expected a finite value >= 0 \(m\)$"):
        trajcore.check_collisions(**scene(), margin=-0.5)
    with pytest.raises(
        ValueError, match=r"^clearance_cap is inf, expected a finite value >= 0 \(m\)$"
    ):
        trajcore.check_collisions(**scene(), clearance_cap=float("inf"))


def test_dtypes():
    raises(
        TypeError,
        "agent_valid has dtype float32, expected bool",
        agent_valid=np.ones((2, 4, 5), np.float32),
    )
    raises(
        TypeError,
        "agents has dtype int64, expected float32 (float64 is accepted and converted)",
        agents=np.zeros((2, 4, 2, 5, 3), np.int64),
    )
    raises(
        TypeError,
        "ego is a list, expected a numpy array or a torch tensor (an object with __dlpack__)",
        ego=[[0.0]],
    )
