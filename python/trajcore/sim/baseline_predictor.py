"""A predictor without torch: every agent keeps its current speed and heading (one mode, repeated
K times with equal probabilities). Replay falls back to it when torch is not installed; it has
the interface replay reads from trajcore.Predictor (``config``, ``predict_window``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class BaselineConfig:
    history: int = 20
    future: int = 50
    dt: float = 0.1
    modes: int = 6
    lane_points: int = 10
    lane_spacing: float = 2.0


class ConstantVelocityPredictor:
    """Constant velocity on the window's current states (x, y, yaw, vx, vy)."""

    def __init__(self, config: BaselineConfig | None = None) -> None:
        self.config = config or BaselineConfig()
        self.path = None

    def predict_window(
        self, window: dict[str, Any]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        c = self.config
        now = np.asarray(window["states"])[:, -1].astype(np.float64)  # (A, 5)
        t = np.arange(1, c.future + 1) * c.dt
        out = np.zeros((now.shape[0], c.modes, c.future, 3), np.float32)
        out[..., 0] = (now[:, None, 0] + now[:, None, 3] * t)[:, None]
        out[..., 1] = (now[:, None, 1] + now[:, None, 4] * t)[:, None]
        out[..., 2] = now[:, None, None, 2]
        return out, np.full((now.shape[0], c.modes), 1.0 / c.modes, np.float32)
