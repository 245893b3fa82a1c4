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

from dataclasses import dataclass
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
    def from_json(cls, data: dict[str, Any] | None) -> Calibrator | PlattMap | None:
        """The map a model config stores (either method), or None for a model without one."""
        if not data:
            return None
        method = data.get("method", "isotonic")
        try:
            if method == "platt":
                return PlattMap(float(data["a"]), float(data["b"]))
            if method == "isotonic":
                return cls(tuple(map(float, data["x"])), tuple(map(float, data["y"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"the model's calibration map is malformed ({exc}): retrain or recalibrate the model"
            ) from exc
        raise ModelError(
            f"the model's calibration method {method!r} is unknown to this propscan version "
            "(it knows 'isotonic' and 'platt'): upgrade propscan"
        )

    def to_json(self) -> dict[str, Any]:
        return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}

    def __call__(self, score: float | np.ndarray) -> float | np.ndarray:
        return np.interp(score, self.x, self.y)


ScoreMap = Calibrator | PlattMap

__all__ = ["Calibrator", "PlattMap", "ScoreMap", "logit"]
