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
    later queries (the views read the files each time)."""
    duckdb = require("batch", "duckdb")
    root = Path(directory)
    if not (root / "run.json").exists() or not any((root / "articles").glob("part-*.parquet")):
        raise InputError(
            f"{root} holds no batch output yet; create it with: propscan batch INPUT --output {root}"
        )
    Store(root).check()  # a damaged part is named here, not met as a DuckDB error in some query
    parts = {t: _sql_path(root / t / "part-*.parquet") for t in ("articles", "spans", "errors")}
    db = duckdb.connect()
    db.execute(f"CREATE VIEW articles AS SELECT * FROM read_parquet('{parts['articles']}')")
    done = "id IN (SELECT id FROM articles)"
    db.execute(f"CREATE VIEW spans AS SELECT * FROM read_parquet('{parts['spans']}') WHERE {done}")
    db.execute(f"CREATE VIEW errors AS SELECT * FROM read_parquet('{parts['errors']}')")
    return db


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


__all__ = ["connect"]
