"""The differentiable rollout: exact gradients (gradcheck in float64) through the C++ backward,
forward values identical to the plain path."""

from __future__ import annotations

import numpy as np
import pytest

import trajcore
from trajcore import VehicleParams

torch = pytest.importorskip("torch")

CAR = VehicleParams.passenger_car()
TRUCK = VehicleParams.semi_truck()
DT = 0.1


def _inputs(n: int, steps: int, seed: int, per_candidate: bool, dtype=torch.float64):  # type: ignore[no-untyped-def]
    g = torch.Generator().manual_seed(seed)
    shape = (2, n, 6) if per_candidate else (2, 6)
    s0 = torch.zeros(shape, dtype=dtype)
    s0[..., :2] = torch.rand((*shape[:-1], 2), generator=g, dtype=dtype) * 20
    s0[..., 2] = torch.rand(shape[:-1], generator=g, dtype=dtype) * 2 - 1
    s0[..., 3] = 5 + torch.rand(shape[:-1], generator=g, dtype=dtype) * 5
    s0[..., 4] = 0.3
    s0[..., 5] = 0.02
    u = torch.randn((2, n, steps, 2), generator=g, dtype=dtype) * torch.tensor(
        [0.5, 0.03], dtype=dtype
    )
    return s0.requires_grad_(), u.requires_grad_()


@pytest.mark.parametrize("per_candidate", [False, True])
def test_gradcheck_car(per_candidate: bool) -> None:
    s0, u = _inputs(3, 12, 0, per_candidate)

    def f(s0, u):  # type: ignore[no-untyped-def]
        r = trajcore.rollout(s0, u, CAR, DT)
        assert not r.saturation.any(), "gradcheck needs a point away from the limits' kinks"
        return r.states

    assert torch.autograd.gradcheck(f, (s0, u), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_gradcheck_truck_with_trailer_outputs() -> None:
    s0, u = _inputs(2, 10, 1, True)
    art0 = (torch.rand((2, 2), dtype=torch.float64) * 0.4 - 0.2).requires_grad_()

    def f(s0, u, art0):  # type: ignore[no-untyped-def]
        r = trajcore.rollout(s0, u, TRUCK, DT, articulation0=art0)
        assert not r.saturation.any()
        return r.states, r.trailer

    assert torch.autograd.gradcheck(f, (s0, u, art0), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_gradcheck_through_active_limits() -> None:
    # Jerk and steering rate beyond their limits: the clamped model's derivative (0 along the
    # clamped inputs) is what the backward returns, and finite differences agree.
    s0, u = _inputs(2, 8, 2, False)
    with torch.no_grad():
        u[..., 0] = 20.0  # > max_jerk on every step, a far from its bounds for 8 steps
    assert torch.autograd.gradcheck(
        lambda s0, u: trajcore.rollout(s0, u, CAR, DT).states, (s0, u), eps=1e-6, atol=1e-6
    )
    r = trajcore.rollout(s0, u, CAR, DT)
    r.states[..., -1, 0].sum().backward()
    assert torch.all(u.grad[..., 0] == 0)


def test_float32_forward_is_the_plain_path_and_grads_flow() -> None:
    s0, u = _inputs(40, 80, 3, False, dtype=torch.float32)
    plain = trajcore.rollout(s0.detach(), u.detach(), CAR, DT)
    r = trajcore.rollout(s0, u, CAR, DT)
    assert r.states.dtype == torch.float32 and r.states.requires_grad
    assert torch.equal(r.states.detach(), plain.states)
    assert torch.equal(r.saturation, plain.saturation)
    # A training-style loss: reach a goal point; its gradient matches the float64 gradient.
    goal = torch.tensor([60.0, 5.0])
    loss = ((r.states[..., -1, :2] - goal) ** 2).sum()
    loss.backward()
    s64 = s0.detach().double().requires_grad_()
    u64 = u.detach().double().requires_grad_()
    r64 = trajcore.rollout(s64, u64, CAR, DT)
    ((r64.states[..., -1, :2] - goal.double()) ** 2).sum().backward()
    np.testing.assert_allclose(u.grad.numpy(), u64.grad.numpy(), rtol=1e-3, atol=1e-2)
    np.testing.assert_allclose(s0.grad.numpy(), s64.grad.numpy(), rtol=1e-3, atol=1e-2)


def test_no_grad_torch_returns_torch_tensors() -> None:
    s0, u = _inputs(4, 5, 4, False, dtype=torch.float32)
    with torch.no_grad():
        r = trajcore.rollout(s0, u, CAR, DT)
    assert isinstance(r.states, torch.Tensor) and not r.states.requires_grad
    assert r.saturation.dtype == torch.int32
