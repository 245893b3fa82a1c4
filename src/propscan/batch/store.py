"""The output directory of a batch run, and the rules that make a run resumable and exact.

    DIR/run.json                  the run's parameters; a resume must match them
    DIR/.staging/chunk-K.parquet  the input records of chunk K, in input order (deleted at the end)
    DIR/.staging/plan.json        written once every chunk is staged: how many chunks and records
    DIR/errors/part-K.parquet     id, source, reason of chunk K's records that could not be analysed
    DIR/spans/part-K.parquet      one row per span of chunk K's articles
    DIR/articles/part-K.parquet   one row per article of chunk K; written LAST
    DIR/summary.json              written when every chunk is done

Every file is written to a hidden temporary name, fsynced and renamed into place, so a reader never
sees half a file. Chunk K counts as done only when its articles part exists; since that part is
renamed last, its errors and spans parts exist too. A killed run leaves at worst temporary files
(deleted on restart) and the parts of an unfinished chunk (rewritten, identically, on restart).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from ..errors import InputError, require

TABLES = ("articles", "spans", "errors")
STAGING = ".staging"
_PART = re.compile(r"part-(\d{6})\.parquet")


class Store:
    """Paths and atomic writes of one output directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.staging = self.root / STAGING

    def part(self, table: str, chunk: int) -> Path:
        return self.root / table / f"part-{chunk:06d}.parquet"

    def staged(self, chunk: int) -> Path:
        return self.staging / f"chunk-{chunk:06d}.parquet"

    def open(self, params: dict[str, Any]) -> None:
        """Create the directory for a new run, or check that it holds a run of the same parameters;
        then delete what an interrupted run left half-done (temporary files)."""
        run_file = self.root / "run.json"
        if run_file.exists():
            try:
                old = json.loads(run_file.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                reason = f"{run_file} is unreadable ({exc}); choose a new --output directory"
                raise InputError(reason) from exc
            changed = [key for key in sorted(set(old) | set(params)) if old.get(key) != params.get(key)]
            if changed:
                diffs = "; ".join(f"{k}: {old.get(k)!r} there, {params.get(k)!r} now" for k in changed)
                raise InputError(
                    f"{self.root} holds a run with other parameters ({diffs}); resume it with the "
                    "same command, or write this run to a new --output directory"
                )
        elif self.root.exists() and any(self.root.iterdir()):
            raise InputError(
                f"{self.root} is not empty and holds no propscan run (no run.json); "
                "give a new or empty --output directory"
            )
        else:
            for table in TABLES:
                (self.root / table).mkdir(parents=True, exist_ok=True)
            self.write_json(run_file, params)
        for table in TABLES:
            (self.root / table).mkdir(parents=True, exist_ok=True)
        for folder in (*[self.root / t for t in TABLES], self.staging):
            if folder.is_dir():
                for stray in folder.glob(".*.tmp"):
                    stray.unlink(missing_ok=True)

    def done(self) -> set[int]:
        """Chunks whose articles part exists (and so their spans and errors parts too)."""
        folder = self.root / "articles"
        found = (_PART.fullmatch(p.name) for p in folder.iterdir()) if folder.is_dir() else ()
        return {int(m.group(1)) for m in found if m}

    def plan(self) -> dict[str, int] | None:
        """{"chunks", "records"} once staging finished, else None."""
        path = self.staging / "plan.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def summary(self) -> dict[str, Any] | None:
        path = self.root / "summary.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def finish(self, summary: dict[str, Any]) -> None:
        self.write_json(self.root / "summary.json", summary)
        shutil.rmtree(self.staging, ignore_errors=True)

    def write_table(self, table: Any, path: Path) -> None:
        """A pyarrow Table as Parquet at ``path``, atomically and durably."""
        pq = require("batch", "pyarrow.parquet")
        tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                pq.write_table(table, fh, compression="zstd")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def write_json(self, path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # the rename itself is durable only once the directory entry is on disk (power loss)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["STAGING", "TABLES", "Store"]
