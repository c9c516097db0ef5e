"""The differentiable path of :func:`trajcore.track`, for torch tensors that require grad.

Imported only when such a tensor reaches ``track``. The control laws of the C++ tracker
(cpp/include/trajcore/detail/tracking_law.hpp, cpp/src/track_cpu.cpp) are restated here in torch
operations, and each step of the vehicle goes through the differentiable rollout (C++ forward,
exact C++ backward), so autograd differentiates the whole closed loop: the controller's response
to the state (feedback) as well as the references. Discrete choices (the stopping controller,
pure pursuit's path segment) are taken from the values and carry no gradient, like the limits.
Everything runs in float64; tests/test_track_grad.py checks the forward against the C++ float64
tracker and the gradients with gradcheck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from . import _core
from ._rollout_autograd import differentiable_rollout
from .vehicle import VehicleParams

if TYPE_CHECKING:
    from .track import TrackerParams

# Below this rear-axle displacement (m) a reference step has no curvature (as in C++).
_MIN_STEP_LENGTH = 1e-3


def _wrap(angle: torch.Tensor) -> torch.Tensor:
    """Into [-pi, pi), as detail::wrap_angle."""
    return angle - 2 * math.pi * torch.floor((angle + math.pi) / (2 * math.pi))


def _safe_divide(num: torch.Tensor, den: torch.Tensor, ok: torch.Tensor) -> torch.Tensor:
    """num / den where ok, else 0, without inf or NaN in either branch's gradient."""
    return torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(num))


@dataclass
class _Path:
    """References of R rows as rear-axle paths: (R, T+1) poses, speeds, arc lengths and (R, T)
    step curvatures."""

    x: torch.Tensor
    y: torch.Tensor
    yaw: torch.Tensor
    cos: torch.Tensor
    sin: torch.Tensor
    v: torch.Tensor
    arc: torch.Tensor
    kappa: torch.Tensor


def _rear_axle_path(references: torch.Tensor, center_offset: float, dt: float) -> _Path:
    yaw = _wrap(references[..., 2])
    cos, sin = torch.cos(yaw), torch.sin(yaw)
    x = references[..., 0] - center_offset * cos
    y = references[..., 1] - center_offset * sin
    dx, dy = x[:, 1:] - x[:, :-1], y[:, 1:] - y[:, :-1]
    squared = dx * dx + dy * dy
    moved = squared > 0
    length = torch.where(moved, torch.sqrt(torch.where(moved, squared, 1.0)), 0.0)
    turn = _wrap(yaw[:, 1:] - yaw[:, :-1])
    kappa = _safe_divide(turn, length, length > _MIN_STEP_LENGTH)
    arc = torch.cat([torch.zeros_like(length[:, :1]), torch.cumsum(length, 1)], 1)
    if references.shape[-1] == 3:
        # Step speeds along the heading; a pose takes the mean of its two steps.
        step = (dx * cos[:, :-1] + dy * sin[:, :-1]) / dt
        v = torch.cat([step[:, :1], 0.5 * (step[:, :-1] + step[:, 1:]), step[:, -1:]], 1)
    else:
        v = references[..., 3]
    return _Path(x, y, yaw, cos, sin, v, arc, kappa)


