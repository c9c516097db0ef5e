"""Evaluating predictors on the targets of recorded windows: the learned model and the
constant-velocity and constant-turn-rate baselines, on the same targets, overall and per agent
class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..data import Scenario, Windows, make_windows
from .baselines import baseline_predictions
from .metrics import prediction_metrics
from .network import MultimodalPredictor, PredictorConfig
from .training import model_inputs, window_config

#: Metrics by predictor name ("model", "cv", "ctrv").
Results = dict[str, dict[str, float]]


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


def target_classes(windows: Windows, scenarios: Sequence[Scenario]) -> np.ndarray:
    """(N,) the recording's own class name ("car", "truck", "pedestrian", ...) of each target,
    in the order of :func:`model_predictions`; "ego" for a recording's ego."""
    names = []
    for w, slot in zip(*np.nonzero(windows.target), strict=True):
        scenario = scenarios[int(windows.scenario[w])]
        index = int(windows.agent_index[w, slot])
        names.append("ego" if index >= scenario.agent_count else scenario.agent_kind[index])
    return np.array(names, dtype=object)


def prediction_report(
    net: MultimodalPredictor | None,
    scenarios: Sequence[Scenario],
    *,
    stride: int = 5,
    miss_threshold: float = 2.0,
) -> dict[str, Any]:
    """minADE_K, minFDE_K, miss rate and brier-minFDE of the model (when given) and of the
    constant-velocity ("cv") and constant-turn-rate ("ctrv") baselines over the targets of the
    scenarios' windows (present now and recorded through the whole future; K = 1 for the
    baselines, so their min- metrics are plain ADE and FDE): {"all": Results, "classes":
    {class name: Results}}."""
    config = net.config if net is not None else PredictorConfig()
    scenarios = list(scenarios)
    windows = make_windows(scenarios, window_config(config, stride))
    h = windows.config.history
    mask = windows.target
    future = windows.states[:, :, h + 1 :][mask]
    history, valid = windows.states[:, :, : h + 1][mask], windows.valid[:, :, : h + 1][mask]
    predictions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if net is not None:
        predictions["model"] = model_predictions(net, windows)
    for name in ("cv", "ctrv"):
        t = baseline_predictions(history, valid, windows.config.future, windows.config.dt, name)
        predictions[name] = (t, np.ones((len(t), 1)))

    def results(rows: np.ndarray) -> Results:
        return {
            name: prediction_metrics(t[rows], p[rows], future[rows], miss_threshold=miss_threshold)
            for name, (t, p) in predictions.items()
        }

    classes = target_classes(windows, scenarios)
    return {
        "all": results(np.arange(len(classes))),
        "classes": {c: results(np.flatnonzero(classes == c)) for c in sorted(set(classes))},
    }


def evaluate_prediction(
    net: MultimodalPredictor | None,
    scenarios: Sequence[Scenario],
    *,
    stride: int = 5,
    miss_threshold: float = 2.0,
) -> Results:
    """The "all" part of :func:`prediction_report`: every target together."""
    report = prediction_report(net, scenarios, stride=stride, miss_threshold=miss_threshold)
    all_targets: Results = report["all"]
    return all_targets
