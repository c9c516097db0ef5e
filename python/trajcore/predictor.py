"""trajcore.Predictor: an exported multimodal predictor (TorchScript or .pt2), loaded and run on a
recorded scene or on its input tensors. The C++ twin is trajcore::Predictor
(cpp/include/trajcore/predictor.hpp), which loads the same files. Needs torch."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .predictor_inputs import checked_inputs

#: The seven network inputs, as named in trajcore.sim.predictor_window's result.
WINDOW_INPUTS = (
    "states",
    "valid",
    "agent_type",
    "agent_extent",
    "lane_points",
    "lane_point_valid",
    "lane_attributes",
)

#: The model shipped in the wheel (trained on NGSIM; python/trajcore/models/default/MODEL_CARD.md).
DEFAULT_MODEL = "predictor.ts"


@dataclass(frozen=True)
class Prediction:
    """Predictions for the M agents of a scenario at one step, in the layout the collision engine
    reads (trajcore.check_collisions' agents with K modes)."""

    #: (M, K, F+1, 3) float32 x, y, yaw in the scenario's frame; step 0 is the current pose.
    trajectories: NDArray[np.float32]
    #: (M, K) float32, rows summing to 1 (uniform for agents not predicted).
    probabilities: NDArray[np.float32]
    #: (M,) bool: the agent is present at the step and was predicted.
    valid: NDArray[np.bool_]
    #: Seconds between steps.
    dt: float


class Predictor:
    """Use :meth:`load`. ``predict(scenario, t)`` predicts every agent present at step t (the
    scenario's ego is read as context, not predicted); ``run(*tensors)`` runs the file on the
    network's seven input tensors (docs/prediction.md)."""

    def __init__(self, module: Any, config: Any, path: Path) -> None:
        self._module = module
        self.config = config
        self.path = path

    @classmethod
    def load(cls, path: str | Path | None = None) -> Predictor:
        """A TorchScript file (.ts, .pt) or an AOTInductor package (.pt2) written by
        trajcore.models.export; without a path, the model shipped in the wheel."""
        import torch

        from .models.export import read_config

        if path is None:
            path = Path(__file__).parent / "models" / "default" / DEFAULT_MODEL
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such predictor file")
        config = read_config(path)
        if path.suffix == ".pt2":
            module = torch._inductor.aoti_load_package(str(path))
        else:
            with warnings.catch_warnings():
                # torch 2.13 marks torch.jit deprecated; TorchScript is the format libtorch
                # runs on the vehicle, and the .pt2 path is the forward one.
                warnings.simplefilter("ignore", DeprecationWarning)
                module = torch.jit.load(str(path), map_location="cpu")  # type: ignore[no-untyped-call]
            module.eval()
        return cls(module, config, path)

    def run(self, *inputs: Any) -> tuple[Any, Any]:
        """(trajectories (B, A, K, F, 3), probabilities (B, A, K)) from the seven input tensors,
        checked first (trajcore.predictor_inputs: shapes, dtypes, finite values where read)."""
        import torch

        checked = checked_inputs(inputs, self.config.history, self.config.lane_points)
        with torch.no_grad():
            return self._module(*checked)  # type: ignore[no-any-return]

    def predict_window(
        self, window: dict[str, Any]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """(A, K, F, 3) trajectories and (A, K) probabilities for one scene's input arrays, as
        trajcore.sim.predictor_window builds them (numpy in, numpy out)."""
        import torch

        inputs = [
            torch.from_numpy(np.ascontiguousarray(window[key][None])) for key in WINDOW_INPUTS
        ]
        inputs[2] = inputs[2].long()
        trajectories, probabilities = self.run(*inputs)
        return trajectories.numpy()[0], probabilities.numpy()[0]

    def scene_inputs(self, scenario: Any, t: int) -> tuple[Any, Any]:
        """(the seven input tensors of one scene, the window they came from) for step t."""
        import torch

        from .data.windows import scene_window
        from .models.training import model_inputs, window_config

        window = scene_window(scenario, t, window_config(self.config, 1, future=0))
        return model_inputs(window, slice(0, 1), torch.device("cpu")), window

    def predict(self, scenario: Any, t: int) -> Prediction:
        inputs, window = self.scene_inputs(scenario, t)
        trajectories, probabilities = self.run(*inputs)
        trajectories, probabilities = trajectories.numpy()[0], probabilities.numpy()[0]
        m, k, f = scenario.agent_count, self.config.modes, self.config.future
        out = np.zeros((m, k, f + 1, 3), np.float32)
        prob = np.full((m, k), 1.0 / k, np.float32)
        valid = np.zeros(m, np.bool_)
        origin = window.origin[0]
        for slot, index in enumerate(window.agent_index[0]):
            if 0 <= index < m:  # the ego (index m) is context only
                current = scenario.agent_states[index, t, :3]
                out[index, :, 0] = current
                out[index, :, 1:] = trajectories[slot]
                out[index, :, 1:, :2] += origin
                prob[index] = probabilities[slot]
                valid[index] = True
        return Prediction(trajectories=out, probabilities=prob, valid=valid, dt=self.config.dt)
