"""Window scores -> merged, trimmed character spans; span pooling for the span head.

Token indices stay here and in windows.py: what leaves is character offsets and vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .text import trim
from .windows import Block


@dataclass
class BlockOutput:
    """Encoder outputs of every window of one block."""

    block: Block
    bounds: list[tuple[int, int]]  # token [lo, hi) of each window
    probs: list[np.ndarray] = field(default_factory=list)  # each (hi-lo, 1+L), no specials
    hidden: list[np.ndarray] = field(default_factory=list)  # each (hi-lo+2, H), [CLS] first

    def merged_probs(self) -> np.ndarray:
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
