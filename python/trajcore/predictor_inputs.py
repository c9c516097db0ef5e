"""The checks Predictor.run applies to the network's seven input tensors before running it (the
C++ twin, trajcore::Predictor::run, applies the same): shapes against each other and the file's
config, dtypes, finite values wherever a mask says they are read, agent types in range. Values
under a False mask are not read: non-finite ones there become 0, since the network's masking
multiplies and NaN * 0 would still reach every agent. Needs torch."""

from __future__ import annotations

from typing import Any

#: Input names in the order the network takes them (docs/prediction.md).
NAMES = (
    "agent_states",
    "agent_valid",
    "agent_type",
    "agent_extent",
    "lane_points",
    "lane_point_valid",
    "lane_attributes",
)
#: Largest magnitude read: beyond it float32 arithmetic inside the network overflows and the
#: outputs turn NaN (3e37 did; 1e20 did not). Scene-frame metres and m/s never come near it.
MAX_MAGNITUDE = 1e15
#: AgentType values the network knows (vehicle, pedestrian, bicycle, object); -1: an empty slot.
AGENT_TYPES = range(-1, 4)


def checked_inputs(inputs: tuple[Any, ...], history: int, lane_points: int) -> list[Any]:
    """The inputs, converted where a conversion is lossless (float64 -> float32, int32 -> int64)
    and with unread non-finite values zeroed; raises ValueError / TypeError naming the input."""
    import torch

    if len(inputs) != len(NAMES):
        raise ValueError(f"{len(inputs)} inputs, expected 7 ({', '.join(NAMES)})")
    out = []
    for name, x in zip(NAMES, inputs, strict=True):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} is a {type(x).__name__}, expected a torch tensor")
        if x.device.type != "cpu":
            raise ValueError(f"{name} is on {x.device}, expected cpu (the predictor runs there)")
        out.append(x.detach())
    states, valid, kind, _, points, point_valid, _ = out
    for name, x, want in (
        ("agent_valid", valid, torch.bool),
        ("lane_point_valid", point_valid, torch.bool),
    ):
        if x.dtype != want:
            raise TypeError(f"{name} has dtype {x.dtype}, expected torch.bool")
    if kind.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"agent_type has dtype {kind.dtype}, expected torch.int64")
    floats = {"agent_states": 0, "agent_extent": 3, "lane_points": 4, "lane_attributes": 6}
    for name, i in floats.items():
        if out[i].dtype not in (torch.float32, torch.float64):
            raise TypeError(f"{name} has dtype {out[i].dtype}, expected torch.float32")
        out[i] = out[i].to(torch.float32)
    out[2] = kind.to(torch.int64)

    if states.dim() != 4 or states.shape[2:] != (history + 1, 5):
        raise ValueError(
            f"agent_states has shape {tuple(states.shape)}, expected (B, A, {history + 1}, 5)"
        )
    b, a = states.shape[:2]
    if b == 0 or a == 0:
        raise ValueError(
            f"agent_states is empty: shape {tuple(states.shape)}, expected at least one scene "
            "and one agent slot"
        )
    lanes = points.shape[1] if points.dim() == 4 else -1
    expected = {
        "agent_valid": (b, a, history + 1),
        "agent_type": (b, a),
        "agent_extent": (b, a, 2),
        "lane_points": (b, lanes, lane_points, 2),
        "lane_point_valid": (b, lanes, lane_points),
        "lane_attributes": (b, lanes, 3),
    }
    for i, name in enumerate(NAMES[1:], start=1):
        if tuple(out[i].shape) != expected[name]:
            raise ValueError(f"{name} has shape {tuple(out[i].shape)}, expected {expected[name]}")

    bad = (out[2] < AGENT_TYPES.start) | (out[2] >= AGENT_TYPES.stop)
    if bad.any():
        at = tuple(int(v) for v in bad.nonzero()[0])
        raise ValueError(
            f"agent_type{list(at)} is {int(out[2][at])}, expected -1 (empty) or an AgentType "
            f"in [0, {AGENT_TYPES.stop - 1}]"
        )
    present = valid.any(-1)  # (B, A): the agent has some valid step
    lane_used = point_valid.any(-1)  # (B, L)
    for i, mask in (
        (0, valid[..., None]),
        (3, present[..., None]),
        (4, point_valid[..., None]),
        (6, lane_used[..., None]),
    ):
        x = out[i]
        finite = torch.isfinite(x)
        read = mask.expand_as(x)
        wrong = read & ~(finite & (x.abs() <= MAX_MAGNITUDE))
        if wrong.any():
            at = tuple(int(v) for v in wrong.nonzero()[0])
            raise ValueError(
                f"{NAMES[i]}{list(at)} is {float(x[at]):g}, expected a finite number of "
                "magnitude <= 1e+15 (or its mask False)"
            )
        if not finite.all():
            out[i] = torch.where(finite, x, torch.zeros((), dtype=x.dtype))
    if (out[3][present] < 0).any():
        raise ValueError("agent_extent has a negative length or width, expected >= 0")
    return out
