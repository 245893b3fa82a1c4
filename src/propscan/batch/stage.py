"""Stage the input: read every record once, in input order, and cut the records into fixed chunks.

Staging makes a run exact. Chunk K always holds input records ``K*size .. (K+1)*size - 1``, so
every engine, and every restart, analyses the same articles together, and the model (whose int8
activations are quantized per batch of windows) gives the same output for them. Every record lands
in exactly one chunk: readable ones as articles, the others with the reason they failed.

Which records fail, besides what the readers report (missing file, invalid UTF-8, no ``text``):

* text that is empty or only whitespace: ``empty text``;
* a **duplicate id**: the first record with an id wins; each later one is an error
  ``duplicate id, first seen at SOURCE`` and is not analysed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

from ..io.readers import read_inputs
from ..io.records import Record
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
        store.write_table(staged_table(batch), store.staged(chunks))
        chunks += 1
        total += len(batch)
        if progress is not None:
            progress(len(batch))
    plan = {"chunks": chunks, "records": total}
    store.write_json(store.staging / "plan.json", plan)
    return plan


__all__ = ["checked", "stage"]
