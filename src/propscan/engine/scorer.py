"""Scorers: texts -> scored blocks, and the technique distribution of any span in a scored block.

A Detector decodes over any Scorer: one model (:class:`ModelScorer`, here) or an ensemble of two
(:class:`propscan.engine.ensemble.EnsembleScorer`). A scorer cuts each text into blocks
(windows.split_blocks), runs the encoder over their windows, batched across texts, and yields one
immutable :class:`ScoredBlock` per block, in text order, the last block of each text marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InputError
from ..techniques import LABELS
from ..text import context_bounds
from .decode import BlockScores, token_range
from .features import span_features
from .model import Model
from .windows import Block, Window, pack, split_blocks, tokenize_block, window_bounds

# Windows are scored in flushes of batch_size * BATCHES_PER_FLUSH (at least this many per thread)
# before their blocks are decoded: enough to keep every thread busy, few enough that hidden states
# stay small (~1.3 MB per window). A window's scores do not depend on its flush.
BATCHES_PER_FLUSH = 4


@dataclass(frozen=True)
class ScoredBlock:
    """One block of one text with its "inside a span" and technique token probabilities."""

    index: int  # the text's position in the stream
    text: str  # the whole text the block belongs to
    block: Block  # as tokenized by the model that decodes
    token_probs: np.ndarray  # (N, 1+L) over the block's tokens, merged over windows (and members)
    last: bool  # the text's final block: the text is complete after it
    parts: tuple[BlockScores, ...]  # each model's own outputs, the decoding model's first

    @property
    def has_tokens(self) -> bool:
        return bool(self.parts[0].bounds)


class Scorer(Protocol):
    """What a Detector needs: scored blocks, and technique distributions of spans in them."""

    @property
    def model(self) -> Model:
        """The model that decodes (its tokenizer cuts the spans)."""
        ...

    def score(self, texts: Iterable[str], batch_size: int) -> Iterator[ScoredBlock]: ...

    def span_probs(
        self, scored: ScoredBlock, lowered: str, offsets: list[tuple[int, int]], token_blend: float
    ) -> np.ndarray:
        """(S, L) technique distribution of each span [start, end) of ``offsets``, all inside the
        block; ``token_blend`` weighs in the token head's technique channels (a decoding setting)."""
        ...


@dataclass(frozen=True)
class _Pending:
    index: int
    text: str
    block: Block
    bounds: tuple[tuple[int, int], ...]
    last: bool


@dataclass(frozen=True)
class _Flush:
    """A flush whose windows are running: its blocks, its (block, window) jobs in the order they
    were started, and their outputs, which arrive in that order."""

    queue: list[_Pending]
    jobs: list[tuple[int, int]]
    outputs: Iterator[tuple[np.ndarray, np.ndarray]]


