"""The multimodal agent predictor: every present agent of a scene, encoded in its own frame with
its nearest neighbours and lane segments, decoded into K trajectories and their probabilities.

The network takes the scene as plain tensors (the layout of :class:`trajcore.data.Windows`'
history part) and does the agent-centric encoding itself, so an exported file needs nothing but
those tensors: Python and C++ feed it the same inputs. docs/prediction.md gives the design."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

#: Agent classes one-hot encoded (trajcore.AgentType: vehicle, pedestrian, bicycle, object).
AGENT_CLASSES = 4
#: The predicted yaw: the direction of travel over this many steps, where the agent moved at
#: least YAW_CHORD metres in them (see _to_scene).
YAW_STEPS = 5
YAW_CHORD = 0.5
#: Per-step features of a history in an agent's frame: x, y, cos, sin of the heading, vx, vy,
#: valid.
STEP_FEATURES = 7


@dataclass(frozen=True)
class PredictorConfig:
    """Sizes of the network; history and future in steps of ``dt`` seconds."""

    history: int = 20
    future: int = 50
    dt: float = 0.1
    modes: int = 6
    neighbours: int = 8
    lane_segments: int = 16
    lane_points: int = 10
    #: Metres between lane points (the inputs' resampling, trajcore.data.lane_segments).
    lane_spacing: float = 2.0
    hidden: int = 128
    #: The trajcore.AgentType classes the network was trained on (training fills it in); the
    #: planner gives agents of other classes the physics modes alone. Empty: every class.
    agent_types: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "agent_types", tuple(int(t) for t in self.agent_types))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.LayerNorm(hidden), nn.ReLU(), nn.Linear(hidden, outputs)
    )


def _to_frame(xy: Tensor, origin: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Points (..., 2) into frames at ``origin`` (..., 2) rotated by the yaw whose cos and sin
    are given (broadcast over the points' extra middle dimensions by the caller)."""
    d = xy - origin
    return torch.stack([cos * d[..., 0] + sin * d[..., 1], -sin * d[..., 0] + cos * d[..., 1]], -1)


def _history_features(
    states: Tensor, valid: Tensor, origin: Tensor, cos: Tensor, sin: Tensor, yaw: Tensor
) -> Tensor:
    """(..., S, 5) scene-frame states -> (..., S * STEP_FEATURES) in the frame (origin, yaw);
    origin (..., 1, 2), cos/sin/yaw (..., 1)."""
    xy = _to_frame(states[..., :2], origin, cos, sin)
    heading = states[..., 2] - yaw
    v = states[..., 3:5]
    vx = cos * v[..., 0] + sin * v[..., 1]
    vy = -sin * v[..., 0] + cos * v[..., 1]
    m = valid.to(states.dtype)
    f = torch.stack(
        [
            xy[..., 0],
            xy[..., 1],
            torch.cos(heading),
            torch.sin(heading),
            vx,
            vy,
            torch.ones_like(vx),
        ],
        -1,
    ) * m.unsqueeze(-1)
    return f.flatten(-2)


def _masked_max(x: Tensor, mask: Tensor) -> Tensor:
    """Max over dim -2 of x (..., N, C) where mask (..., N); 0 where nothing is valid."""
    filled = torch.where(mask.unsqueeze(-1), x, torch.full_like(x, -1e9))
    best = filled.max(dim=-2).values
    return torch.where(mask.any(dim=-1, keepdim=True), best, torch.zeros_like(best))


