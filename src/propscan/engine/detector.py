"""Detector: text -> Document, over any Scorer. Windows from many texts are batched into one
forward pass."""

from __future__ import annotations

import functools
import numbers
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import text_checks
from ..document import Document, Span
from ..errors import InputError, InvalidSpanError, ModelError
from ..hub.config import ModelConfig
from ..techniques import LABELS
from ..text import clean_text
from .attribution import attribute
from .calibration import Calibrator
from .decode import decode_block
from .features import lower
from .load import Opened, open_model
from .model import Model
from .scorer import ScoredBlock, Scorer

BATCH_SIZE = 8  # windows scored per flush, times scorer.BATCHES_PER_FLUSH: memory, not results


def check_threshold(value: object, name: str = "token_threshold") -> float:
    """``value`` as a token threshold, which must lie strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < float(value) < 1.0:
        raise InputError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return float(value)


def check_min_score(value: object) -> float:
    """``value`` as a minimum span score, which must lie in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise InputError(f"min_score must lie between 0 and 1, got {value!r}")
    return float(value)


def token_cutoff(token_threshold: float | None, threshold: float | None) -> float | None:
    """The token threshold asked for, from ``token_threshold`` or its deprecated alias
    ``threshold`` (which never was a minimum score: ``min_score`` is that)."""
    if threshold is None:
        return token_threshold
    if token_threshold is not None:
        raise InputError("give token_threshold or its old name threshold, not both")
    warnings.warn(
        "'threshold' is the decoder's token threshold and is now called 'token_threshold'; "
        "to keep only spans scored at least X, use min_score=X",
        DeprecationWarning,
        stacklevel=3,
    )
    return check_threshold(threshold, "threshold")


