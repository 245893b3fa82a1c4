"""Noisy copies of training articles: new inputs for a teacher to label in distillation.

A student copies its teacher closely on the spans it is taught (row 34 of docs/experiments.md:
94% agreement on training articles, 79% on val), so what it lacks is the teacher's judgement on
text it has not seen. Each copy drops some words and replaces others with words drawn from the
training articles' own vocabulary (by frequency); the teacher then labels the copy like any
unlabelled article (its spans, their distributions, its token probabilities). The copies need no
offsets of their own: nothing in them is gold.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[A-Za-z]+")
# The seed and rates of the copies TrainConfig.noisy_copies trains on (row 35 of docs/experiments.md).
NOISE_SEED = 7
DROP = 0.05
REPLACE = 0.10


def noisy_copies(
    texts: Sequence[str],
    copies: int,
    seed: int,
    *,
    drop: float = DROP,
    replace: float = REPLACE,
) -> list[str]:
    """``copies`` noisy versions of each of ``texts`` (all first copies, then all second ones...).

    Each word (a run of ASCII letters) is dropped with probability ``drop``, replaced with
    probability ``replace`` by a word drawn from all of ``texts`` in proportion to its frequency
    (capitalised like the word it replaces), and kept otherwise; everything between words (spaces,
    punctuation, digits, line breaks) is kept. The same arguments give the same copies.
    """
    if copies < 0:
        raise ValueError(f"copies must be 0 or more, not {copies}")
    if drop < 0.0 or replace < 0.0 or drop + replace > 1.0:
        raise ValueError(f"drop ({drop}) and replace ({replace}) must be >= 0 and sum to at most 1")
    if copies == 0:
        return []
    pool = list(Counter(w for t in texts for w in _WORD.findall(t)).elements())
    rng = random.Random(seed)
    out = []
    for _ in range(copies):
        for text in texts:
            out.append(_noisy(text, pool, rng, drop, replace))
    return out


def _noisy(text: str, pool: list[str], rng: random.Random, drop: float, replace: float) -> str:
    parts: list[str] = []
    last = 0
    for m in _WORD.finditer(text):
        parts.append(text[last : m.start()])
        last = m.end()
        r = rng.random()
        if r < drop:
            continue
        if r < drop + replace:  # words exist, so the pool holds at least one
            word = rng.choice(pool)
            parts.append(word.capitalize() if m.group()[0].isupper() else word.lower())
        else:
            parts.append(m.group())
    parts.append(text[last:])
    return "".join(parts)