class ModelScorer:
    """A Scorer over one verified model directory."""

    def __init__(self, model: Model) -> None:
        self._model = model

    @property
    def model(self) -> Model:
        return self._model

    def score(self, texts: Iterable[str], batch_size: int) -> Iterator[ScoredBlock]:
        """Flushes overlap: a flush's windows start on the model's threads as soon as it is full,
        and only then are the previous flush's blocks handed on, so the caller decodes them (and
        the next texts are tokenized) while the threads run the encoder."""
        if batch_size < 1:
            raise InputError(f"batch_size must be a positive integer, got {batch_size!r}")
        flush_at = BATCHES_PER_FLUSH * max(batch_size, self._model.threads)
        queue: list[_Pending] = []
        queued = 0
        running: _Flush | None = None
        for index, text in enumerate(texts):
            for block, bounds, last in self.windows(text):
                queue.append(_Pending(index, text, block, bounds, last))
                queued += len(bounds)
                if queued >= flush_at:
                    started = self._start(queue)
                    if running is not None:
                        yield from self._finish(running)
                    running, queue, queued = started, [], 0
        started = self._start(queue)
        if running is not None:
            yield from self._finish(running)
        yield from self._finish(started)

    def windows(self, text: str) -> Iterator[tuple[Block, tuple[tuple[int, int], ...], bool]]:
        """(tokenized block, its windows' token bounds, is it the text's last) for each block of
        ``text``: what the encoder runs on (bench/speed.py times the encoder on the same)."""
        cfg = self._model.config
        for block, last in _blocks(self._model, text):
            yield block, tuple(window_bounds(len(block.ids), cfg.max_tokens - 2, cfg.min_overlap)), last

    def _start(self, queue: list[_Pending]) -> _Flush:
        """Set every window of the queued blocks running, each alone (see :class:`Model`), the
        longest first so the last to finish are short."""
        jobs = [(q, i) for q, p in enumerate(queue) for i in range(len(p.bounds))]
        jobs.sort(key=lambda j: queue[j[0]].bounds[j[1]][0] - queue[j[0]].bounds[j[1]][1])
        model = self._model
        inputs = [
            pack([Window(queue[q].block, *queue[q].bounds[i])], model.cls_id, model.sep_id, model.pad_id)
            for q, i in jobs
        ]
        return _Flush(queue, jobs, model.forward_each(inputs))

    def _finish(self, flush: _Flush) -> Iterator[ScoredBlock]:
        """Wait for a flush's windows and yield its blocks, in order."""
        queue = flush.queue
        probs: list[list[np.ndarray | None]] = [[None] * len(p.bounds) for p in queue]
        hidden: list[list[np.ndarray | None]] = [[None] * len(p.bounds) for p in queue]
        for (q, i), (p, h) in zip(flush.jobs, flush.outputs, strict=True):
            lo, hi = queue[q].bounds[i]
            probs[q][i] = p[0, 1 : hi - lo + 1]
            hidden[q][i] = h[0, : hi - lo + 2]
        width = 1 + len(LABELS)
        for pending, p_list, h_list in zip(queue, probs, hidden, strict=True):
            scores = BlockScores(pending.block, pending.bounds, tuple(p_list), tuple(h_list))  # type: ignore[arg-type]
            merged = (
                scores.merged if pending.bounds else np.zeros((len(pending.block.ids), width), np.float32)
            )
            yield ScoredBlock(pending.index, pending.text, pending.block, merged, pending.last, (scores,))

    def span_probs(
        self, scored: ScoredBlock, lowered: str, offsets: list[tuple[int, int]], token_blend: float
    ) -> np.ndarray:
        return self.block_span_probs(scored.text, lowered, scored.parts[0], offsets, token_blend)

    def block_span_probs(
        self,
        text: str,
        lowered: str,
        scores: BlockScores,
        offsets: list[tuple[int, int]],
        token_blend: float,
    ) -> np.ndarray:
        """(S, L): the span head, blended with the token head's technique channels averaged over the
        span (a second view from the same forward pass)."""
        token_probs = scores.merged  # (N, 1+L)
        vectors, feats, channels = [], [], []
        for start, end in offsets:
            lo, hi = token_range(scores.block, start, end)
            clo, chi = token_range(scores.block, *context_bounds(text, start, end))
            vectors.append(scores.pool(lo, hi, clo, chi))
            feats.append(span_features(text, start, end, lowered))
            channels.append(token_probs[lo:hi, 1:].mean(axis=0))
        probs = self._model.span_probs(np.stack(vectors), np.stack(feats))
        alpha = token_blend
        if alpha > 0:
            q = np.stack(channels)  # (S, L)
            probs = (1 - alpha) * probs + alpha * q / np.maximum(q.sum(axis=1, keepdims=True), 1e-9)
        return probs


def _blocks(model: Model, text: str) -> Iterator[tuple[Block, bool]]:
    """(tokenized block, is it the text's last) for each block of ``text``; an empty text is one
    empty block, so that every text ends with a block marked last."""
    pieces = split_blocks(text)
    current = next(pieces, (0, text))
    for following in pieces:
        yield tokenize_block(model.tokenizer, *current), False
        current = following
    yield tokenize_block(model.tokenizer, *current), True


class RememberingScorer:
    """A Scorer that runs its inner scorer once per distinct stream of texts and batch size and
    replays the scored blocks after that: tuning changes decoding settings only."""

    def __init__(self, inner: Scorer) -> None:
        self.inner = inner
        self._memo: dict[tuple[int, tuple[str, ...]], list[ScoredBlock]] = {}

    @property
    def model(self) -> Model:
        return self.inner.model

    def score(self, texts: Iterable[str], batch_size: int) -> Iterator[ScoredBlock]:
        key = (batch_size, tuple(texts))
        if key not in self._memo:
            self._memo[key] = list(self.inner.score(key[1], batch_size))
        yield from self._memo[key]

    def span_probs(
        self, scored: ScoredBlock, lowered: str, offsets: list[tuple[int, int]], token_blend: float
    ) -> np.ndarray:
        return self.inner.span_probs(scored, lowered, offsets, token_blend)


__all__ = ["BATCHES_PER_FLUSH", "ModelScorer", "RememberingScorer", "ScoredBlock", "Scorer"]
