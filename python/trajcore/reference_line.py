"""Reference lines with a Frenet frame (arc length s, signed lateral offset d, left positive).

The work happens in C++ (``trajcore::ReferenceLine``); construction, smoothing and the
projection rule are described in docs/rollout.md ("Reference lines").
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _core


class ReferenceLine:
    """A smooth, evenly parametrised line through ``points`` (P, 2), in order of travel.

    The polyline is resampled every ``spacing`` metres, smoothed with a Gaussian of ``smoothing``
    metres (0: none) and resampled again, so that s is the arc length of the result. Kinks,
    uneven spacing and repeated points are fine; fewer than two distinct points raise ValueError.
    Before s = 0 and after s = length the line continues straight.
    """

    def __init__(self, points: Any, *, spacing: float = 0.5, smoothing: float = 1.0) -> None:
        kind = np.asarray(points).dtype.kind
        if kind not in "fiu":  # complex would lose its imaginary part, bool is no coordinate
            raise TypeError(
                f"points has dtype {np.asarray(points).dtype}, expected real coordinates "
                "(float64, float32 or integers)"
            )
        #: The points and options it was built from (what a scene file stores).
        self.source_points = np.array(points, np.float64)
        self.spacing, self.smoothing = float(spacing), float(smoothing)
        self._line = _core._ReferenceLine(points, self.spacing, self.smoothing)

    @property
    def length(self) -> float:
        """Arc length (m)."""
        return float(self._line.length)

    @property
    def samples(self) -> NDArray[np.float64]:
        """(S, 5) float64: s, x, y, heading (unwrapped), curvature at the samples."""
        x, y, heading, curvature = (np.asarray(a) for a in self._line.samples())
        s = np.arange(len(x)) * self._line.spacing
        s[-1] = self._line.length
        return np.stack([s, x, y, heading, curvature], axis=-1)

    def evaluate(self, s: Any) -> Any:
        """(..., 4) x, y, heading, curvature at arc lengths ``s`` (...)."""
        return self._line.evaluate(s)

    def project(self, xy: Any) -> tuple[Any, Any]:
        """(s, d) of points ``xy`` (..., 2): the foot of the perpendicular with the smallest |d|."""
        sd = self._line.project(xy)
        return sd[..., 0], sd[..., 1]

    def to_cartesian(self, s: Any, d: Any) -> Any:
        """(..., 2) x, y of Frenet coordinates ``s`` and ``d`` (same shapes)."""
        sd: Any
        if type(s).__module__.startswith("torch"):
            import torch

            sd = torch.stack([s, d], dim=-1).to(torch.float32).contiguous()
        else:
            sd = np.ascontiguousarray(np.stack(np.broadcast_arrays(s, d), axis=-1), np.float32)
        try:
            return self._line.to_cartesian(sd)
        except ValueError as error:  # name the caller's arguments, not the stacked pairs
            message = re.sub(r"^sd(\[[^\]]*\]) \((s|d)\)", r"\2\1", str(error))
            raise ValueError(re.sub(r"^sd is ", "s and d are ", message)) from None
