"""Records and Documents as Arrow tables: the staged input, and the articles, spans and errors tables.

Column names are stable, since researchers query them with SQL:

* ``articles``: ``row`` (position in the input, from 0), ``id``, ``source``, the metadata columns
  ``outlet``, ``url``, ``published``, ``title`` (null when absent) and ``meta`` (every metadata
  field, and the ``language`` and ``warnings`` of :mod:`propscan.checks`, as JSON), ``words``,
  ``chars``, ``spans``, ``density`` (share of non-space characters inside a span), the same two
  for each voice (:data:`VOICE_COLUMNS`: ``spans_author``, ``density_author``, ``spans_quoted``,
  ``density_quoted``; spans in the author's own words or in quoted speech, density still over
  the whole text; null when the detector did not look for quotations), one count column per
  technique (``n_loaded_language``, ...; see :data:`COUNT_COLUMNS`), ``model``,
  ``model_version`` and ``text`` (the analysed text, which the span offsets index; last, so
  queries that skip it never read it).
* ``spans``: ``id``, ``start``, ``end``, ``technique``, ``score``, ``text``, ``voice``
  (``author`` or ``quoted``) and ``speaker`` (who is quoted; null in the author's voice or when
  the text names nobody); new columns come last, so positions stay as they were.
* ``errors``: ``row``, ``id``, ``source``, ``reason``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ..document import VOICES, Document
from ..errors import require
from ..io.records import Record
from ..techniques import LABELS

META_COLUMNS = ("outlet", "url", "published", "title")


def count_column(label: str) -> str:
    """The articles column counting ``label``'s spans.

    ``Name_Calling,Labeling`` -> ``n_name_calling_labeling``."""
    return "n_" + re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


COUNT_COLUMNS: dict[str, str] = {label: count_column(label) for label in LABELS}
# voice -> (its span count column, its density column) in articles
VOICE_COLUMNS: dict[str, tuple[str, str]] = {v: (f"spans_{v}", f"density_{v}") for v in VOICES}


def _schemas() -> dict[str, Any]:
    pa = require("batch", "pyarrow")
    s, i64, i32, f64 = pa.string(), pa.int64(), pa.int32(), pa.float64()
    return {
        "staged": pa.schema([("row", i64), ("id", s), ("source", s), ("text", s), ("error", s), ("meta", s)]),
        "articles": pa.schema(
            [("row", i64), ("id", s), ("source", s)]
            + [(c, s) for c in META_COLUMNS]
            + [("meta", s), ("words", i32), ("chars", i32), ("spans", i32), ("density", f64)]
            + [(c, t) for n, d in VOICE_COLUMNS.values() for c, t in ((n, i32), (d, f64))]
            + [(c, i32) for c in COUNT_COLUMNS.values()]
            + [("model", s), ("model_version", s), ("text", s)]
        ),
        "spans": pa.schema(  # voice and speaker came later: last, so positions stay as they were
            [("id", s), ("start", i32), ("end", i32), ("technique", s), ("score", f64), ("text", s)]
            + [(name, s) for name in ("voice", "speaker")]
        ),
        "errors": pa.schema([("row", i64), ("id", s), ("source", s), ("reason", s)]),
    }


def schema(table: str) -> Any:
    return _schemas()[table]


def staged_table(rows: Sequence[tuple[int, Record]]) -> Any:
    """(input position, Record) pairs as the staged input of one chunk."""
    pa = require("batch", "pyarrow")
    cols: dict[str, list[Any]] = {name: [] for name in schema("staged").names}
    for row, record in rows:
        cols["row"].append(row)
        cols["id"].append(record.id)
        cols["source"].append(record.source)
        cols["text"].append(record.text if record.error is None else None)
        cols["error"].append(record.error)
        cols["meta"].append(json.dumps(record.meta, ensure_ascii=False, sort_keys=True))
    return pa.table(cols, schema=schema("staged"))


CHECKS = ("language", "warnings")  # what the detector says of a text, kept in the meta column


def output_tables(
    articles: Sequence[tuple[dict[str, Any], Document]],
    errors: Sequence[dict[str, Any]],
    model: tuple[str, str],
) -> dict[str, Any]:
    """The articles, spans and errors tables of one chunk. ``articles`` pairs each staged row (a
    dict with row, id, source, meta) with its Document; ``errors`` are staged rows with a reason."""
    pa = require("batch", "pyarrow")
    art: dict[str, list[Any]] = {name: [] for name in schema("articles").names}
    spans: dict[str, list[Any]] = {name: [] for name in schema("spans").names}
    for staged, doc in articles:
        meta = json.loads(staged["meta"])
        summary = doc.summary(top=0)
        art["row"].append(staged["row"])
        art["id"].append(staged["id"])
        art["source"].append(staged["source"])
        for column in META_COLUMNS:
            art[column].append(None if meta.get(column) is None else str(meta[column]))
        checks = {k: doc.meta[k] for k in CHECKS if k in doc.meta and k not in meta}  # see propscan.checks
        art["meta"].append(
            json.dumps({**meta, **checks}, ensure_ascii=False, sort_keys=True) if checks else staged["meta"]
        )
        art["words"].append(len(doc.text.split()))
        art["chars"].append(len(doc.text))
        art["spans"].append(summary.span_count)
        art["density"].append(summary.density)
        voiced = all(span.voice is not None for span in doc.spans)  # else quotations were not looked for
        for voice in VOICES:
            count, density = VOICE_COLUMNS[voice]
            part = doc.summary(top=0, voice=voice) if voiced else None
            art[count].append(None if part is None else part.span_count)
            art[density].append(None if part is None else part.density)
        for label, column in COUNT_COLUMNS.items():
            art[column].append(summary.counts.get(label, 0))
        art["model"].append(model[0])
        art["model_version"].append(model[1])
        art["text"].append(doc.text)
        for span in doc.spans:
            spans["id"].append(staged["id"])
            spans["start"].append(span.start)
            spans["end"].append(span.end)
            spans["technique"].append(span.technique)
            spans["score"].append(float(span.score))
            spans["text"].append(span.text)
            spans["voice"].append(span.voice)
            spans["speaker"].append(span.speaker)
    err: dict[str, list[Any]] = {name: [] for name in schema("errors").names}
    for staged in errors:
        for name in ("row", "id", "source", "reason"):
            err[name].append(staged[name])
    return {
        "articles": pa.table(art, schema=schema("articles")),
        "spans": pa.table(spans, schema=schema("spans")),
        "errors": pa.table(err, schema=schema("errors")),
    }


__all__ = [
    "COUNT_COLUMNS",
    "META_COLUMNS",
    "VOICE_COLUMNS",
    "count_column",
    "output_tables",
    "schema",
    "staged_table",
]
