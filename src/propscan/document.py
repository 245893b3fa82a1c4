"""The central data model: a Document holds its text and a list of (possibly overlapping) Spans."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from .errors import InputError, InvalidSpanError
from .quotes.quote import Quote
from .quotes.voice import Voice
from .techniques import LABELS, get
from .text import clean_text, json_safe, plural, sentence_bounds

VOICES: tuple[Voice, ...] = ("author", "quoted")  # whose words a span is in (see propscan.quotes)
MAX_META_DEPTH = 32  # meta read from JSON nests no deeper: walking it must never exhaust the stack


@dataclass(frozen=True, order=True)
class Span:
    """A technique used over text[start:end] (a half-open range of Python str indices).

    ``score`` is the model's confidence in [0, 1] (1.0 for gold annotations). ``text`` is filled
    in by the Document that holds the span. ``voice`` says whose words the span is in once the
    Document's quotations are known: "quoted" when at least half of its characters lie inside a
    quotation (``speaker`` is then that quotation's speaker, or None when the text names nobody),
    else "author"; None when quotations were not looked for.
    """

    start: int
    end: int
    technique: str
    score: float = 1.0
    text: str = field(default="", compare=False)
    voice: Voice | None = field(default=None, compare=False)
    speaker: str | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "technique": self.technique,
            "score": float(self.score),  # unrounded: a JSON round trip keeps the Document equal
            "text": self.text,
        }
        if self.voice is not None:
            out["voice"], out["speaker"] = self.voice, self.speaker
        return out


@dataclass(frozen=True)
class SentenceSummary:
    start: int
    end: int
    text: str
    techniques: tuple[str, ...]  # distinct techniques of the spans overlapping the sentence


@dataclass(frozen=True)
class Summary:
    span_count: int
    density: float  # share of non-whitespace characters inside at least one span
    counts: dict[str, int]  # spans per technique, most frequent first
    top_sentences: tuple[SentenceSummary, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "span_count": self.span_count,
            "density": round(self.density, 4),
            "counts": dict(self.counts),
            "top_sentences": [
                {"start": s.start, "end": s.end, "text": s.text, "techniques": list(s.techniques)}
                for s in self.top_sentences
            ],
        }


class Document:
    """An article with its propaganda spans and its quotations.

    Spans are validated (``0 <= start < end <= len(text)``, known technique), given their text and
    kept sorted by (start, end, technique). Spans of different techniques may overlap or coincide.
    ``quotes`` are the quotations found in the text (see :mod:`propscan.quotes`), sorted by start;
    empty when none were found or none were looked for.
    The text goes through the input contract (:func:`propscan.text.clean_text`): lone surrogates
    become U+FFFD, so every Document can be written as UTF-8 and JSON.
    """

    __slots__ = ("meta", "quotes", "spans", "text")

    def __init__(
        self,
        text: str,
        spans: list[Span] | tuple[Span, ...] = (),
        meta: dict[str, Any] | None = None,
        quotes: list[Quote] | tuple[Quote, ...] = (),
    ) -> None:
        if not isinstance(text, str):
            raise InvalidSpanError(f"Document text must be a str, got {type(text).__name__}")
        text = clean_text(text)
        self.text = text
        self.meta: dict[str, Any] = dict(meta or {})
        checked = []
        for span in spans:
            _check(span, len(text))
            checked.append(
                Span(
                    span.start,
                    span.end,
                    span.technique,
                    float(span.score),
                    text[span.start : span.end],
                    span.voice,
                    span.speaker,
                )
            )
        self.spans: list[Span] = sorted(checked)
        for quote in quotes:
            if not isinstance(quote, Quote) or quote.end > len(text):
                raise InvalidSpanError(f"quote {quote!r} does not fit a text of {len(text)} characters")
        self.quotes: list[Quote] = sorted(quotes, key=lambda q: (q.start, q.end))

    def __repr__(self) -> str:
        head = self.text[:40].replace("\n", " ")
        return f"Document({head!r}..., {plural(len(self.spans), 'span')})"

    def _repr_html_(self) -> str:
        """The highlighted article, for Jupyter and other notebooks (static HTML, no script)."""
        from .io.report import render_fragment  # lazy: the core does not import the io layer

        return render_fragment(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return (self.text, self.spans, self.meta, self.quotes) == (
            other.text,
            other.spans,
            other.meta,
            other.quotes,
        )

    def summary(self, top: int = 3, voice: Voice | None = None) -> Summary:
        """Span count, propaganda density, counts per technique and the ``top`` sentences that use
        the most distinct techniques. ``voice``: of the spans in that voice only ("author": the
        author's own words, "quoted": quoted or reported speech), still over the whole text (so
        the author's and the quoted density add up to about the density of all spans); None:
        every span."""
        spans = self.spans if voice is None else self.voiced(voice)
        covered = bytearray(len(self.text))
        for span in spans:
            covered[span.start : span.end] = b"\x01" * (span.end - span.start)
        visible = [i for i, ch in enumerate(self.text) if not ch.isspace()]
        inside = sum(covered[i] for i in visible)
        density = inside / len(visible) if visible else 0.0
        counts = Counter(span.technique for span in spans)
        ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], LABELS.index(kv[0]))))
        sentences = []
        for start, end in sentence_bounds(self.text) if top > 0 else ():
            used = {s.technique for s in spans if s.start < end and s.end > start}
            if used:
                techs = tuple(sorted(used, key=LABELS.index))
                sentences.append(SentenceSummary(start, end, self.text[start:end], techs))
        sentences.sort(key=lambda s: (-len(s.techniques), s.start))
        return Summary(len(spans), density, ordered, tuple(sentences[:top]))

    def voiced(self, voice: Voice) -> list[Span]:
        """The spans in ``voice``: "author" or "quoted". A Document whose spans have no voice
        (quotations were not looked for) cannot say, and raises InputError."""
        if voice not in VOICES:
            raise InputError(f"unknown voice {voice!r}; use one of: {', '.join(VOICES)}")
        if any(span.voice is None for span in self.spans):
            raise InputError(
                "this Document's spans have no voice (quotations were not looked for); "
                "propscan.engine.attribution.attribute(doc) finds them"
            )
        return [span for span in self.spans if span.voice == voice]

    def to_dict(self) -> dict[str, Any]:
        """The Document JSON; meta is made JSON-safe (NaN and infinities become null)."""
        out = {"text": self.text, "spans": [s.to_dict() for s in self.spans], "meta": json_safe(self.meta)}
        if self.quotes or any(s.voice is not None for s in self.spans):
            out["quotes"] = [q.to_dict() for q in self.quotes]
        return out

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise InvalidSpanError("a Document dict needs a 'text' string (and optional 'spans', 'meta')")
        raw_spans, meta = data.get("spans") or [], data.get("meta") or {}
        raw_quotes = data.get("quotes") or []
        if not isinstance(raw_spans, list) or not isinstance(meta, dict):
            raise InvalidSpanError("a Document dict's 'spans' must be a list and its 'meta' an object")
        if not isinstance(raw_quotes, list):
            raise InvalidSpanError("a Document dict's 'quotes' must be a list of quotation objects")
        if _too_deep(meta, MAX_META_DEPTH):
            raise InvalidSpanError(
                f"a Document dict's 'meta' is nested more than {MAX_META_DEPTH} levels deep"
            )
        spans = [_span_from_dict(i, raw) for i, raw in enumerate(raw_spans)]
        quotes = [Quote.from_dict(q) for q in raw_quotes]
        return cls(data["text"], spans, json_safe(meta), quotes)  # the input contract, for meta too

    @classmethod
    def from_json(cls, payload: str) -> Document:
        try:
            data = json.loads(payload)
        except RecursionError:
            raise InvalidSpanError("not valid Document JSON: it is nested too deeply") from None
        except ValueError as exc:  # malformed, or an integer of more than 4,300 digits
            raise InvalidSpanError(f"not valid Document JSON: {exc}") from exc
        return cls.from_dict(data)


def _span_from_dict(index: int, raw: Any) -> Span:
    """Span #``index`` of Document JSON, typed strictly: integer offsets (not 1.9, not true), a
    technique string, a score that is a number."""
    if isinstance(raw, dict):
        start, end, technique = raw.get("start"), raw.get("end"), raw.get("technique")
        score = raw.get("score", 1.0)
        voice, speaker = raw.get("voice"), raw.get("speaker")
        known = voice in (None, "author", "quoted") and isinstance(speaker, str | None)
        if _is_int(start) and _is_int(end) and isinstance(technique, str) and _is_number(score) and known:
            return Span(start, end, technique, float(score), voice=voice, speaker=speaker)
    shown = repr(raw)
    shown = shown if len(shown) <= 200 else shown[:200] + "..."
    raise InvalidSpanError(
        f"span #{index} needs integer 'start' and 'end', a 'technique' string and a numeric 'score' "
        f"(and may have 'voice', 'author' or 'quoted', and a 'speaker' string): {shown}"
    )


def _too_deep(value: object, limit: int) -> bool:
    """Whether lists and dicts nest deeper than ``limit`` in ``value`` (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(span: Span, length: int) -> None:
    if not isinstance(span, Span):
        raise InvalidSpanError(f"expected a Span, got {type(span).__name__}")
    if not (_is_int(span.start) and _is_int(span.end)):
        raise InvalidSpanError(f"span offsets must be integers, got {span.start!r}, {span.end!r}")
    if not 0 <= span.start < span.end <= length:
        raise InvalidSpanError(
            f"span [{span.start}, {span.end}) does not fit a text of {length} characters; "
            "offsets are half-open str indices with 0 <= start < end <= len(text)"
        )
    get(span.technique)
    if not 0.0 <= float(span.score) <= 1.0:
        raise InvalidSpanError(f"span score must lie in [0, 1], got {span.score!r}")
