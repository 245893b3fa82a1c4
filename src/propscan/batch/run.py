"""``run_batch``: analyse a corpus into a resumable Parquet output directory."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.detector import BATCH_SIZE, Detector, check_min_score, check_threshold, token_cutoff
from ..errors import InputError, require
from .engines import ENGINES, cores, run_local, run_ray
from .stage import stage
from .store import TABLES, Store
from .work import Analyzer, model_identity

# 256 articles per chunk: about 20 s of work on 2 cores, so an interrupted run loses little, and few
# enough files (3 per chunk) that a million articles make 12,000 parts, which DuckDB reads at once.
CHUNK_SIZE = 256


@dataclass(frozen=True)
class BatchResult:
    """What a finished run holds: counts over the whole output, not just this invocation."""

    output: Path
    articles: int
    errors: int
    spans: int
    chunks: int
    resumed_chunks: int  # chunks found already done when this invocation started

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "articles": self.articles,
            "errors": self.errors,
            "spans": self.spans,
            "chunks": self.chunks,
            "resumed_chunks": self.resumed_chunks,
        }


def run_batch(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    detector: Analyzer | None = None,
    model: str | None = None,
    min_score: float | None = None,
    token_threshold: float | None = None,
    threshold: float | None = None,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    batch_size: int = BATCH_SIZE,
    on_start: Callable[[int, int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    on_message: Callable[[str], None] | None = None,
) -> BatchResult:
    """Analyse every record of ``inputs`` into Parquet tables under ``output`` (see
    :mod:`propscan.batch.store` for the layout). Starting it again with the same arguments after an
    interruption finishes the job; each input record ends up exactly once in ``articles`` or
    ``errors``.

    ``detector`` is an already loaded model (used in-process); otherwise ``model`` names one.
    ``min_score`` keeps only spans scored at least that much; ``token_threshold`` (advanced;
    ``threshold`` is its deprecated name) is the decoder's cut-off.
    ``workers`` defaults to 1 for ``local`` (one process, all cores) and to the core count for
    ``ray``. ``on_start(records, already_done)`` is called once the input is staged;
    ``progress(n)`` as records finish; ``on_message(text)`` with what the run repairs (a damaged
    part found on resuming, which is recomputed). Every part already written is checked against
    the rows and sha256 recorded with it before the run resumes or declares itself finished."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    if not inputs:
        raise InputError("give at least one input: files, directories, .jsonl, .csv or .parquet")
    if address is not None and engine != "ray":
        raise InputError(f"--address {address} is the address of a Ray cluster: add --engine ray")
    if any(str(p) == "-" for p in inputs):
        raise InputError(
            "a batch run may need to read its inputs again to resume, so it cannot read '-'; "
            "save standard input to a file and give that"
        )
    if chunk_size < 1 or batch_size < 1:
        raise InputError(f"chunk_size and batch_size must be positive, got {chunk_size}, {batch_size}")
    workers = workers or (1 if engine == "local" else cores())
    if workers < 1:
        raise InputError(f"workers must be a positive integer, got {workers}")
    require("batch", "pyarrow")
    if engine == "ray":
        require("batch", "ray")
    if detector is None:
        detector = Detector.load(model)
    identity = model_identity(detector)
    cutoff = token_cutoff(token_threshold, threshold)
    th = check_threshold(detector.threshold if cutoff is None else cutoff)  # type: ignore[attr-defined]
    least = None if min_score is None else check_min_score(min_score)
    store = Store(output)
    store.open(
        {
            "inputs": [str(Path(p).resolve()) for p in inputs],
            "model": identity[0],
            "model_version": identity[1],
            "model_files": _fingerprint(detector),
            "threshold": th,  # the token threshold (its name since the first runs)
            "min_score": least,
            "chunk_size": chunk_size,
            "batch_size": batch_size,
        }
    )
    finished = store.summary()
    done = store.done()
    damaged = store.damaged(done)
    for chunk, problem in damaged.items():
        if on_message is not None:
            on_message(f"{problem}; recomputing chunk {chunk}")
        store.discard(chunk)
    done -= set(damaged)
    if finished is not None and not damaged:  # a rerun of a finished run: nothing to do but tidy up
        store.finish(finished)  # (a kill between summary.json and deleting .staging leaves it)
        if on_start is not None:
            on_start(finished["articles"] + finished["errors"], finished["articles"] + finished["errors"])
        counts = {k: finished[k] for k in ("articles", "errors", "spans", "chunks")}
        return BatchResult(store.root, **counts, resumed_chunks=finished["chunks"])
    if finished is not None:
        store.reopen()  # staged again from the inputs, which must be the ones the run had
    plan = stage(store, [str(p) for p in inputs], chunk_size)
    if finished is not None and plan["chunks"] != finished["chunks"]:
        raise InputError(
            f"the inputs of {store.root} changed since its run finished ({finished['chunks']} chunks "
            f"then, {plan['chunks']} now), so its damaged chunks cannot be recomputed; "
            "write a new run to a new --output directory"
        )
    pending = [k for k in range(plan["chunks"]) if k not in done]
    if on_start is not None:
        on_start(plan["records"], plan["records"] - _records_in(plan, chunk_size, pending))
    options = {"threshold": th, "min_score": least, "batch_size": batch_size, "model": identity}
    if pending and engine == "ray":
        run_ray(store, pending, options, model_ref=model, workers=workers, address=address, progress=progress)
    elif pending:
        run_local(
            store,
            pending,
            options,
            detector=detector if workers == 1 else None,
            model_ref=model,
            workers=workers,
            progress=progress,
        )
    result = _count(store, plan["chunks"], len(done))
    if store.summary() is None:
        store.finish(result.to_dict() | {"model": identity[0], "model_version": identity[1]})
    return result


def _fingerprint(detector: Any) -> str | None:
    """sha256 over the model's file checksums: a retrained model under the same name and version
    must not resume another model's run."""
    checksums = detector.info().get("checksums")
    if not checksums:
        return None
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(checksums.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def _records_in(plan: dict[str, int], chunk_size: int, chunks: list[int]) -> int:
    last = plan["chunks"] - 1
    return sum(plan["records"] - last * chunk_size if k == last else chunk_size for k in chunks)


def _count(store: Store, chunks: int, resumed: int) -> BatchResult:
    rows = {table: 0 for table in TABLES}
    for k in range(chunks):
        for table, n in store.rows(k).items():
            rows[table] += n
    return BatchResult(store.root, rows["articles"], rows["errors"], rows["spans"], chunks, resumed)


__all__ = ["BATCH_SIZE", "CHUNK_SIZE", "BatchResult", "run_batch"]
