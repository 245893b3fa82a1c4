"""Stage the input: read every record once, in input order, and cut the records into fixed chunks.

Staging makes a run resumable. Chunk K always holds input records ``K*size .. (K+1)*size - 1``,
so every engine, and every restart, finds the same chunks finished or not (an article's spans do
not depend on its chunk: the model runs each window alone). Every record lands in exactly one
chunk: readable ones as articles, the others with the reason they failed.

Which records fail, besides what the readers report (missing file, invalid UTF-8, no ``text``):

* text that is empty or only whitespace: ``empty text``;
* a **duplicate id**: the first record with an id wins; each later one is an error
  ``duplicate id, first seen at SOURCE`` and is not analysed;
* a record that cannot be stored in Parquet (which the readers' input contract should never let
  through): ``cannot be stored: ...``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from ..io.readers import read_inputs
from ..io.records import Record
from ..text import clean_text
from .rows import staged_table
from .store import Store


def checked(records: Iterable[Record]) -> Iterator[Record]:
    """The records with empty texts and duplicate ids turned into error records."""
    first_seen: dict[str, str] = {}  # id -> source: the only state that grows with the corpus
    for record in records:
        if record.error is None:
            if not (record.text or "").strip():
                record = replace(record, text=None, error="empty text")
            elif record.id in first_seen:
                reason = f"duplicate id, first seen at {first_seen[record.id]}"
                record = replace(record, text=None, error=reason)
            else:
                first_seen[record.id] = record.source
        yield record


def stage(
    store: Store,
    inputs: Iterable[str | Path],
    chunk_size: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write every chunk's staged input and then the plan; returns the plan. Restaging after an
    interruption rewrites the same chunks, since reading is deterministic."""
    plan = store.plan()
    if plan is not None:
        return plan
    store.staging.mkdir(parents=True, exist_ok=True)
    records = enumerate(checked(read_inputs(inputs)))
    chunks = total = 0
    while batch := list(islice(records, chunk_size)):
        store.write_table(_table(batch), store.staged(chunks))
        chunks += 1
        total += len(batch)
        if progress is not None:
            progress(len(batch))
    plan = {"chunks": chunks, "records": total}
    store.write_json(store.staging / "plan.json", plan)
    return plan


def _table(batch: list[tuple[int, Record]]) -> Any:
    """The staged table of a chunk. A record that cannot be stored (whatever slipped past the
    readers' checks) becomes an error record, instead of failing every run at the same place."""
    try:
        return staged_table(batch)
    except (ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid and ArrowTypeError among them
        failure = exc
    storable = []
    for row, record in batch:
        try:
            staged_table([(row, record)])
        except (ValueError, TypeError):
            reason = f"cannot be stored: {failure}"
            record = Record(clean_text(record.id), clean_text(record.source), None, reason)
        storable.append((row, record))
    return staged_table(storable)


__all__ = ["checked", "stage"]
