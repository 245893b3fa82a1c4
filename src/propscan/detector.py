"""Detector: text -> Document. Windows from many texts are batched into one forward pass."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .calibration import Calibrator
from .decode import BlockOutput, char_span, token_range, token_runs
from .document import Document, Span
from .errors import InputError, InvalidSpanError
from .features import lower, span_features
from .model import Model, ModelConfig, resolve
from .techniques import LABELS
from .text import context_bounds
from .windows import Window, pack, split_blocks, tokenize_block, window_bounds

# One flush runs this many batches before decoding: enough windows to sort by length and fill
# batches across articles, few enough that hidden states stay small (~10 MB per batch of 8).
_BATCHES_PER_FLUSH = 4


class Detector:
    """A loaded, verified model that finds propaganda spans in text.

    Load once and reuse: ``Detector.load()`` takes the shipped default model, ``Detector.load(path)``
    a model directory written by ``propscan train``.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self.config = model.config

    @property
    def config(self) -> ModelConfig:
        return self._config

    @config.setter
    def config(self, config: ModelConfig) -> None:  # tuning swaps configs: keep the calibrator in step
        self._config = config
        self._calibrate = Calibrator.from_json(config.extra.get("calibration"))

    @classmethod
    def load(
        cls, name_or_path: str | os.PathLike[str] | None = None, *, threads: int | None = None
    ) -> Detector:
        from .ensemble import EnsembleDetector, is_ensemble  # ensemble builds on this module

        directory = resolve(name_or_path)
        if is_ensemble(directory):
            return EnsembleDetector.from_directory(directory, threads=threads)
        return cls(Model(directory, threads=threads))

    @property
    def name(self) -> str:
        return f"{self.config.name}-{self.config.version}"

    @property
    def threshold(self) -> float:
        """The default decision threshold (from the model config)."""
        return self.config.threshold

    def info(self) -> dict[str, Any]:
        return {
            "name": self.config.name,
            "version": self.config.version,
            "path": str(self.model.directory),
            "threshold": self.threshold,
            "checksums": dict(self.model.checksums),
        }

    def analyze(self, text: str, *, threshold: float | None = None) -> Document:
        return next(self.iter_analyze([text], threshold=threshold))

    def analyze_many(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = 8,
        threshold: float | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[Document]:
        """Analyze many texts, batching windows (``batch_size`` per forward pass) across articles.
        ``progress(n)`` is called with the number of articles finished since the last call.

        The int8 model quantizes activations per batch, so spans and scores can shift slightly with
        the batch a window ran in; ``batch_size=1`` (about 5% slower) makes each article's result
        independent of the others."""
        return list(self.iter_analyze(texts, batch_size=batch_size, threshold=threshold, progress=progress))

    def iter_analyze(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = 8,
        threshold: float | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[Document]:
        """Like analyze_many, but yields each Document, in order, as soon as it is finished."""
        th = self.threshold if threshold is None else float(threshold)
        if not 0.0 < th < 1.0:
            raise InputError(f"threshold must lie strictly between 0 and 1, got {threshold!r}")
        checked = (_check_text(t) for t in texts)
        spans: list[Span] = []
        lowered = None  # of the text being decoded: computed once per text, not once per block
        for text, out in self._encode(checked, batch_size):
            if out is None:  # end of this text
                yield Document(text, spans, {"model": self.name})
                spans, lowered = [], None
                if progress:
                    progress(1)
            else:
                lowered = lower(text) if lowered is None else lowered
                spans.extend(self._decode(text, lowered, out, th))

    def classify(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[str]:
        """The technique of each given span (the TC task). A span given k times gets the k most
        likely distinct techniques, in order of probability."""
        return [span.technique for span in self.classify_spans(text, spans)]

    def classify_spans(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[Span]:
        """Like :meth:`classify`, as Spans in input order whose score is the probability of the
        technique given to them."""
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
        text = _check_text(text)
        offsets = _offsets(spans)
        for start, end in offsets:
            if not 0 <= start < end <= len(text):
                raise InvalidSpanError(f"span [{start}, {end}) does not fit a text of {len(text)} characters")
        chars = np.zeros((len(text), 1 + len(LABELS)), dtype=np.float32)
        result = np.zeros((len(offsets), len(LABELS)), dtype=np.float32)
        lowered = lower(text)
        for _, out in self._encode([text], 8):
            if out is None:
                break
            if not out.bounds:
                continue
            merged = out.merged_probs()  # (N, 1+L)
            for (start, end), p in zip(out.block.offsets.tolist(), merged, strict=True):
                chars[start:end] = p
            b0, b1 = out.block.start, out.block.start + len(out.block.text)
            idx = [i for i, (s, _) in enumerate(offsets) if b0 <= s < b1]
            if idx:
                result[idx] = self._span_probs(text, lowered, out, [offsets[i] for i in idx], merged)
        return chars, result

    def _decode(self, text: str, lowered: str, out: BlockOutput, threshold: float) -> list[Span]:
        if not out.bounds:
            return []
        probs = out.merged_probs()  # (N, 1+L)
        found: list[tuple[int, int, float]] = []
        for lo, hi, p_any in token_runs(probs[:, 0], threshold, self.config.bridge_tokens):
            if hi - lo == 1 and p_any < max(threshold, self.config.single_token_threshold):
                continue
            span = char_span(text, out.block, lo, hi)
            if span is None:
                continue
            if found and span[0] < found[-1][1]:  # widened into the previous run: merge
                start, _, p_prev = found.pop()
                span, p_any = (start, span[1]), max(p_prev, p_any)
            found.append((span[0], span[1], p_any))
        if not found:
            return []
        tech = self._span_probs(text, lowered, out, [(s, e) for s, e, _ in found], probs)  # (S, L)
        spans = []
        for (start, end, p_any), p in zip(found, tech, strict=True):
            best = int(p.argmax())
            for label in np.flatnonzero(p >= self.config.multi_label_threshold).tolist() or [best]:
                score = p_any * float(p[label])  # ranks well; the calibrator makes it P(right)
                if self._calibrate is not None:
                    score = float(self._calibrate(score))
                spans.append(Span(start, end, LABELS[label], round(score, 4)))
        return spans

    def _span_probs(
        self,
        text: str,
        lowered: str,
        out: BlockOutput,
        offsets: list[tuple[int, int]],
        token_probs: np.ndarray,  # (N, 1+L) merged over windows
    ) -> np.ndarray:
        """(S, L) technique distribution: the span head, blended with the token head's technique
        channels averaged over the span (a second view from the same forward pass)."""
        vectors, feats, channels = [], [], []
        for start, end in offsets:
            lo, hi = token_range(out.block, start, end)
            clo, chi = token_range(out.block, *context_bounds(text, start, end))
            vectors.append(out.pool(lo, hi, clo, chi))
            feats.append(span_features(text, start, end, lowered))
            channels.append(token_probs[lo:hi, 1:].mean(axis=0))
        probs = self.model.span_probs(np.stack(vectors), np.stack(feats))
        alpha = self.config.token_blend
        if alpha > 0:
            q = np.stack(channels)  # (S, L)
            probs = (1 - alpha) * probs + alpha * q / np.maximum(q.sum(axis=1, keepdims=True), 1e-9)
        return probs

    def _encode(self, texts: Iterable[str], batch_size: int) -> Iterator[tuple[str, BlockOutput | None]]:
        """(text, block output) for every block of every text, then (text, None) at its end."""
        if batch_size < 1:
            raise InputError(f"batch_size must be a positive integer, got {batch_size!r}")
        cfg, flush_at = self.config, batch_size * _BATCHES_PER_FLUSH
        queue: list[tuple[str, BlockOutput | None]] = []
        queued = 0
        for text in texts:
            for start, piece in split_blocks(text):
                block = tokenize_block(self.model.tokenizer, start, piece)
                out = BlockOutput(block, window_bounds(len(block.ids), cfg.max_tokens - 2, cfg.min_overlap))
                queue.append((text, out))
                queued += len(out.bounds)
                if queued >= flush_at:
                    self._run(queue, batch_size)
                    yield from queue
                    queue, queued = [], 0
            queue.append((text, None))
        self._run(queue, batch_size)
        yield from queue

    def _run(self, queue: list[tuple[str, BlockOutput | None]], batch_size: int) -> None:
        """Fill every queued BlockOutput's probs and hidden, batching windows by length."""
        jobs = [(out, i) for _, out in queue if out is not None for i in range(len(out.bounds))]
        for out, _ in jobs:
            out.probs = [None] * len(out.bounds)  # type: ignore[list-item]
            out.hidden = [None] * len(out.bounds)  # type: ignore[list-item]
        jobs.sort(key=lambda j: j[0].bounds[j[1]][1] - j[0].bounds[j[1]][0])
        for k in range(0, len(jobs), batch_size):
            chunk = jobs[k : k + batch_size]
            rows = [Window(out.block, *out.bounds[i]) for out, i in chunk]
            ids, mask = pack(rows, self.model.cls_id, self.model.sep_id, self.model.pad_id)
            probs, hidden = self.model.forward(ids, mask)  # (B, T, 1+L), (B, T, H)
            for row, (out, i) in enumerate(chunk):
                lo, hi = out.bounds[i]
                out.probs[i] = probs[row, 1 : hi - lo + 1]
                out.hidden[i] = hidden[row, : hi - lo + 2]


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InputError(f"text must be a str, got {type(text).__name__}; decode bytes first")
    return text


def _offsets(spans: Sequence[Span | tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for span in spans:
        if isinstance(span, Span):
            out.append((span.start, span.end))
        else:
            try:
                start, end = span
                out.append((int(start), int(end)))
            except (TypeError, ValueError) as exc:
                raise InvalidSpanError(f"a span must be a Span or a (start, end) pair, got {span!r}") from exc
    return out
