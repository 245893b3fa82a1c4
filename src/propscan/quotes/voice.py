"""Whose voice a span is in: the author's, or a quoted speaker's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..errors import InvalidSpanError
from .quote import Quote

Voice = Literal["author", "quoted"]


def voice_of(start: int, end: int, quotes: Sequence[Quote]) -> tuple[Voice, str | None]:
    """("quoted", speaker) when at least half of text[start:end]'s characters lie inside one or
    more quotations (direct or indirect), the speaker being that of the quotation that covers
    most of them; otherwise ("author", None)."""
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        raise InvalidSpanError(
            f"voice_of needs integer offsets with 0 <= start < end, got {start!r}, {end!r}"
        )
    # the union of the quotations' overlaps with the span, then the best single overlap
    pieces = sorted(
        (max(q.start, start), min(q.end, end), i)
        for i, q in enumerate(quotes)
        if q.start < end and q.end > start
    )
    covered = 0
    reach = start
    best, best_overlap = None, 0
    for lo, hi, i in pieces:
        if hi > reach:
            covered += hi - max(lo, reach)
            reach = hi
        if hi - lo > best_overlap:
            best, best_overlap = quotes[i], hi - lo
    if best is None or 2 * covered < end - start:
        return "author", None
    return "quoted", best.speaker
