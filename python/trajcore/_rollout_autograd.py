"""torch.autograd glue for :func:`trajcore.rollout`: forward and backward both run in C++.

Imported only when a tensor that requires grad reaches ``rollout`` (torch is never needed
otherwise). The backward is exact: C++ evaluates the model's step on dual numbers and runs the
adjoint back in time (cpp/src/rollout_cpu.cpp).
"""

from __future__ import annotations

from typing import Any

import torch

from . import _core
from .vehicle import VehicleParams


class _Rollout(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        state0: torch.Tensor,
        controls: torch.Tensor,
        articulation0: torch.Tensor | None,
        params: VehicleParams,
        dt: float,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        double = state0.dtype == torch.float64
        run = _core._rollout_f64 if double else _core._rollout
        states, saturation, trailer = run(
            state0.detach(),
            controls.detach(),
            params,
            dt,
            None if articulation0 is None else articulation0.detach(),
        )
        ctx.save_for_backward(state0, controls, articulation0)
        ctx.params = params
        ctx.dt = dt
        ctx.per_scene = state0.dim() == controls.dim() - 2
        ctx.mark_non_differentiable(saturation)
        if trailer is None:  # autograd outputs must be tensors
            trailer = states.new_zeros((0,))
        return states, saturation, trailer

    @staticmethod
    def backward(
        ctx: Any, grad_states: torch.Tensor, _grad_saturation: Any, grad_trailer: torch.Tensor
    ) -> tuple[torch.Tensor | None, ...]:
        state0, controls, articulation0 = ctx.saved_tensors
        has_trailer = ctx.params.trailer is not None

        def f64(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.detach().to(torch.float64).contiguous()

        g_state, g_controls, g_art = _core._rollout_backward(
            f64(state0),
            f64(controls),
            ctx.params,
            ctx.dt,
            f64(articulation0),
            f64(grad_states),
            f64(grad_trailer) if has_trailer else None,
        )
        if ctx.per_scene:  # state0 was shared by the scene's N candidates
            g_state = g_state.sum(dim=-2)
            if g_art is not None:
                g_art = g_art.sum(dim=-1)
        return (
            g_state.to(state0.dtype),
            g_controls.to(controls.dtype),
            None if articulation0 is None or g_art is None else g_art.to(articulation0.dtype),
            None,
            None,
        )


def differentiable_rollout(
    state0: Any, controls: Any, articulation0: Any, params: VehicleParams, dt: float
) -> tuple[Any, Any, Any]:
    """rollout for torch tensors that require grad: (states, saturation, trailer or None)."""
    tensors = [t for t in (state0, controls, articulation0) if t is not None]
    for name, t in zip(("state0", "controls", "articulation0"), (state0, controls, articulation0)):
        if t is not None and not isinstance(t, torch.Tensor):
            raise TypeError(
                f"{name} is a {type(t).__name__}, expected a torch tensor like the "
                "other inputs (one of them requires grad)"
            )
    double = any(t.dtype == torch.float64 for t in tensors)
    dtype = torch.float64 if double else torch.float32

    def cast(t: Any) -> Any:
        return None if t is None else t.to(dtype).contiguous()

    states, saturation, trailer = _Rollout.apply(  # type: ignore[no-untyped-call]
        cast(state0), cast(controls), cast(articulation0), params, dt
    )
    return states, saturation, trailer if params.trailer is not None else None
