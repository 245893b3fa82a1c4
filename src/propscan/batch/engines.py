"""Engines run the pending chunks of a staged batch: ``local`` on this machine, ``ray`` on Ray Data.

Both call :func:`~propscan.batch.work.process_chunk` once per chunk, so their output is identical.

* ``local`` with one worker analyses the chunks in this process, with ONNX Runtime using every
  core for each forward pass. With ``workers > 1`` it starts that many processes, each with
  ``cores / workers`` threads and its own copy of the model.
* ``ray`` maps the chunks over a pool of Ray actors that each hold the model (Ray Data
  ``map_batches`` with an actor pool). Without an address it starts a local Ray on this machine's
  cores. On a cluster, the output directory must be on storage every node can reach, and every node
  needs propscan (with the same model) installed.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any

from ..engine.model import cores
from ..errors import InputError, ModelError, require
from .store import Store
from .work import Analyzer, model_identity, process_chunk

ENGINES = ("local", "ray")
Progress = Callable[[int], None]


def run_local(
    store: Store,
    chunks: Sequence[int],
    options: dict[str, Any],
    *,
    detector: Analyzer | None,
    model_ref: str | None,
    workers: int,
    progress: Progress | None,
) -> None:
    """Process ``chunks`` here: in this process with ``detector`` when ``workers == 1``, else in
    ``workers`` processes that each load ``model_ref``."""
    if workers == 1 and detector is not None:
        for chunk in chunks:
            process_chunk(detector, store, chunk, progress=progress, **options)
        return
    threads = max(1, cores() // workers)
    # spawn, not fork: a forked ONNX Runtime thread pool can deadlock the child
    context = get_context("spawn")
    init = (model_ref, threads, options["model"])
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=init) as pool:
        todo = iter(chunks)
        running = {pool.submit(_work, str(store.root), k, options) for k in _take(todo, 2 * workers)}
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                counts = future.result()
                if progress is not None:
                    progress(counts["articles"] + counts["errors"])
                running |= {pool.submit(_work, str(store.root), k, options) for k in _take(todo, 1)}


_WORKER: dict[str, Any] = {}


def _init_worker(model_ref: str | None, threads: int, model: tuple[str, str]) -> None:
    _WORKER["detector"] = load_checked(model_ref, threads, (model[0], model[1]))


def _work(root: str, chunk: int, options: dict[str, Any]) -> dict[str, int]:
    return process_chunk(_WORKER["detector"], Store(root), chunk, **options)


def _take(items: Any, n: int) -> list[int]:
    return [k for _, k in zip(range(n), items, strict=False)]


def load_checked(model_ref: str | None, threads: int, model: tuple[str, str]) -> Any:
    """The detector a worker loads, refused unless it is the model the run was started with."""
    from ..engine.detector import Detector

    detector = Detector.load(model_ref, threads=threads)
    if model_identity(detector) != tuple(model):
        found = "-".join(model_identity(detector))
        raise ModelError(f"a worker loaded model {found}, but this run uses {'-'.join(model)}")
    return detector


class ChunkActor:
    """A Ray actor holding one model; called with a batch of chunk numbers."""

    def __init__(self, root: str, model_ref: str | None, threads: int, options: dict[str, Any]) -> None:
        self.store = Store(root)
        self.options = options
        self.detector = load_checked(model_ref, threads, tuple(options["model"]))

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        done = [process_chunk(self.detector, self.store, int(k), **self.options) for k in batch["chunk"]]
        return {"chunk": list(batch["chunk"]), "records": [c["articles"] + c["errors"] for c in done]}


def run_ray(
    store: Store,
    chunks: Sequence[int],
    options: dict[str, Any],
    *,
    model_ref: str | None,
    workers: int,
    address: str | None,
    progress: Progress | None,
) -> None:
    """Process ``chunks`` on Ray Data with ``workers`` actors (connecting to ``address``, or
    starting a local Ray when it is None)."""
    ray = require("batch", "ray")
    require("batch", "ray.data")
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(
                address=address,
                num_cpus=None if address else cores(),
                include_dashboard=False,
                log_to_driver=False,
                logging_level="ERROR",
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the Ray cluster at {address}" if address else "a local Ray"
            raise InputError(f"cannot start or reach {where}: {exc}") from exc
    try:
        # our own progress bar reports progress; Ray Data's bars and INFO lines would interleave with it
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        total = int(ray.cluster_resources().get("CPU", 1))
        threads = max(1, total // workers)
        # one block per chunk, and one chunk in flight per actor: an idle actor takes the next
        # chunk, instead of Ray handing each actor a fixed share of blocks up front
        items = [{"chunk": k} for k in chunks]
        with warnings.catch_warnings():  # max_restarts has no named parameter yet; Ray's own advice
            warnings.filterwarnings("ignore", "`ray_remote_args` is deprecated", DeprecationWarning)
            dataset = _actor_map(ray, items, store, model_ref, threads, options, workers)
        for row in dataset.iter_rows():
            if progress is not None:
                progress(int(row["records"]))
    finally:
        if started:
            ray.shutdown()


def _actor_map(
    ray: Any,
    items: list[dict[str, int]],
    store: Store,
    model_ref: str | None,
    threads: int,
    options: dict[str, Any],
    workers: int,
) -> Any:
    """The Ray Data pipeline: one ChunkActor call per chunk."""
    return ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
        ChunkActor,
        fn_constructor_kwargs={
            "root": str(store.root.resolve()),
            "model_ref": model_ref,
            "threads": threads,
            "options": options,
        },
        batch_size=1,  # one chunk per call: the chunk, not Ray, decides what is batched together
        compute=ray.data.ActorPoolStrategy(size=workers, max_tasks_in_flight_per_actor=1),
        num_cpus=threads,
        # an actor that dies is not restarted: the run fails and its rerun resumes from the
        # finished chunks. (Restarts are what makes Ray log an alarming "E ... core_worker.cc"
        # line about constructor arguments in its object store on every run.)
        max_restarts=0,
    )


__all__ = ["ENGINES", "ChunkActor", "cores", "load_checked", "run_local", "run_ray"]
