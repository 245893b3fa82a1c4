"""Window scores -> merged, trimmed character spans with techniques; span pooling for the span head.

Token indices stay here and in windows.py: what leaves is character offsets, vectors and Spans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..document import Span
from ..hub.config import ModelConfig
from ..techniques import LABELS
from ..text import trim
from .calibration import ScoreMap
from .windows import Block


@dataclass(frozen=True)
class BlockScores:
    """One model's encoder outputs for every window of one block."""

    block: Block
    bounds: tuple[tuple[int, int], ...]  # token [lo, hi) of each window
    probs: tuple[np.ndarray, ...] = ()  # each (hi-lo, 1+L), no special tokens
    hidden: tuple[np.ndarray, ...] = ()  # each (hi-lo+2, H), [CLS] first

    @cached_property
    def merged(self) -> np.ndarray:
        """(N, 1+L) token probabilities averaged over windows, trusting a window's centre most."""
        n = len(self.block.ids)
        total = np.zeros((n, self.probs[0].shape[1]), dtype=np.float32)
        weight = np.zeros(n, dtype=np.float32)
        for (lo, hi), p in zip(self.bounds, self.probs, strict=True):
            k = np.arange(hi - lo)
            w = np.minimum(k + 1, hi - lo - k).astype(np.float32)  # tent: 1 at the edges
            total[lo:hi] += p * w[:, None]
            weight[lo:hi] += w
        return total / np.maximum(weight, 1e-6)[:, None]

    def merged_probs(self) -> np.ndarray:
        return self.merged

    def pool(self, lo: int, hi: int, clo: int, chi: int) -> np.ndarray:
        """(4H,) span vector [CLS; mean; max of tokens [lo, hi); mean of context tokens [clo, chi)]
        from the window that holds most of the span (the most central one on ties). Mirrors
        propscan.train.model.pool."""
        best, best_key = 0, (-1, 0.0)
        for i, (wlo, whi) in enumerate(self.bounds):
            covered = min(hi, whi) - max(lo, wlo)
            centre = -abs((lo + hi) / 2 - (wlo + whi) / 2)
            if (covered, centre) > best_key:
                best, best_key = i, (covered, centre)
        wlo, whi = self.bounds[best]
        a, b = max(lo, wlo), min(hi, whi)
        if a >= b:  # no window holds the span: take the nearest token
            a = min(max(lo, wlo), whi - 1)
            b = a + 1
        h = self.hidden[best]
        span = h[1 + a - wlo : 1 + b - wlo]
        ca, cb = max(clo, wlo), min(chi, whi)
        context = h[1 + ca - wlo : 1 + cb - wlo] if ca < cb else span
        return np.concatenate([h[0], span.mean(axis=0), span.max(axis=0), context.mean(axis=0)])


def token_runs(p: np.ndarray, threshold: float, bridge: int) -> list[tuple[int, int, float]]:
    """[lo, hi) runs of tokens with p >= threshold, closing gaps of <= bridge tokens; with the
    run's mean probability."""
    above = np.flatnonzero(p >= threshold)
    runs: list[tuple[int, int, float]] = []
    if not len(above):
        return runs
    lo = prev = int(above[0])
    for i in above[1:]:
        if i - prev - 1 > bridge:
            runs.append((lo, prev + 1, float(p[lo : prev + 1].mean())))
            lo = int(i)
        prev = int(i)
    runs.append((lo, prev + 1, float(p[lo : prev + 1].mean())))
    return runs


def char_span(text: str, block: Block, lo: int, hi: int) -> tuple[int, int] | None:
    """Character span of tokens [lo, hi), widened to whole words, trimmed like the corpus."""
    start, end = int(block.offsets[lo, 0]), int(block.offsets[hi - 1, 1])
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    start, end = trim(text, start, end)
    return (start, end) if start < end else None


def token_range(block: Block, start: int, end: int) -> tuple[int, int]:
    """[lo, hi) of the block's tokens that overlap characters [start, end) (never empty)."""
    offsets = block.offsets
    inside = np.flatnonzero((offsets[:, 0] < end) & (offsets[:, 1] > start))
    if len(inside):
        return int(inside[0]), int(inside[-1]) + 1
    nearest = int(np.clip(np.searchsorted(offsets[:, 0], start), 0, len(offsets) - 1))
    return nearest, nearest + 1


def find_runs(
    text: str, block: Block, token_probs: np.ndarray, config: ModelConfig, threshold: float
) -> list[tuple[int, int, float]]:
    """(start, end, mean "inside" probability) of each character span the tokens of ``block``
    mark: runs above ``threshold`` (lone tokens need ``config.single_token_threshold``), widened
    to words and trimmed; a run that widens into the previous one merges with it."""
    found: list[tuple[int, int, float]] = []
    for lo, hi, p_any in token_runs(token_probs[:, 0], threshold, config.bridge_tokens):
        if hi - lo == 1 and p_any < max(threshold, config.single_token_threshold):
            continue
        span = char_span(text, block, lo, hi)
        if span is None:
            continue
        if found and span[0] < found[-1][1]:  # widened into the previous run: merge
            start, _, p_prev = found.pop()
            span, p_any = (start, span[1]), max(p_prev, p_any)
        found.append((span[0], span[1], p_any))
    return found


def label_runs(
    runs: list[tuple[int, int, float]],
    technique_probs: np.ndarray,  # (S, L), one row per run
    config: ModelConfig,
    score_map: ScoreMap | None,
) -> list[Span]:
    """A Span per run and technique: its most likely technique, and every other one at least
    ``config.multi_label_threshold`` likely. The score (inside probability x technique
    probability) ranks well; ``score_map`` turns it into the probability that the span is right."""
    spans = []
    for (start, end, p_any), p in zip(runs, technique_probs, strict=True):
        best = int(p.argmax())
        for label in np.flatnonzero(p >= config.multi_label_threshold).tolist() or [best]:
            score = p_any * float(p[label])
            if score_map is not None:
                score = float(score_map(score))
            spans.append(Span(start, end, LABELS[label], round(score, 4)))
    return spans


def decode_block(
    text: str,
    block: Block,
    token_probs: np.ndarray,
    technique_probs: Callable[[list[tuple[int, int]]], np.ndarray],
    config: ModelConfig,
    threshold: float,
    score_map: ScoreMap | None,
) -> list[Span]:
    """The spans of one block: runs of tokens, then the technique of each run from
    ``technique_probs(offsets) -> (S, L)``."""
    runs = find_runs(text, block, token_probs, config, threshold)
    if not runs:
        return []
    return label_runs(runs, technique_probs([(s, e) for s, e, _ in runs]), config, score_map)


__all__ = ["BlockScores", "char_span", "decode_block", "find_runs", "label_runs", "token_range", "token_runs"]
