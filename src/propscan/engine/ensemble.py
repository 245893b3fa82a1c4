"""Ensembles: two model directories that find and name spans together.

An ensemble directory holds only ``config.json``, ``MODEL_CARD.md`` and ``SHA256SUMS`` (and the
reliability plot); its members are model directories (or shipped model names) recorded in the
config with the sha256 of their own ``SHA256SUMS``, so a member that changed since the ensemble was
measured is refused (see :mod:`propscan.engine.load`).

The first member decodes: its tokens' "inside a span" probabilities are mixed with the second
member's (carried from the second member's tokens to the first's through character offsets, so
the two may use different tokenizers), and runs of its tokens above the threshold become spans
exactly as in a single model. A span's technique distribution is the weighted mean of the two
members' distributions. Each member runs its encoder once per window.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np

from ..hub.layout import CARD, CONFIG
from .decode import BlockScores
from .model import Model
from .scorer import ModelScorer, ScoredBlock

# what an ensemble directory holds besides SHA256SUMS (and PLOT, when val scores were measured)
FILES = (CONFIG, CARD)


class EnsembleScorer:
    """A Scorer over two models: the first decodes, the second's scores are mixed in."""

    def __init__(self, first: ModelScorer, second: ModelScorer, token_weight: float, technique_weight: float):
        self.members = (first, second)
        self.token_weight = token_weight
        self.technique_weight = technique_weight

    @property
    def model(self) -> Model:
        return self.members[0].model

    def score(self, texts: Iterable[str], batch_size: int) -> Iterator[ScoredBlock]:
        # Both members cut each text into the same blocks (split_blocks is tokenizer-free), in the
        # same order, so their streams pair up block by block.
        first, second = itertools.tee(texts)
        a, b = self.members
        for own, other in zip(a.score(first, batch_size), b.score(second, batch_size), strict=True):
            mixed = own.token_probs
            if other.has_tokens and own.has_tokens:
                carried = _on_tokens(own.parts[0], other.parts[0])
                mixed = (1 - self.token_weight) * own.token_probs + self.token_weight * carried
            yield ScoredBlock(own.index, own.text, own.block, mixed, own.last, (own.parts[0], other.parts[0]))

    def span_probs(
        self, scored: ScoredBlock, lowered: str, offsets: list[tuple[int, int]], token_blend: float
    ) -> np.ndarray:
        """(S, L) the members' technique distributions, each from its own encoder pass and with its
        own token blend, averaged (``token_blend`` of the ensemble is not used)."""
        a, b = self.members
        own, other = scored.parts
        probs = a.block_span_probs(scored.text, lowered, own, offsets, a.model.config.token_blend)
        if not other.bounds:
            return probs
        second = b.block_span_probs(scored.text, lowered, other, offsets, b.model.config.token_blend)
        return (1 - self.technique_weight) * probs + self.technique_weight * second


def _on_tokens(target: BlockScores, source: BlockScores) -> np.ndarray:
    """(N, 1+L) the source member's token probabilities, spread over the characters its tokens
    hold (zero elsewhere) and averaged over each of the target member's tokens."""
    start, n = target.block.start, len(target.block.text)
    chars = np.zeros((n + 1, source.probs[0].shape[1]), dtype=np.float64)
    for (s, e), p in zip((source.block.offsets - start).tolist(), source.merged, strict=True):
        chars[s:e] = p
    cum = np.concatenate([np.zeros((1, chars.shape[1])), np.cumsum(chars[:n], axis=0)])  # (n+1, 1+L)
    lo, hi = (target.block.offsets - start).T
    width = np.maximum(hi - lo, 1)[:, None]
    return ((cum[hi] - cum[lo]) / width).astype(np.float32)


__all__ = ["FILES", "EnsembleScorer"]