class MultimodalPredictor(nn.Module):
    """forward(agent_states, agent_valid, agent_type, agent_extent, lane_points,
    lane_point_valid, lane_attributes) -> (trajectories, probabilities).

    Inputs (B scenes, A agents, H + 1 history steps ending at the current one, L lane segments of
    P points), all in one scene frame:
      agent_states (B, A, H+1, 5) float32 x, y, yaw, vx, vy; agent_valid (B, A, H+1) bool;
      agent_type (B, A) int64 (AgentType, -1 for empty slots); agent_extent (B, A, 2);
      lane_points (B, L, P, 2); lane_point_valid (B, L, P) bool; lane_attributes (B, L, 3).
    Outputs: trajectories (B, A, K, F, 3) x, y, yaw in the scene frame for steps 1..F after the
    current one; probabilities (B, A, K), summing to 1 over K. Agents absent at the current step
    get their current pose repeated and uniform probabilities.
    """

    def __init__(self, config: PredictorConfig = PredictorConfig()) -> None:
        super().__init__()
        self.config = config
        c, h = config, config.hidden
        steps = c.history + 1
        self.own = _mlp(steps * STEP_FEATURES + AGENT_CLASSES + 2, h, h)
        self.neighbour = _mlp(steps * STEP_FEATURES + AGENT_CLASSES + 2, h, h)
        self.lane = _mlp(c.lane_points * 3 + 3, h, h)
        self.fuse = nn.Sequential(_mlp(3 * h, 2 * h, 2 * h), nn.ReLU())
        self.trajectory = nn.Linear(2 * h, c.modes * c.future * 2)
        self.score = nn.Linear(2 * h, c.modes)

    def forward(
        self,
        agent_states: Tensor,
        agent_valid: Tensor,
        agent_type: Tensor,
        agent_extent: Tensor,
        lane_points: Tensor,
        lane_point_valid: Tensor,
        lane_attributes: Tensor,
    ) -> tuple[Tensor, Tensor]:
        offsets, logits = self.local_outputs(
            agent_states,
            agent_valid,
            agent_type,
            agent_extent,
            lane_points,
            lane_point_valid,
            lane_attributes,
        )
        current = agent_states[:, :, -1]
        return _to_scene(offsets, current[..., :2], current[..., 2]), torch.softmax(logits, -1)

    def local_outputs(
        self,
        agent_states: Tensor,
        agent_valid: Tensor,
        agent_type: Tensor,
        agent_extent: Tensor,
        lane_points: Tensor,
        lane_point_valid: Tensor,
        lane_attributes: Tensor,
    ) -> tuple[Tensor, Tensor]:
        """The inputs of forward -> (positions (B, A, K, F, 2) in each agent's own frame, mode
        logits (B, A, K)): what training compares with the recorded futures."""
        c = self.config
        b, a = agent_states.shape[0], agent_states.shape[1]
        present = agent_valid[:, :, -1]
        origin = agent_states[:, :, -1, :2]  # (B, A, 2)
        yaw = agent_states[:, :, -1, 2]
        cos, sin = torch.cos(yaw), torch.sin(yaw)
        kind = nn.functional.one_hot(agent_type.clamp(0, AGENT_CLASSES - 1), AGENT_CLASSES).to(
            agent_states.dtype
        )
        attributes = torch.cat([kind, agent_extent], -1)  # (B, A, 6)

        own = _history_features(
            agent_states,
            agent_valid,
            origin[:, :, None],
            cos[:, :, None],
            sin[:, :, None],
            yaw[:, :, None],
        )
        own = self.own(torch.cat([own, attributes], -1))  # (B, A, h)

        # Nearest present neighbours at the current step; padded so topk always has n columns.
        n = c.neighbours
        gap = (origin[:, :, None] - origin[:, None]).norm(
            dim=-1
        )  # not cdist: its algorithm depends on A
        usable = present[:, None, :] & present[:, :, None]
        usable = usable & ~torch.eye(a, dtype=torch.bool, device=gap.device)[None]
        gap = torch.where(usable, gap, torch.full_like(gap, float("inf")))
        gap = torch.cat(
            [gap, torch.full((b, a, n), float("inf"), device=gap.device, dtype=gap.dtype)], -1
        )
        near_gap, near = torch.topk(gap, n, dim=-1, largest=False)  # (B, A, n)
        near_ok = torch.isfinite(near_gap)
        near = torch.where(near_ok, near, torch.zeros_like(near))
        flat = near.reshape(b, a * n)

        def take(x: Tensor) -> Tensor:
            """Every agent's row of x (B, A, ...) for each of its neighbour slots."""
            index = flat.reshape(b, a * n, *([1] * (x.dim() - 2))).expand(b, a * n, *x.shape[2:])
            return torch.gather(x, 1, index).reshape(b, a, n, *x.shape[2:])

        n_states, n_valid = take(agent_states), take(agent_valid) & near_ok[..., None]
        n_features = _history_features(
            n_states,
            n_valid,
            origin[:, :, None, None],
            cos[:, :, None, None],
            sin[:, :, None, None],
            yaw[:, :, None, None],
        )
        n_features = self.neighbour(torch.cat([n_features, take(attributes)], -1))
        neighbours = _masked_max(n_features, near_ok)  # (B, A, h)

        # Nearest lane segments to each agent.
        m = c.lane_segments
        # m empty segments appended, so topk always has m columns and a gather target exists
        # even without lanes (no branch on shapes: exported graphs stay general).
        lane_points = torch.cat([lane_points, lane_points.new_zeros((b, m, c.lane_points, 2))], 1)
        lane_point_valid = torch.cat(
            [lane_point_valid, lane_point_valid.new_zeros((b, m, c.lane_points))], 1
        )
        lane_attributes = torch.cat([lane_attributes, lane_attributes.new_zeros((b, m, 3))], 1)
        d = lane_points[:, None] - origin[:, :, None, None, :]  # (B, A, L + m, P, 2)
        point_gap = torch.where(
            lane_point_valid[:, None], d.norm(dim=-1), torch.full_like(d[..., 0], float("inf"))
        )
        seg_gap = point_gap.min(dim=-1).values  # (B, A, L + m)
        lane_gap, lane_index = torch.topk(seg_gap, m, dim=-1, largest=False)
        lane_ok = torch.isfinite(lane_gap)
        lane_index = torch.where(lane_ok, lane_index, torch.zeros_like(lane_index))
        li = lane_index.reshape(b, a * m)
        pts = torch.gather(
            lane_points, 1, li[:, :, None, None].expand(b, a * m, c.lane_points, 2)
        ).reshape(b, a, m, c.lane_points, 2)
        pts_ok = torch.gather(
            lane_point_valid, 1, li[:, :, None].expand(b, a * m, c.lane_points)
        ).reshape(b, a, m, c.lane_points)
        pts_ok = pts_ok & lane_ok[..., None]
        attr = torch.gather(lane_attributes, 1, li[:, :, None].expand(b, a * m, 3)).reshape(
            b, a, m, 3
        )
        local = _to_frame(
            pts, origin[:, :, None, None], cos[:, :, None, None], sin[:, :, None, None]
        )
        lane_features = torch.cat(
            [
                (local * pts_ok[..., None]).flatten(-2),
                pts_ok.to(local.dtype),
                attr * lane_ok[..., None],
            ],
            -1,
        )
        lanes = _masked_max(self.lane(lane_features), lane_ok)  # (B, A, h)

        fused = self.fuse(torch.cat([own, neighbours, lanes], -1))
        offsets = self.trajectory(fused).reshape(b, a, c.modes, c.future, 2)
        logits = self.score(fused)
        offsets = offsets * present[:, :, None, None, None].to(offsets.dtype)
        logits = torch.where(present[:, :, None], logits, torch.zeros_like(logits))
        return offsets, logits