def _gather(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return values.gather(1, index[:, None])[:, 0]


def _pursuit_target(
    path: _Path, segment: torch.Tensor, px: torch.Tensor, py: torch.Tensor, ahead: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The point `ahead` metres along the path past the rear axle's projection on the path
    (segments only move forward), and the updated segments."""
    T = path.arc.shape[1] - 1

    def along_segment(seg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x0, y0 = _gather(path.x, seg), _gather(path.y, seg)
        dx, dy = _gather(path.x, seg + 1) - x0, _gather(path.y, seg + 1) - y0
        length = _gather(path.arc, seg + 1) - _gather(path.arc, seg)
        along = _safe_divide((px - x0) * dx + (py - y0) * dy, length, length > 0)
        return along, length

    with torch.no_grad():
        while True:
            along, length = along_segment(segment)
            advance = (segment + 1 < T) & (along >= length)
            if not bool(advance.any()):
                break
            segment = segment + advance.long()
    along, _ = along_segment(segment)
    along = torch.clamp(along, min=0.0)
    end_x, end_y, end_arc = path.x[:, T], path.y[:, T], path.arc[:, T]
    end_cos, end_sin = path.cos[:, T], path.sin[:, T]
    seg_arc = _gather(path.arc, segment)
    past_end = (segment + 1 >= T) & (along >= end_arc - seg_arc)
    beyond = torch.clamp((px - end_x) * end_cos + (py - end_y) * end_sin, min=0.0)
    projection = torch.where(past_end, end_arc + beyond, seg_arc + along)
    target = projection + ahead
    # Past the end: straight on along the last heading.
    extra = target - end_arc
    straight_x, straight_y = end_x + extra * end_cos, end_y + extra * end_sin
    with torch.no_grad():
        first = torch.searchsorted(path.arc[:, 1:].contiguous(), target.detach()[:, None])[:, 0]
        t = torch.clamp(torch.maximum(first, segment), max=T - 1)
    arc0, arc1 = _gather(path.arc, t), _gather(path.arc, t + 1)
    f = _safe_divide(target - arc0, arc1 - arc0, arc1 > arc0)
    x0, y0 = _gather(path.x, t), _gather(path.y, t)
    inside_x = x0 + f * (_gather(path.x, t + 1) - x0)
    inside_y = y0 + f * (_gather(path.y, t + 1) - y0)
    beyond_end = target >= end_arc
    return (
        torch.where(beyond_end, straight_x, inside_x),
        torch.where(beyond_end, straight_y, inside_y),
        segment,
    )


def _pure_pursuit_angle(
    wheelbase: float,
    px: torch.Tensor,
    py: torch.Tensor,
    yaw: torch.Tensor,
    tx: torch.Tensor,
    ty: torch.Tensor,
) -> torch.Tensor:
    dx, dy = tx - px, ty - py
    cos, sin = torch.cos(yaw), torch.sin(yaw)
    ahead, left = dx * cos + dy * sin, dy * cos - dx * sin
    dist_sq = ahead * ahead + left * left
    curvature = _safe_divide(2 * left, dist_sq, dist_sq > 1e-12)
    return torch.atan(wheelbase * curvature)


def _lqr_steering_rate(
    tracker: TrackerParams,
    wheelbase: float,
    dt: float,
    lateral: torch.Tensor,
    heading: torch.Tensor,
    steer: torch.Tensor,
    v: torch.Tensor,
    a_cmd: torch.Tensor,
    kappa: list[torch.Tensor],
) -> torch.Tensor:
    """The steering rate command of the lateral LQR (detail::lqr_steering_rate_command)."""
    inv_wheelbase = 1.0 / wheelbase
    ze, zp, zd = lateral, heading, steer
    be = bp = bd = torch.zeros_like(lateral)
    for h, kap in enumerate(kappa):
        wdt = torch.clamp(v + a_cmd * (dt * h), min=0.0) * dt
        ze = ze + wdt * zp
        zp = zp + wdt * (zd * inv_wheelbase - kap)
        be = be + wdt * bp
        bp = bp + wdt * bd * inv_wheelbase
        bd = bd + dt
    zp, zd = _wrap(zp), _wrap(zd)
    q_e, q_p, q_d = tracker.q_lateral_error, tracker.q_heading_error, tracker.q_steering_angle
    num = q_e * be * ze + q_p * bp * zp + q_d * bd * zd
    den = q_e * be * be + q_p * bp * bp + q_d * bd * bd + tracker.r_lateral
    return -num / den


def _as_tensor(name: str, value: Any) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} is a {type(value).__name__}, expected a torch tensor like the other inputs "
            "(one of them requires grad)"
        )
    return value


def differentiable_track(
    state0: Any,
    references: Any,
    articulation0: Any,
    params: VehicleParams,
    tracker: TrackerParams,
    dt: float,
) -> tuple[Any, Any, Any, Any]:
    """track for torch tensors that require grad: (states, saturation, controls, trailer)."""
    state0 = _as_tensor("state0", state0)
    references = _as_tensor("references", references)
    if articulation0 is not None:
        articulation0 = _as_tensor("articulation0", articulation0)
    inputs = [t for t in (state0, references, articulation0) if t is not None]
    out_dtype = torch.float64 if any(t.dtype == torch.float64 for t in inputs) else torch.float32

    def f64(t: torch.Tensor | None) -> torch.Tensor | None:
        return None if t is None else t.to(torch.float64)

    def plain(t: torch.Tensor | None) -> torch.Tensor | None:
        return None if t is None else t.detach().to(torch.float64).contiguous()

    # The C++ float64 tracker validates the inputs (shapes, values, limits) with its messages.
    _core._track_f64(plain(state0), plain(references), params, tracker, dt, plain(articulation0))
    refs = f64(references)
    assert refs is not None
    lead = refs.shape[:-2]
    T = refs.shape[-2] - 1
    per_scene = state0.dim() == refs.dim() - 2
    s0 = f64(state0)
    assert s0 is not None
    if per_scene:
        s0 = s0.unsqueeze(-2)
    state = s0.expand(*lead, 6).reshape(-1, 6)
    rows = state.shape[0]
    articulation = None
    if params.trailer is not None:
        art0 = f64(articulation0)
        if art0 is None:
            art0 = state.new_zeros(())
        elif per_scene:
            art0 = art0.unsqueeze(-1)
        articulation = art0.expand(*lead).reshape(rows)
    path = _rear_axle_path(
        refs.reshape(rows, T + 1, refs.shape[-1]), float(np.float32(params.rear_axle_to_center)), dt
    )

    H = tracker.horizon
    horizon_time = H * dt
    longitudinal_gain = (
        horizon_time
        * tracker.q_longitudinal
        / (horizon_time**2 * tracker.q_longitudinal + tracker.r_longitudinal)
    )
    segment = torch.zeros(rows, dtype=torch.long, device=state.device)
    states, saturation, controls, trailer = [state], [], [], []
    # The C++ vehicle parameters are float32.
    offset = float(np.float32(params.rear_axle_to_center))
    wheelbase = float(np.float32(params.wheelbase))
    for i in range(T):
        x, y, yaw, v, a, steer = state.unbind(-1)
        px, py = x - offset * torch.cos(yaw), y - offset * torch.sin(yaw)
        v_goal = path.v[:, min(i + H, T)]
        stop = ((v <= tracker.stopping_speed) & (v_goal <= tracker.stopping_speed)).detach()
        gain = torch.where(stop, tracker.stopping_gain, v.new_tensor(longitudinal_gain))
        a_cmd = -gain * (v - v_goal)
        if tracker.controller == "lqr":
            lateral = (py - path.y[:, i]) * path.cos[:, i] - (px - path.x[:, i]) * path.sin[:, i]
            heading = _wrap(yaw - path.yaw[:, i])
            kappa = [path.kappa[:, min(i + h, T - 1)] for h in range(H)]
            command = _lqr_steering_rate(
                tracker, wheelbase, dt, lateral, heading, steer, v, a_cmd, kappa
            )
            rate = command * (dt / (dt + tracker.steering_lag))
        else:
            ahead = torch.clamp(tracker.lookahead_time * v, min=tracker.min_lookahead)
            tx, ty, segment = _pursuit_target(path, segment, px, py, ahead)
            angle = _pure_pursuit_angle(wheelbase, px, py, yaw, tx, ty)
            rate = (angle - steer) / (dt + tracker.steering_lag)
        rate = torch.where(stop, 0.0, rate)
        jerk = (a_cmd - a) / (dt + tracker.acceleration_lag)
        control = torch.stack([jerk, rate], -1)
        step_states, step_flags, step_trailer = differentiable_rollout(
            state, control[:, None], articulation, params, dt
        )
        state = step_states[:, 1]
        states.append(state)
        saturation.append(step_flags[:, 0])
        controls.append(control)
        if step_trailer is not None:
            if i == 0:
                trailer.append(step_trailer[:, 0])
            trailer.append(step_trailer[:, 1])
            articulation = _wrap(state[:, 2] - step_trailer[:, 1, 2])

    def shaped(parts: list[torch.Tensor], *tail: int) -> torch.Tensor:
        return torch.stack(parts, 1).reshape(*lead, *tail)

    return (
        shaped(states, T + 1, 6).to(out_dtype),
        shaped(saturation, T),
        shaped(controls, T, 2).to(out_dtype),
        shaped(trailer, T + 1, 3).to(out_dtype) if trailer else None,
    )