class Detector:
    """A loaded, verified model that finds propaganda spans in text.

    Load once and reuse: ``Detector.load()`` takes the shipped default model, ``Detector.load(path)``
    a model directory written by ``propscan train`` (or an ensemble directory).
    """

    def __init__(
        self,
        scorer: Scorer,
        config: ModelConfig,
        *,
        directory: Path | None = None,
        checksums: dict[str, str] | None = None,
    ) -> None:
        self.scorer = scorer
        self.config = config
        self.directory = directory if directory is not None else scorer.model.directory
        self.checksums = dict(checksums if checksums is not None else scorer.model.checksums)

    @property
    def config(self) -> ModelConfig:
        return self._config

    @config.setter
    def config(self, config: ModelConfig) -> None:  # tuning swaps configs: keep the score map in step
        self._config = config
        self._score_map = Calibrator.from_json(config.calibration)
        bias = config.technique_bias
        if bias is not None and len(bias) != len(LABELS):
            raise ModelError(
                f"technique_bias has {len(bias)} values; the model knows {len(LABELS)} techniques"
            )
        self._bias = None if bias is None else np.exp(np.asarray(bias, dtype=np.float64))

    @classmethod
    def load(
        cls, name_or_path: str | os.PathLike[str] | None = None, *, threads: int | None = None
    ) -> Detector:
        return _detector(open_model(name_or_path, threads=threads))

    @property
    def model(self) -> Model:
        """The model that decodes (its tokenizer and windows)."""
        return self.scorer.model

    @property
    def name(self) -> str:
        return f"{self.config.name}-{self.config.version}"

    @property
    def token_threshold(self) -> float:
        """The model's token threshold: a token whose probability of being inside a span reaches
        it starts or extends a span (a decoding setting tuned on val, not a minimum score)."""
        return self.config.threshold

    @property
    def threshold(self) -> float:
        """Deprecated name of :attr:`token_threshold`."""
        return self.config.threshold

    def info(self) -> dict[str, Any]:
        return {
            "name": self.config.name,
            "version": self.config.version,
            "path": str(self.directory),
            "token_threshold": self.token_threshold,
            "threshold": self.token_threshold,  # its old name, kept for readers of /v1/model
            "checksums": dict(self.checksums),
        }

    def analyze(
        self,
        text: str,
        *,
        min_score: float | None = None,
        token_threshold: float | None = None,
        threshold: float | None = None,
    ) -> Document:
        """The spans of ``text``. ``min_score`` keeps only spans scored at least that much (scores
        are calibrated probabilities that a span is right); ``token_threshold`` changes the
        decoder's cut-off (advanced; ``threshold`` is its deprecated name)."""
        cutoff = token_cutoff(token_threshold, threshold)
        return next(self.iter_analyze([text], min_score=min_score, token_threshold=cutoff))

    def analyze_many(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = BATCH_SIZE,
        min_score: float | None = None,
        token_threshold: float | None = None,
        threshold: float | None = None,
        progress: Callable[[int], None] | None = None,
        progress_chars: Callable[[int], None] | None = None,
    ) -> list[Document]:
        """Analyze many texts, batching windows (``batch_size`` per forward pass) across articles.
        ``min_score`` and ``token_threshold`` as in :meth:`analyze`. ``progress(n)`` is called
        with the number of articles finished since the last call, and ``progress_chars(n)`` with
        the characters finished, a block of up to 20,000 at a time (the progress of a single long
        text).

        Each window runs alone (see :class:`~propscan.engine.model.Model`), so a text's spans and
        scores do not depend on ``batch_size``, the other texts or the thread count."""
        cutoff = token_cutoff(token_threshold, threshold)
        found = self.iter_analyze(
            texts,
            batch_size=batch_size,
            min_score=min_score,
            token_threshold=cutoff,
            progress=progress,
            progress_chars=progress_chars,
        )
        return list(found)

    def iter_analyze(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = BATCH_SIZE,
        min_score: float | None = None,
        token_threshold: float | None = None,
        threshold: float | None = None,
        progress: Callable[[int], None] | None = None,
        progress_chars: Callable[[int], None] | None = None,
    ) -> Iterator[Document]:
        """Like analyze_many, but yields each Document, in order, as soon as it is finished."""
        cutoff = token_cutoff(token_threshold, threshold)
        th = self.token_threshold if cutoff is None else check_threshold(cutoff)
        least = None if min_score is None else check_min_score(min_score)
        checked = (clean_text(t) for t in texts)  # the input contract
        spans: list[Span] = []
        lowered = None  # of the text being decoded: computed once per text, not once per block
        short = self.config.short_threshold if cutoff is None else None  # a cut-off given holds for all
        for scored in self.scorer.score(checked, batch_size):
            if scored.has_tokens:
                lowered = lower(scored.text) if lowered is None else lowered
                technique_probs = functools.partial(self._technique_probs, scored, lowered)
                alone = (
                    scored.last
                    and scored.block.start == 0
                    and len(scored.block.ids) <= self.config.short_tokens
                )
                spans += decode_block(
                    scored.text,
                    scored.block,
                    scored.token_probs,
                    technique_probs,
                    self.config,
                    short if short is not None and alone else th,
                    self._score_map,
                )
            if progress_chars:
                progress_chars(len(scored.block.text))
            if scored.last:
                if least is not None:
                    spans = [s for s in spans if s.score >= least]
                doc = Document(scored.text, spans, {"model": self.name, **text_checks(scored.text)})
                yield attribute(doc)
                spans, lowered = [], None
                if progress:
                    progress(1)

    def classify(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[str]:
        """The technique of each given span (the TC task). A span given k times gets the k most
        likely distinct techniques, in order of probability."""
        return [span.technique for span in self.classify_spans(text, spans)]

    def classify_spans(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[Span]:
        """Like :meth:`classify`, as Spans in input order whose score is the probability of the
        technique given to them."""
        text = clean_text(text)
        probs = self.classify_probs(text, spans)
        out: list[Span] = []
        seen: dict[tuple[int, int], int] = {}
        for (start, end), p in zip(_offsets(spans), probs, strict=True):
            rank = seen.get((start, end), 0)
            seen[(start, end)] = rank + 1
            label = int(np.argsort(-p)[min(rank, len(LABELS) - 1)])
            out.append(Span(start, end, LABELS[label], round(float(p[label]), 4), text[start:end]))
        return out

    def classify_probs(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> np.ndarray:
        """(S, L) technique probabilities of the given spans, in LABELS order."""
        return self.char_and_span_probs(text, spans)[1]

    def char_probs(self, text: str) -> np.ndarray:
        """(len(text), 1 + L) float32: for each character, the token head's probabilities of the
        token that holds it (column 0: inside any span; then one column per technique, in LABELS
        order), merged over windows; zero for characters no token holds (spaces). A heat map of
        the text, and what a student model is taught in distillation."""
        return self.char_and_span_probs(text, [])[0]

    def char_and_span_probs(
        self, text: str, spans: Sequence[Span | tuple[int, int]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`char_probs` of ``text`` and :meth:`classify_probs` of ``spans`` from one pass of
        the encoder (half the time of calling both)."""
        text = clean_text(text)
        offsets = _offsets(spans)
        for start, end in offsets:
            if not 0 <= start < end <= len(text):
                raise InvalidSpanError(f"span [{start}, {end}) does not fit a text of {len(text)} characters")
        chars = np.zeros((len(text), 1 + len(LABELS)), dtype=np.float32)
        result = np.zeros((len(offsets), len(LABELS)), dtype=np.float32)
        lowered = lower(text)
        for scored in self.scorer.score([text], BATCH_SIZE):
            if not scored.has_tokens:
                continue
            for (start, end), p in zip(scored.block.offsets.tolist(), scored.token_probs, strict=True):
                chars[start:end] = p
            b0, b1 = scored.block.start, scored.block.start + len(scored.block.text)
            idx = [i for i, (s, _) in enumerate(offsets) if b0 <= s < b1]
            if idx:
                where = [offsets[i] for i in idx]
                result[idx] = self._technique_probs(scored, lowered, where)
        return chars, result

    def _technique_probs(
        self, scored: ScoredBlock, lowered: str, offsets: list[tuple[int, int]]
    ) -> np.ndarray:
        """(S, L) technique distribution of spans in a block, with the decoding settings applied."""
        probs = self.scorer.span_probs(scored, lowered, offsets, self.config.token_blend)
        if self._bias is not None:
            probs = probs * self._bias
            probs = probs / probs.sum(axis=1, keepdims=True)
        return probs


class EnsembleDetector(Detector):
    """A Detector over two member models; load it with ``Detector.load(ensemble_dir)``."""

    def __init__(
        self,
        scorer: Scorer,
        config: ModelConfig,
        members: Sequence[Detector],
        *,
        directory: Path,
        checksums: dict[str, str],
    ) -> None:
        super().__init__(scorer, config, directory=directory, checksums=checksums)
        self.members = list(members)

    def info(self) -> dict[str, Any]:
        return {**super().info(), "members": [m.info() for m in self.members]}


def _detector(opened: Opened) -> Detector:
    """The Detector of an opened model."""
    if opened.members:
        members = [_detector(m) for m in opened.members]
        return EnsembleDetector(
            opened.scorer, opened.config, members, directory=opened.directory, checksums=opened.checksums
        )
    return Detector(opened.scorer, opened.config, directory=opened.directory, checksums=opened.checksums)


def _offsets(spans: Sequence[Span | tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for span in spans:
        pair: Any = (span.start, span.end) if isinstance(span, Span) else span
        try:
            start, end = pair
        except (TypeError, ValueError):
            start = end = None
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (start, end)):
            shown = repr(span)[:200]
            raise InvalidSpanError(f"a span must be a Span or a (start, end) pair of integers, got {shown}")
        out.append((int(start), int(end)))
    return out


__all__ = ["BATCH_SIZE", "Detector", "EnsembleDetector", "check_min_score", "check_threshold", "token_cutoff"]
