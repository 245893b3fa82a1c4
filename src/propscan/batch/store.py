"""The output directory of a batch run, and the rules that make a run resumable and exact.

    DIR/run.json                  the run's parameters; a resume must match them; written FIRST
    DIR/.staging/chunk-K.parquet  the input records of chunk K, in input order (deleted at the end)
    DIR/.staging/plan.json        written once every chunk is staged: how many chunks and records
    DIR/errors/part-K.parquet     id, source, reason of chunk K's records that could not be analysed
    DIR/spans/part-K.parquet      one row per span of chunk K's articles
    DIR/articles/part-K.parquet   one row per article of chunk K
    DIR/.chunks/chunk-K.json      rows and sha256 of chunk K's three parts; written LAST
    DIR/summary.json              written when every chunk is done

Every file is written to a hidden temporary name, fsynced and renamed into place, so a reader never
sees half a file. Chunk K counts as done only when its record in ``.chunks`` exists, and it is
trusted only while its parts match the rows and sha256 recorded there: a part that does not (cut
short, damaged, deleted) is recomputed by the next run of the same command. A killed run leaves at
worst temporary files (deleted on restart), an empty directory or one with only ``run.json``, and
the parts of an unfinished chunk (rewritten, identically, on restart): every state is resumable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from ..errors import DataError, InputError, require
from ..hub.checksums import sha256

TABLES = ("articles", "spans", "errors")
STAGING = ".staging"
CHUNKS = ".chunks"
_RECORD = re.compile(r"chunk-(\d{6})\.json")
_LEFTOVER = re.compile(r"\.run\.json\..*\.tmp")  # what a kill while creating run.json leaves


class DamagedOutputError(DataError):
    """A part of a batch output that does not match what was recorded when it was written. A
    server answers 503: the fault is in its data, not in the request."""

    http_status = 503


class Store:
    """Paths and atomic writes of one output directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.staging = self.root / STAGING

    def part(self, table: str, chunk: int) -> Path:
        return self.root / table / f"part-{chunk:06d}.parquet"

    def staged(self, chunk: int) -> Path:
        return self.staging / f"chunk-{chunk:06d}.parquet"

    def record(self, chunk: int) -> Path:
        return self.root / CHUNKS / f"chunk-{chunk:06d}.json"

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
        elif self.root.exists() and not _only_leftovers(self.root):
            raise InputError(
                f"{self.root} is not empty and holds no propscan run (no run.json); "
                "give a new or empty --output directory"
            )
        else:  # run.json first: from the moment it exists, the directory is this run's
            self.write_json(run_file, params)
        for table in TABLES:
            (self.root / table).mkdir(parents=True, exist_ok=True)
        for folder in (self.root, *[self.root / t for t in TABLES], self.staging, self.root / CHUNKS):
            if folder.is_dir():
                for stray in folder.glob(".*.tmp"):
                    stray.unlink(missing_ok=True)

    def done(self) -> set[int]:
        """Chunks whose parts were all written and recorded (not yet checked: see ``damaged``)."""
        folder = self.root / CHUNKS
        found = (_RECORD.fullmatch(p.name) for p in folder.iterdir()) if folder.is_dir() else ()
        return {int(m.group(1)) for m in found if m}

    def seal(self, chunk: int) -> dict[str, int]:
        """Record the rows and sha256 of chunk ``chunk``'s parts, which marks it done; its rows."""
        pq = require("batch", "pyarrow.parquet")
        parts = {}
        for table in TABLES:
            path = self.part(table, chunk)
            rows = pq.ParquetFile(path).metadata.num_rows
            parts[table] = {"rows": rows, "bytes": path.stat().st_size, "sha256": sha256(path)}
        self.write_json(self.record(chunk), {"chunk": chunk, "parts": parts})
        return {table: int(part["rows"]) for table, part in parts.items()}

    def rows(self, chunk: int) -> dict[str, int]:
        """The rows of a done chunk's parts, as recorded."""
        parts = json.loads(self.record(chunk).read_text("utf-8"))["parts"]
        return {table: int(parts[table]["rows"]) for table in TABLES}

    def damaged(self, chunks: set[int], *, thorough: bool = True) -> dict[int, str]:
        """{chunk: what is wrong} for the done chunks whose parts do not match their record.
        ``thorough`` compares every part's sha256; otherwise sizes and Parquet row counts only."""
        pq = require("batch", "pyarrow.parquet")
        found: dict[int, str] = {}
        for chunk in sorted(chunks):
            try:
                parts = json.loads(self.record(chunk).read_text("utf-8"))["parts"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                found[chunk] = f"{self.record(chunk)} is unreadable ({exc})"
                continue
            for table in TABLES:
                path, want = self.part(table, chunk), parts.get(table) or {}
                problem = _mismatch(pq, path, want, thorough)
                if problem:
                    found[chunk] = f"{path} {problem}"
                    break
        return found

    def discard(self, chunk: int) -> None:
        """Forget chunk ``chunk`` (its record first, so a kill midway leaves it not done)."""
        self.record(chunk).unlink(missing_ok=True)
        for table in TABLES:
            self.part(table, chunk).unlink(missing_ok=True)

    def check(self) -> None:
        """Raise DamagedOutputError naming the first part that is missing, cut short or does not
        hold its recorded rows (a quick check, without sha256: what reading the output needs)."""
        problems = self.damaged(self.done(), thorough=False)
        pq = require("batch", "pyarrow.parquet")
        for table in TABLES:  # parts of chunks without a record (a run in progress) must still read
            for path in sorted((self.root / table).glob("part-*.parquet")):
                chunk = int(path.name[5:11])
                if chunk not in problems and not self.record(chunk).exists():
                    problem = _mismatch(pq, path, {}, False)
                    if problem:
                        problems[chunk] = f"{path} {problem}"
        if problems:
            first = problems[min(problems)]
            raise DamagedOutputError(f"{first}; run the same 'propscan batch' command again to recompute it")

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

    def reopen(self) -> None:
        """Make a finished run unfinished again (a damaged part is to be recomputed)."""
        (self.root / "summary.json").unlink(missing_ok=True)

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


def _mismatch(pq: Any, path: Path, want: dict[str, Any], thorough: bool) -> str | None:
    """What is wrong with a part, measured against its record ``want`` (rows, bytes, sha256)."""
    if not path.is_file():
        return "is missing"
    if "bytes" in want and path.stat().st_size != want["bytes"]:
        return f"has {path.stat().st_size:,} bytes, not the {want['bytes']:,} written"
    try:
        rows = pq.ParquetFile(path).metadata.num_rows
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        return f"is not a readable Parquet file ({exc})"
    if "rows" in want and rows != want["rows"]:
        return f"holds {rows} rows, not the {want['rows']} written"
    if thorough and "sha256" in want and sha256(path) != want["sha256"]:
        return "does not match the sha256 recorded when it was written"
    return None


def _only_leftovers(root: Path) -> bool:
    """Whether ``root`` holds nothing but what creating a run and being killed can leave: a
    temporary run.json and empty table folders."""
    for entry in root.iterdir():
        if entry.is_file() and _LEFTOVER.fullmatch(entry.name):
            continue
        if entry.is_dir() and entry.name in (*TABLES, STAGING, CHUNKS) and not any(entry.iterdir()):
            continue
        return False
    return True


def _fsync_dir(folder: Path) -> None:
    # the rename itself is durable only once the directory entry is on disk (power loss)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["CHUNKS", "STAGING", "TABLES", "DamagedOutputError", "Store"]
