"""Prediction metrics as the forecasting benchmarks define them (Argoverse 2's minADE_K,
minFDE_K, miss rate and brier-minFDE), and the training loss."""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor


def prediction_metrics(
    trajectories: NDArray[np.floating],
    probabilities: NDArray[np.floating],
    future: NDArray[np.floating],
    *,
    miss_threshold: float = 2.0,
) -> dict[str, float]:
    """Means over N targets of:

    - minADE_K: the smallest over the K modes of the mean displacement over the F steps;
    - minFDE_K: the smallest final displacement;
    - miss_rate: the share of targets whose minFDE_K exceeds ``miss_threshold`` metres;
    - brier_minFDE: minFDE_K + (1 - p)^2, p the probability of the mode with the smallest
      final displacement.

    trajectories (N, K, F, >=2), probabilities (N, K), future (N, F, >=2); positions in metres.
    """
    n, k, f = trajectories.shape[:3]
    if probabilities.shape != (n, k) or future.shape[:2] != (n, f):
        raise ValueError(
            f"probabilities has shape {probabilities.shape} and future {future.shape}, expected "
            f"({n}, {k}) and ({n}, {f}, 2) for trajectories of shape {trajectories.shape}"
        )
    if n == 0:
        raise ValueError("no targets, expected at least one")
    error = np.linalg.norm(trajectories[..., :2] - future[:, None, :, :2], axis=-1)  # (N, K, F)
    ade, fde = error.mean(-1), error[..., -1]
    best_final = fde.argmin(-1)
    min_fde = fde.min(-1)
    p = probabilities[np.arange(n), best_final]
    return {
        "minADE": float(ade.min(-1).mean()),
        "minFDE": float(min_fde.mean()),
        "miss_rate": float((min_fde > miss_threshold).mean()),
        "brier_minFDE": float((min_fde + (1.0 - p) ** 2).mean()),
        "targets": float(n),
    }


def winner_takes_all_loss(
    offsets: Tensor,
    logits: Tensor,
    future: Tensor,
    mask: Tensor,
    future_valid: Tensor | None = None,
) -> Tensor:
    """The mode nearest the recorded future (smallest mean displacement) is regressed to it with
    a smooth L1 loss and taught as the class to pick (cross-entropy), averaged over the targets
    in ``mask``. offsets (B, A, K, F, 2), logits (B, A, K), future (B, A, F, 2), mask (B, A);
    future_valid (B, A, F), when given, keeps each target's displacement and regression to its
    recorded steps (a track that ends within the horizon)."""
    if future_valid is None:
        weight = torch.ones_like(future[..., 0])
    else:
        weight = future_valid.to(future.dtype)
    steps = weight.sum(-1).clamp_min(1)  # (B, A)
    error = (offsets - future[:, :, None]).norm(dim=-1)  # (B, A, K, F)
    error = (error * weight[:, :, None]).sum(-1) / steps[:, :, None]
    best = error.argmin(-1)
    chosen = torch.gather(
        offsets, 2, best[:, :, None, None, None].expand(*best.shape, 1, *offsets.shape[-2:])
    )[:, :, 0]
    per_step = torch.nn.functional.smooth_l1_loss(chosen, future, reduction="none").mean(-1)
    regression = (per_step * weight).sum(-1) / steps
    classification = torch.nn.functional.cross_entropy(
        logits.flatten(0, 1), best.flatten(), reduction="none"
    )
    per_target = (regression + classification.reshape(best.shape)) * mask
    return per_target.sum() / mask.sum().clamp_min(1)
