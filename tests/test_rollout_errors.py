"""Bad input to the rollout gets an exception that names the argument, what was expected and
what was received."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import trajcore
from trajcore import VehicleParams

CAR = VehicleParams.passenger_car()
TRUCK = VehicleParams.semi_truck()
S0 = np.array([0, 0, 0, 10, 0, 0], np.float32)
U = np.zeros((4, 20, 2), np.float32)


def test_dt() -> None:
    for dt in (0.0, -0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"^dt is .*, expected a finite number > 0 \(s\)$"):
            trajcore.rollout(S0, U, CAR, dt)


def test_non_finite_controls_are_named_by_index() -> None:
    u = U.copy()
    u[2, 17, 1] = np.nan
    with pytest.raises(
        ValueError,
        match=r"^controls\[2, 17, 1\] \(steering rate\) is nan, expected a finite number$",
    ):
        trajcore.rollout(S0, u, CAR, 0.1)
    u[2, 17, 1] = 0
    u[3, 0, 0] = -np.inf
    with pytest.raises(
        ValueError, match=r"^controls\[3, 0, 0\] \(jerk\) is -inf, expected a finite number$"
    ):
        trajcore.rollout(S0, u, CAR, 0.1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (1, np.nan, r"^state0 \(y\) is nan, expected a finite number$"),
        (3, -1.0, r"^state0 \(v\) is -1, expected >= 0 \(the model does not reverse\)$"),
        (
            4,
            5.0,
            r"^state0 \(a\) is 5, expected within "
            r"\[-max_deceleration, max_acceleration\] = \[-8, 4\]$",
        ),
        (5, 1.2, r"^state0 \(steer\) is 1.2, expected within \+-max_steering_angle = 1.0472$"),
    ],
)
def test_state0_values(field: int, value: float, message: str) -> None:
    s = S0.copy()
    s[field] = value
    with pytest.raises(ValueError, match=message):
        trajcore.rollout(s, U, CAR, 0.1)


def test_state0_values_in_a_batch_name_the_index() -> None:
    s = np.tile(S0, (3, 1))
    s[2, 3] = -0.5
    with pytest.raises(ValueError, match=r"^state0\[2\] \(v\) is -0.5"):
        trajcore.rollout(s, np.zeros((3, 4, 5, 2), np.float32), CAR, 0.1)


@pytest.mark.parametrize(
    ("state0", "controls", "message"),
    [
        (
            np.zeros(5, np.float32),
            U,
            r"^state0 has shape \(5,\), expected \(\.\.\., 6\) = "
            r"\(\.\.\., x, y, yaw, v, a, steer\)$",
        ),
        (
            S0,
            np.zeros((20, 2), np.float32),
            r"^controls has shape \(20, 2\), expected \(\.\.\., N, T, 2\)",
        ),
        (
            S0,
            np.zeros((4, 20, 3), np.float32),
            r"^controls has shape \(4, 20, 3\), expected \(\.\.\., N, T, 2\)",
        ),
        (S0, np.zeros((0, 20, 2), np.float32), r"expected at least one candidate \(N >= 1\)$"),
        (S0, np.zeros((4, 0, 2), np.float32), r"expected at least one step \(T >= 1\)$"),
        (
            np.zeros((0, 6), np.float32),
            np.zeros((0, 4, 20, 2), np.float32),
            r"^state0 is empty: shape \(0, 6\), expected at least one item$",
        ),
        (
            S0[None],
            np.zeros((1, 4, 20, 2), np.float32)[:0],
            r"^controls has shape \(0, 4, 20, 2\), expected at least one scene$",
        ),
        (
            np.zeros((3, 6), np.float32),
            np.zeros((2, 4, 20, 2), np.float32),
            r"^state0 has shape \(3, 6\), expected leading dimensions \(2,\) "
            r"\(one state per scene\) or \(2, 4\) "
            r"\(one per candidate\) to match controls \(2, 4, 20, 2\)$",
        ),
    ],
)
def test_shapes(state0: np.ndarray, controls: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        trajcore.rollout(state0, controls, CAR, 0.1)


def test_dtypes_and_types() -> None:
    with pytest.raises(TypeError, match=r"^controls has dtype int32, expected float32"):
        trajcore.rollout(S0, U.astype(np.int32), CAR, 0.1)
    with pytest.raises(
        TypeError, match=r"^state0 is a list, expected a numpy array or a torch tensor"
    ):
        trajcore.rollout([0, 0, 0, 1, 0, 0], U, CAR, 0.1)
    with pytest.raises(
        TypeError, match=r"^params has no field length, expected a trajcore.VehicleParams$"
    ):
        trajcore.rollout(S0, U, object(), 0.1)  # type: ignore[arg-type]


def test_articulation0() -> None:
    with pytest.raises(ValueError, match=r"^articulation0 is given, but params has no trailer"):
        trajcore.rollout(S0, U, CAR, 0.1, articulation0=np.zeros((), np.float32))
    with pytest.raises(
        ValueError,
        match=r"^articulation0 has shape \(2,\), expected \(\) "
        r"\(the leading dimensions of state0\)$",
    ):
        trajcore.rollout(S0, U, TRUCK, 0.1, articulation0=np.zeros(2, np.float32))
    with pytest.raises(
        ValueError,
        match=r"^articulation0 is 1.5, expected within \+-params.trailer.max_articulation = 1.4$",
    ):
        trajcore.rollout(S0, U, TRUCK, 0.1, articulation0=np.array(1.5, np.float32))


def test_invalid_params_reaching_the_core() -> None:
    # A params object built around the dataclass check still gets validated by C++.
    bad = dataclasses.replace(CAR)
    object.__setattr__(bad, "max_jerk", -1.0)
    with pytest.raises(ValueError, match=r"^params.max_jerk is -1, expected > 0$"):
        trajcore.rollout(S0, U, bad, 0.1)


def test_inputs_are_not_modified() -> None:
    s, u = S0.copy(), np.random.default_rng(0).normal(size=U.shape).astype(np.float32) * 100
    s_before, u_before = s.copy(), u.copy()
    trajcore.rollout(s, u, CAR, 0.1)
    np.testing.assert_array_equal(s, s_before)
    np.testing.assert_array_equal(u, u_before)
