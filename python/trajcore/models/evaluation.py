"""Evaluating predictors on the targets of recorded windows: the learned model and the
constant-velocity and constant-turn-rate baselines, on the same targets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..data import Scenario, Windows, make_windows
from .baselines import baseline_predictions
from .metrics import prediction_metrics
from .network import MultimodalPredictor
from .training import model_inputs, window_config


@torch.no_grad()
def model_predictions(
    net: MultimodalPredictor, windows: Windows, *, batch: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """(N, K, F, 3) trajectories and (N, K) probabilities for the N targets of the windows, in
    window order then slot order."""
    net.eval()
    trajectories, probabilities = [], []
    for start in range(0, len(windows), batch):
        rows = slice(start, start + batch)
        t, p = net(*model_inputs(windows, rows))
        mask = windows.target[rows]
        trajectories.append(t.numpy()[mask])
        probabilities.append(p.numpy()[mask])
    return np.concatenate(trajectories), np.concatenate(probabilities)


def evaluate_prediction(
    net: MultimodalPredictor | None,
    scenarios: Sequence[Scenario],
    *,
    stride: int = 5,
    miss_threshold: float = 2.0,
) -> dict[str, dict[str, float]]:
    """minADE_K, minFDE_K, miss rate and brier-minFDE of the model (when given) and of the
    constant-velocity ("cv") and constant-turn-rate ("ctrv") baselines, over the targets of the
    scenarios' windows (K = 1 for the baselines, so their min- metrics are plain ADE and FDE)."""
    config = net.config if net is not None else None
    from .network import PredictorConfig

    windows = make_windows(list(scenarios), window_config(config or PredictorConfig(), stride))
    h = windows.config.history
    mask = windows.target
    future = windows.states[:, :, h + 1 :][mask]
    history, valid = windows.states[:, :, : h + 1][mask], windows.valid[:, :, : h + 1][mask]
    results = {}
    if net is not None:
        t, p = model_predictions(net, windows)
        results["model"] = prediction_metrics(t, p, future, miss_threshold=miss_threshold)
    for name in ("cv", "ctrv"):
        t = baseline_predictions(history, valid, windows.config.future, windows.config.dt, name)
        results[name] = prediction_metrics(
            t, np.ones((len(t), 1)), future, miss_threshold=miss_threshold
        )
    return results
