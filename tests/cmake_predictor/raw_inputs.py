"""The raw input layout predictor_run.cpp reads: each of the seven inputs as a little-endian
.bin file (validity as uint8), with the shapes in shapes.txt ("name d0 d1 ..."). Used by
tests/test_cpp_predictor.py and bench/bench_predictor.py."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trajcore.predictor_inputs import NAMES


def write_inputs(folder: Path, inputs: Sequence[Any]) -> None:
    """Writes seven torch tensors (or numpy arrays) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, tensor in zip(NAMES, inputs, strict=True):
        array = np.asarray(tensor.numpy() if hasattr(tensor, "numpy") else tensor)
        (array.astype(np.uint8) if array.dtype == np.bool_ else array).tofile(
            folder / f"{name}.bin"
        )
        lines.append(" ".join([name, *map(str, array.shape)]))
    (folder / "shapes.txt").write_text("\n".join(lines) + "\n")
