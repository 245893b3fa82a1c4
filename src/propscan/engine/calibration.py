"""Calibration maps: a span's raw score -> the probability that it is right.

"Right" means what a reader of the output cares about: some gold span of the same technique
overlaps the predicted span. The raw score of a predicted span (mean token probability x technique
probability) ranks spans well but is not a probability; a map fitted on spans predicted for
held-out articles (see :mod:`propscan.evaluation.calibrate`) turns it into one. Two kinds of map,
stored in the model's config and applied with numpy only:

- isotonic (breakpoints, linear interpolation): for the thousands of spans that fold models of
  the training articles predict;
- Platt (a logistic curve of the score's logit, two numbers): for a few hundred spans, where an
  isotonic map follows the noise of the articles it was fitted on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError


def logit(score: float | np.ndarray) -> np.ndarray:
    s = np.clip(np.asarray(score, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.log(s / (1 - s))


@dataclass(frozen=True)
class PlattMap:
    """sigmoid(a * logit(score) + b): a two-number calibration map."""

    a: float
    b: float

    def to_json(self) -> dict[str, Any]:
        return {"method": "platt", "a": self.a, "b": self.b}

    def __call__(self, score: float | np.ndarray) -> float | np.ndarray:
        out = 1 / (1 + np.exp(-(self.a * logit(score) + self.b)))
        return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class Calibrator:
    """An isotonic calibration map: breakpoints (x, y), linear interpolation between them."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    @classmethod
    def from_json(
        cls, data: dict[str, Any] | None, source: str | Path = "the model's config.json"
    ) -> Calibrator | PlattMap | None:
        """The map a model config stores (either method), or None for a model without one.
        ``source`` names the config file in errors."""
        if not data:
            return None
        method = data.get("method", "isotonic")
        try:
            if method == "platt":
                platt = PlattMap(float(data["a"]), float(data["b"]))
                if not (math.isfinite(platt.a) and math.isfinite(platt.b)):
                    raise ValueError("a and b must be finite numbers")
                return platt
            if method == "isotonic":
                iso = cls(tuple(map(float, data["x"])), tuple(map(float, data["y"])))
                if not iso.x or len(iso.x) != len(iso.y):
                    raise ValueError("x and y must be lists of the same, non-zero length")
                if not all(math.isfinite(v) for v in iso.x) or list(iso.x) != sorted(iso.x):
                    raise ValueError("x must be finite and non-decreasing")
                if not all(0.0 <= v <= 1.0 for v in iso.y):
                    raise ValueError("y must lie in [0, 1]")
                return iso
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"{source}: field 'calibration' is malformed ({exc}): retrain or recalibrate the model"
            ) from exc
        raise ModelError(
            f"{source}: the calibration method {method!r} is unknown to this propscan version "
            "(it knows 'isotonic' and 'platt'): upgrade propscan"
        )

    def to_json(self) -> dict[str, Any]:
        return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}

    def __call__(self, score: float | np.ndarray) -> float | np.ndarray:
        return np.interp(score, self.x, self.y)


ScoreMap = Calibrator | PlattMap

__all__ = ["Calibrator", "PlattMap", "ScoreMap", "logit"]
