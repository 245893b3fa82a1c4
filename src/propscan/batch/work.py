"""Analyse one staged chunk and write its three parts: the unit of work of every engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..errors import require
from ..io.records import Analyzer, Record, analyze_records
from .rows import output_tables
from .store import Store


def process_chunk(
    detector: Analyzer,
    store: Store,
    chunk: int,
    *,
    threshold: float,
    batch_size: int,
    min_score: float | None = None,
    model: tuple[str, str],
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Analyse chunk ``chunk`` in one ``analyze_many`` call (so its windows are batched the same
    way whatever the engine), write errors, spans and articles, then seal the chunk with the
    record of its parts. Returns its counts (rows per table)."""
    pq = require("batch", "pyarrow.parquet")
    staged = pq.read_table(store.staged(chunk)).to_pylist()
    records = [
        Record(row["id"], row["source"], row["text"], row["error"], json.loads(row["meta"])) for row in staged
    ]
    analysed = analyze_records(
        detector,
        records,
        batch_size=batch_size,
        min_score=min_score,
        token_threshold=threshold,
        progress=progress,
        chunk=max(1, len(records)),
    )
    good, bad = [], []
    for row, (_, doc) in zip(staged, analysed, strict=True):
        if doc is None:
            bad.append(dict(row, reason=row["error"]))
        else:
            good.append((row, doc))
    tables = output_tables(good, bad, model)
    for name in ("errors", "spans", "articles"):
        store.write_table(tables[name], store.part(name, chunk))
    return store.seal(chunk)  # the record of the parts' rows and sha256 marks the chunk done


def model_identity(detector: Any) -> tuple[str, str]:
    """(name, version) of the model, as the articles table records it."""
    info = detector.info()
    return str(info["name"]), str(info["version"])


__all__ = ["Analyzer", "model_identity", "process_chunk"]
