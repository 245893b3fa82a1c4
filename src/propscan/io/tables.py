"""Read tables of articles, CSV and Parquet, as Records: one per row, lazily, never raising on a row.

A table needs a ``text`` column; ``id`` is optional (default ``<file stem>:<row>``, rows counted
from 1 after the header). Every other column with a value (``outlet``, ``url``, ``published``,
...) is kept in ``Record.meta``, as for JSONL. A table without a ``text`` column gives one error
Record for the whole file, since none of its rows can be analysed. CSV needs no extra; Parquet
needs pyarrow (the ``batch`` extra) and is read one row group at a time, so memory stays flat.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import require
from ..text import clean_meta, clean_text
from .records import TABLE_SUFFIXES, Record

# Articles are long: lift the csv module's 128 KiB field limit so a long article is not an error.
csv.field_size_limit(sys.maxsize)


def read_table(path: Path) -> Iterator[Record]:
    """Records from a ``.csv`` or ``.parquet`` file, in row order."""
    if path.suffix.lower() == ".parquet":
        yield from read_parquet(path)
    else:
        yield from read_csv(path)


def count_rows(path: Path) -> int:
    """Rows of a table (1 if it cannot be read: its error Record), cheaply, to size a progress bar."""
    try:
        if path.suffix.lower() == ".parquet":
            return max(1, _pyarrow_parquet().ParquetFile(path).metadata.num_rows)
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fh:
            return max(1, sum(1 for _ in csv.reader(fh)) - 1)
    except (OSError, csv.Error, ValueError):
        return 1


def read_csv(path: Path) -> Iterator[Record]:
    try:
        # surrogateescape keeps a bad byte in one row from stopping the file: that row is reported
        fh = path.open(encoding="utf-8", errors="surrogateescape", newline="")
    except OSError as exc:
        yield Record(path.stem, str(path), None, f"cannot read file: {exc.strerror or exc}")
        return
    with fh:
        reader = csv.DictReader(fh)
        try:
            columns = reader.fieldnames or []
        except csv.Error as exc:
            yield Record(path.stem, str(path), None, f"not a readable CSV file: {exc}")
            return
        if "text" not in columns:
            yield _no_text_column(path, columns)
            return
        number = 0
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Record(f"{path.stem}:{number}", f"{path}:{number}", None, f"not readable CSV: {exc}")
                return  # the csv module cannot resynchronise after a malformed row
            yield _row_record(path, number, row, f"line {reader.line_num}")


def read_parquet(path: Path) -> Iterator[Record]:
    pq = _pyarrow_parquet()
    try:
        table = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        yield Record(path.stem, str(path), None, f"not a readable Parquet file: {exc}")
        return
    columns = table.schema_arrow.names
    if "text" not in columns:
        yield _no_text_column(path, columns)
        return
    number = 0
    for group in range(table.num_row_groups):
        try:
            rows = table.read_row_group(group).to_pylist()
        except (OSError, ValueError) as exc:  # a damaged row group: its rows are unknown, the rest are read
            where = f"{path.stem}:group{group + 1}"
            yield Record(where, f"{path}:{where}", None, f"row group {group + 1} is not readable: {exc}")
            continue
        for row in rows:
            number += 1
            yield _row_record(path, number, row, None)


def _row_record(path: Path, number: int, row: dict[str, Any], where: str | None) -> Record:
    default_id = f"{path.stem}:{number}"
    source = f"{path}:{number}"
    text = row.get("text")
    if text is None or (not isinstance(text, str)):
        got = "empty (null)" if text is None else f"a {type(text).__name__}"
        return Record(default_id, source, None, f"'text' must be a string, got {got}")
    # a bad byte in any column fails the row with the column's name: a row is never kept with
    # one of its fields silently dropped
    place = f" ({where})" if where else ""
    for key, value in row.items():
        if isinstance(value, str) and _has_bad_bytes(value):
            return Record(default_id, source, None, f"{key!r} is not valid UTF-8{place}")
    raw_id = row.get("id")
    record_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    fields: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("id", "text") or key is None or value is None or value == "":
            continue
        fields[key] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return Record(clean_text(record_id), source, clean_text(text), meta=clean_meta(fields))


def _no_text_column(path: Path, columns: Sequence[str]) -> Record:
    found = ", ".join(columns) or "none"
    reason = f"table has no 'text' column (columns: {found}); name the article text column 'text'"
    return Record(path.stem, str(path), None, reason)


def _has_bad_bytes(value: str) -> bool:
    # surrogateescape maps each undecodable byte to a lone surrogate U+DC80..U+DCFF
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _pyarrow_parquet() -> ModuleType:
    return require("batch", "pyarrow.parquet")


__all__ = ["TABLE_SUFFIXES", "count_rows", "read_csv", "read_parquet", "read_table"]
