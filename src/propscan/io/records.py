"""Records: one input text (or why it could not be read), and records -> Documents.

Readers (:mod:`propscan.io.readers`, :mod:`propscan.io.tables`, :mod:`propscan.io.url`) yield
Records; every front end (the CLI, batch runs, the server) turns them into Documents with
:func:`analyze_records`, or :func:`attach` where it analyses texts itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from ..document import Document
from ..errors import InputError, InvalidSpanError

STDIN = "-"
TABLE_SUFFIXES = frozenset({".csv", ".parquet"})  # read by .tables
CHUNK = 64  # records analysed per call, so memory stays bounded on huge inputs
_ARTICLE = re.compile(r"article(\d+)\.txt")
_BAD_INPUT = (InputError, InvalidSpanError)  # what a detector raises for a text, not for its model


@dataclass(frozen=True)
class Record:
    """One input text, or the reason it could not be read.

    ``source`` names where it came from: a path, ``path:line`` for JSONL, or ``<stdin>``. ``meta``
    holds what the input says about the text besides its id: an HTML page's ``title``, a JSONL
    line's extra fields. Front ends copy it into ``Document.meta``.
    """

    id: str
    source: str
    text: str | None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def is_url(item: object) -> bool:
    """Whether an input names a web page rather than a file."""
    return isinstance(item, str) and item.strip().lower().startswith(("http://", "https://"))


def record_id(path: Path) -> str:
    """The id of a file: the digits of ``article<ID>.txt`` (PTC), else the file's stem."""
    match = _ARTICLE.fullmatch(path.name)
    return match.group(1) if match else path.stem


class Analyzer(Protocol):
    """What records need of a detector (propscan.Detector, or a test double)."""

    def analyze_many(
        self,
        texts: list[str],
        *,
        batch_size: int = ...,
        min_score: float | None = ...,
        token_threshold: float | None = ...,
        progress: Callable[[int], None] | None = ...,
        progress_chars: Callable[[int], None] | None = ...,
    ) -> list[Document]: ...


def attach(record: Record, doc: Document) -> Document:
    """``doc`` (the analysis of ``record.text``) with the record's meta, id and source in its meta;
    an empty id or source (text given directly, as to the server) is left out."""
    doc.meta.update(record.meta)
    doc.meta.update({k: v for k, v in (("id", record.id), ("source", record.source)) if v})
    return doc


def analyze_records(
    detector: Analyzer,
    records: Iterable[Record],
    *,
    batch_size: int | None = None,
    min_score: float | None = None,
    token_threshold: float | None = None,
    progress: Callable[[int], None] | None = None,
    progress_chars: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
) -> Iterator[tuple[Record, Document | None]]:
    """Each record with its Document (None for an error record), in input order. ``chunk`` records
    are analysed per ``analyze_many`` call; a blank text gets an empty Document without a model
    call. ``progress(n)`` counts every record, analysed or not; ``progress_chars(n)``, passed on to
    ``analyze_many`` when given, the characters analysed. A text the detector refuses
    (``InputError``) becomes an error record; the others are still analysed."""
    options: dict[str, Any] = {
        "min_score": min_score,
        "token_threshold": token_threshold,
        "progress": progress,
    }
    if batch_size is not None:  # else the detector's own default, the one source of truth
        options["batch_size"] = batch_size
    if progress_chars is not None:
        options["progress_chars"] = progress_chars

    def analyze(texts: list[str]) -> list[Document]:
        return detector.analyze_many(texts, **options) if texts else []

    pending = iter(records)
    while group := list(islice(pending, chunk)):
        todo = [r.text for r in group if r.text is not None and r.text.strip()]
        try:
            docs = iter(analyze(todo))
        except _BAD_INPUT:
            yield from _one_by_one(analyze, group)  # a text the detector refuses fails alone
        else:
            for record in group:
                if record.text is None:
                    yield record, None
                else:
                    yield record, attach(record, next(docs) if record.text.strip() else Document(record.text))
        if progress is not None:
            progress(len(group) - len(todo))  # error and blank records, which the detector never saw


def _one_by_one(
    analyze: Callable[[list[str]], list[Document]], group: list[Record]
) -> Iterator[tuple[Record, Document | None]]:
    for record in group:
        if record.text is None or not record.text.strip():
            yield record, None if record.text is None else attach(record, Document(record.text))
            continue
        try:
            (doc,) = analyze([record.text])
        except _BAD_INPUT as exc:
            yield replace(record, text=None, error=f"cannot be analysed: {exc.message}"), None
        else:
            yield record, attach(record, doc)


__all__ = [
    "CHUNK",
    "STDIN",
    "TABLE_SUFFIXES",
    "Analyzer",
    "Record",
    "analyze_records",
    "attach",
    "is_url",
    "record_id",
]
