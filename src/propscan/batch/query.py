"""A DuckDB connection over a batch output directory: the views every query of it starts from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError, require
from .store import Store


def connect(directory: str | os.PathLike[str]) -> Any:
    """A DuckDB connection with the views ``articles``, ``spans`` and ``errors`` over the Parquet
    parts of ``directory``, after a quick check of every part (DamagedOutputError names a
    damaged one). Only finished chunks count: the spans of a chunk still being written
    are left out, so queries of a run in progress are consistent. Parts added later are seen by
    later queries (the views read the files each time). Parts are matched by column name, so an
    output whose early parts were written before a column existed (``voice``, ``density_author``,
    ...) reads with nulls there."""
    duckdb = require("batch", "duckdb")
    root = Path(directory)
    if not (root / "run.json").exists() or not any((root / "articles").glob("part-*.parquet")):
        raise InputError(
            f"{root} holds no batch output yet; create it with: propscan batch INPUT --output {root}"
        )
    Store(root).check()  # a damaged part is named here, not met as a DuckDB error in some query
    parts = {t: _sql_path(root / t / "part-*.parquet") for t in ("articles", "spans", "errors")}
    db = duckdb.connect()
    read = "union_by_name = true"  # without it, DuckDB takes every part's columns from the first
    db.execute(f"CREATE VIEW articles AS SELECT * FROM read_parquet('{parts['articles']}', {read})")
    done = "id IN (SELECT id FROM articles)"
    db.execute(f"CREATE VIEW spans AS SELECT * FROM read_parquet('{parts['spans']}', {read}) WHERE {done}")
    db.execute(f"CREATE VIEW errors AS SELECT * FROM read_parquet('{parts['errors']}')")
    return db


def check_voices(db: Any, root: str | os.PathLike[str]) -> None:
    """Raise InputError unless every article of the output says whose voice its spans are in: an
    output written before propscan looked for quotations (or by a detector that does not) cannot
    be split by voice."""
    columns = {row[0] for row in db.execute("DESCRIBE articles").fetchall()}
    if "spans_author" in columns:
        (missing,) = db.execute("SELECT count(*) FROM articles WHERE spans_author IS NULL").fetchone()
    else:
        (missing,) = db.execute("SELECT count(*) FROM articles").fetchone()
    if missing:
        raise InputError(
            f"{missing:,} articles of {root} were analysed without looking for quotations (a run made "
            "before propscan recorded voices), so their spans cannot be split by voice; analyse the "
            "corpus again into a new --output directory, or leave out the voice"
        )


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


__all__ = ["check_voices", "connect"]
