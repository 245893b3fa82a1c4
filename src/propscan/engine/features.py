"""Article-level span features shared by training (torch) and inference (numpy).

The encoder sees one window; these numbers carry what it cannot: whether the span's words recur
elsewhere in the article (Repetition is defined by that), how long the span is (Loaded_Language is a
word or two, Doubt and Causal_Oversimplification whole clauses) and whether it sits in the title.
"""

from __future__ import annotations

import re

import numpy as np

N_FEATURES = 5
REACH = 50_000  # characters; PTC articles are shorter
_WORD = re.compile(r"\w+")


def lower(text: str) -> str:
    """text.lower(), unless that changes the length (as for "İ"): offsets must stay valid."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text


def span_features(text: str, start: int, end: int, lowered: str | None = None) -> np.ndarray:
    """(N_FEATURES,) float32 features of text[start:end]; pass ``lower(text)`` to save work."""
    lowered = lower(text) if lowered is None else lowered
    needle = lowered[start:end].strip()
    # count within REACH characters: the whole of any news article, bounded cost on a 10 MB text
    lo, hi = max(0, start - REACH), min(len(lowered), end + REACH)
    repeats = lowered.count(needle, lo, hi) - 1 if needle else 0
    words = _WORD.findall(needle)
    title_end = text.find("\n")
    in_title = 1.0 if title_end < 0 or start < title_end else 0.0
    return np.array(
        [
            np.log1p(max(repeats, 0)),
            1.0 if repeats > 0 else 0.0,
            np.log1p(end - start) / 5.0,
            np.log1p(len(words)) / 3.0,
            in_title,
        ],
        dtype=np.float32,
    )
