"""Who is speaking: a Document -> Document step that finds the quotations of the text and gives
every span its voice (the author's, or a quoted speaker's). Pure text rules (propscan.quotes)."""

from __future__ import annotations

from ..document import Document, Span
from ..quotes import find_quotes, voice_of


def attribute(doc: Document) -> Document:
    """``doc`` with its quotations found and each span's ``voice`` and ``speaker`` set."""
    quotes = find_quotes(doc.text)
    spans = []
    for span in doc.spans:
        voice, speaker = voice_of(span.start, span.end, quotes)
        spans.append(Span(span.start, span.end, span.technique, span.score, voice=voice, speaker=speaker))
    return Document(doc.text, spans, doc.meta, quotes)


__all__ = ["attribute"]
