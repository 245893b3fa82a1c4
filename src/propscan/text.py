"""Character-level helpers shared by the core: sentence bounds, span trimming, counted nouns."""

from __future__ import annotations

import re

# Corpus annotations never start or end on whitespace or on these punctuation marks.
_TRIM = set(" \t\r\n\u00a0\u2028\u2029.,;:!?\"'`()[]{}<>«»“”‘’-–—…*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past surrounding whitespace and punctuation; may return start == end."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Half-open (start, end) of each non-blank sentence: lines first, then end punctuation.

    PTC articles hold one sentence per line; other text is split after ., ! or ? and whitespace.
    """
    bounds: list[tuple[int, int]] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        _add(text, pos, match.start(), bounds)
        pos = match.end()
    _add(text, pos, len(text), bounds)
    return bounds


def _add(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        out.append((start, end))


def context_bounds(text: str, start: int, end: int, reach: int = 600) -> tuple[int, int]:
    """The sentence(s) holding [start, end): the union of sentence_bounds that overlap it, looked
    up within ``reach`` characters so the cost does not depend on the text's length."""
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    cs, ce = start, end
    for s, e in sentence_bounds(text[lo:hi]):
        if s + lo < end and e + lo > start:
            cs, ce = min(cs, s + lo), max(ce, e + lo)
    return cs, ce


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an "s" unless the count is one: "1 span", "3 spans"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
