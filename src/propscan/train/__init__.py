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


__all__ = ["train"]
