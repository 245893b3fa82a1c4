"""propscan: find propaganda techniques in news articles, span by span."""

from __future__ import annotations

from pathlib import Path

from ._version import __version__
from .document import Document, Span, Summary
from .engine.detector import Detector, token_cutoff
from .errors import (
    ChecksumError,
    DataError,
    FetchError,
    InputError,
    InvalidSpanError,
    MissingExtraError,
    ModelError,
    PropscanError,
)
from .techniques import LABELS, TECHNIQUES, Technique

_DEFAULT: dict[str, Detector] = {}


def analyze(
    text: str,
    *,
    model: Detector | str | Path | None = None,
    min_score: float | None = None,
    token_threshold: float | None = None,
    threshold: float | None = None,
) -> Document:
    """Find propaganda spans in ``text``. ``model`` is a Detector, a model name or directory, or
    None for the shipped default (loaded once and cached). ``min_score`` keeps only spans scored
    at least that much; ``token_threshold`` (advanced; ``threshold`` is its deprecated name) is
    the decoder's cut-off, see :meth:`Detector.analyze`."""
    if isinstance(model, Detector):
        detector = model
    else:
        key = str(model) if model is not None else ""
        if key not in _DEFAULT:
            _DEFAULT[key] = Detector.load(model)
        detector = _DEFAULT[key]
    return detector.analyze(
        text, min_score=min_score, token_threshold=token_cutoff(token_threshold, threshold)
    )


__all__ = [
    "LABELS",
    "TECHNIQUES",
    "ChecksumError",
    "DataError",
    "Detector",
    "Document",
    "FetchError",
    "InputError",
    "InvalidSpanError",
    "MissingExtraError",
    "ModelError",
    "PropscanError",
    "Span",
    "Summary",
    "Technique",
    "__version__",
    "analyze",
]
