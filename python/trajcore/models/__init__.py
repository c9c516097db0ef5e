"""The learned multimodal agent predictor (needs torch): network, training, evaluation and
export. docs/prediction.md describes it."""

from .network import MultimodalPredictor, PredictorConfig

__all__ = ["MultimodalPredictor", "PredictorConfig"]
