"""Training, ONNX export and quantization (the ``train`` extra: torch and transformers live here).

Entry point: :func:`propscan.train.train`.
"""

from __future__ import annotations

from typing import Any


def train(*args: Any, **kwargs: Any) -> Any:
    """Fine-tune, export and write a model directory; see :mod:`propscan.train.loop`."""
    try:
        from .loop import train as _train
    except ImportError as exc:  # torch or transformers missing
        from ..errors import MissingExtraError

        raise MissingExtraError("train", exc.name or "torch") from exc
    return _train(*args, **kwargs)


def calibrate(*args: Any, **kwargs: Any) -> Any:
    """Calibrate a train-split model's span scores on folds of train; see
    :func:`propscan.train.loop.calibrate`."""
    try:
        from .loop import calibrate as _calibrate
    except ImportError as exc:
        from ..errors import MissingExtraError

        raise MissingExtraError("train", exc.name or "torch") from exc
    return _calibrate(*args, **kwargs)


def recipe_options(name: str) -> dict[str, Any]:
    """The training options of a named model's recipe (fast, accurate)."""
    try:
        from .loop import RECIPES
    except ImportError as exc:
        from ..errors import MissingExtraError

        raise MissingExtraError("train", exc.name or "torch") from exc
    return dict(RECIPES[name])


__all__ = ["calibrate", "recipe_options", "train"]
