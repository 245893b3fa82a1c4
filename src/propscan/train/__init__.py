"""Training, ONNX export and quantization (the ``train`` extra: torch and transformers live here).

Entry points: :func:`train` and :func:`calibrate`; every option is in :mod:`propscan.train.config`
(torch-free), where the named recipes are too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import require
from .config import RECIPES, TrainConfig, recipe_options


def train(data_dir: str | Path, split: str, output: str | Path, **options: Any) -> Path:
    """Fine-tune, export and write a model directory; see :func:`propscan.train.run.train`."""
    run: Any = require("train", "propscan.train.run")
    return run.train(data_dir, split, output, **options)  # type: ignore[no-any-return]


def calibrate(model_dir: str | Path, data_dir: str | Path, **options: Any) -> Path:
    """Calibrate a train-split model's span scores; see :func:`propscan.train.calibration.calibrate`."""
    module: Any = require("train", "propscan.train.calibration")
    return module.calibrate(model_dir, data_dir, **options)  # type: ignore[no-any-return]


def cross_validate(data_dir: str | Path, folds: int, output: str | Path, **options: Any) -> dict[str, Any]:
    """Cross-validate a recipe; see :func:`propscan.train.crossval.cross_validate`."""
    module: Any = require("train", "propscan.train.crossval")
    return module.cross_validate(data_dir, folds, output, **options)  # type: ignore[no-any-return]


__all__ = ["RECIPES", "TrainConfig", "calibrate", "cross_validate", "recipe_options", "train"]
