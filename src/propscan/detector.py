"""Detector: text -> Document. (Interface stub; the implementation lands next.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .document import Document, Span


class Detector:
    """A loaded, verified model that finds propaganda spans in text.

    Load once and reuse: ``Detector.load()`` takes the shipped default model, ``Detector.load(path)``
    a model directory written by ``propscan train``.
    """

    @classmethod
    def load(cls, name_or_path: str | Path | None = None) -> Detector:
        raise NotImplementedError

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def threshold(self) -> float:
        """The default decision threshold (from the model config)."""
        raise NotImplementedError

    def analyze(self, text: str, *, threshold: float | None = None) -> Document:
        raise NotImplementedError

    def analyze_many(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = 32,
        threshold: float | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[Document]:
        """Analyze many texts, batching windows across articles. ``progress(n)`` is called with the
        number of articles finished since the last call."""
        raise NotImplementedError

    def classify(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[str]:
        """The technique of each given span (the TC task). A span given k times gets the k most
        likely distinct techniques."""
        raise NotImplementedError