def _to_scene(offsets: Tensor, origin: Tensor, yaw: Tensor) -> Tensor:
    """Agent-frame positions (B, A, K, F, 2) -> scene-frame x, y, yaw (B, A, K, F, 3). The yaw
    of a step is the direction of travel over the last ``YAW_STEPS`` steps (the chord from the
    position then), taken where that chord is at least ``YAW_CHORD`` metres long and held
    otherwise (the current yaw until the first such step); travel backwards (against the agent's
    current heading) keeps the vehicle facing forwards. A near-standing agent's small steps
    would otherwise turn its box in place, sweeping it into the next lane."""
    cos, sin = torch.cos(yaw)[:, :, None, None], torch.sin(yaw)[:, :, None, None]
    x = origin[:, :, None, None, 0] + cos * offsets[..., 0] - sin * offsets[..., 1]
    y = origin[:, :, None, None, 1] + sin * offsets[..., 0] + cos * offsets[..., 1]
    f = offsets.shape[-2]
    back = min(YAW_STEPS, f)
    earlier = torch.cat([torch.zeros_like(offsets[..., :back, :]), offsets[..., : f - back, :]], -2)
    chord = offsets - earlier
    moving = chord.norm(dim=-1) >= YAW_CHORD
    forwards = torch.where(chord[..., :1] < 0, -chord, chord)
    local_yaw = torch.atan2(forwards[..., 1], forwards[..., 0])
    index = torch.arange(1, f + 1, device=offsets.device).expand_as(local_yaw)
    last = torch.cummax(torch.where(moving, index, torch.zeros_like(index)), dim=-1).values
    held = torch.cat([torch.zeros_like(local_yaw[..., :1]), local_yaw], -1)
    local_yaw = torch.gather(held, -1, last)
    heading = torch.remainder(yaw[:, :, None, None] + local_yaw + torch.pi, 2 * torch.pi) - torch.pi
    return torch.stack([x, y, heading], -1)
