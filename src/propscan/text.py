"""Character-level helpers shared by the core: the input contract, sentence bounds, span trimming,
counted nouns.

The input contract: every text that enters propscan (the library's entry points, ``Document``,
the readers, the server, batch runs) goes through :func:`clean_text` once. Python strings and JSON
escapes can carry lone UTF-16 surrogates (U+D800..U+DFFF), which no encoder, tokenizer or Parquet
file accepts; each is replaced by U+FFFD, one character for one, so every offset into the given
text still points at the same character. Every other code point is kept as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import InputError

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")

# Corpus annotations never start or end on whitespace or on these punctuation marks.
_TRIM = set(" \t\r\n\u00a0\u2028\u2029.,;:!?\"'`()[]{}<>«»“”‘’-–—…*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")


def clean_text(value: object, what: str = "text") -> str:
    """``value`` as text that every layer can encode: lone surrogates become U+FFFD (the length,
    and so every offset, is kept). Anything but a ``str`` raises InputError naming ``what``."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be a str, got {type(value).__name__}; decode bytes first")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, value)
    return value


def clean_meta(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata a reader keeps of an input's other fields: strings (cleaned like text),
    integers, booleans and finite numbers. NaN and infinities, which JSON cannot carry, count as
    missing, like null and nested values."""
    meta: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, float) and not math.isfinite(value):
            continue
        if isinstance(value, str):
            value = clean_text(value)
        elif not isinstance(value, int | float):
            continue
        meta[clean_text(str(key))] = value
    return meta


def json_safe(value: Any) -> Any:
    """``value`` with what standard JSON in UTF-8 cannot carry made safe: strings cleaned, NaN and
    infinities turned into None, dict keys, lists and tuples walked."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {json_safe(k) if isinstance(k, str) else k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


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
