"""Quotations and speakers: which parts of an article are someone else's words, and whose.

    >>> from propscan.quotes import find_quotes, voice_of
    >>> text = "“The plan will fail,” Smith said."
    >>> [(text[q.start:q.end], q.kind, q.speaker) for q in find_quotes(text)]
    [('The plan will fail,', 'direct', 'Smith')]

Pure text rules, no model; see docs/quotes.md for what is recognised and the measured figures.
"""

from __future__ import annotations

from .finder import find_quotes
from .quote import Quote
from .voice import voice_of

__all__ = ["Quote", "find_quotes", "voice_of"]
