"""Micro-batching: concurrent requests share ``Detector.analyze_many`` calls on one worker thread.

One request at a time would waste the batch efficiency of the detector (windows of many articles
share a forward pass), and running inference on the event loop would block every other request.
So handlers submit their texts here and await a future; a single worker thread takes everything
that is queued (up to ``max_texts``), runs it as one ``analyze_many`` call per setting, and
resolves the futures. Under load the queue fills while a batch runs, so batches grow by themselves
and no request waits for a timer.
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from ..document import Document
from ..engine.detector import BATCH_SIZE

Setting = tuple[float | None, float | None]  # (min_score, token_threshold) of a request


@dataclass
class _Job:
    texts: list[str]
    setting: Setting
    future: Future[list[Document]] = field(default_factory=Future)


class MicroBatcher:
    """Runs ``detector.analyze_many`` on one thread for everything submitted meanwhile."""

    def __init__(self, detector: Any, *, max_texts: int = 32, batch_size: int = BATCH_SIZE) -> None:
        self.detector = detector
        self.max_texts = max_texts  # texts per analyze_many call: bounds memory and tail latency
        self.batch_size = batch_size
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(
        self, texts: list[str], min_score: float | None = None, token_threshold: float | None = None
    ) -> Future[list[Document]]:
        """A future of the Documents of ``texts``, in order."""
        self._start()
        job = _Job(list(texts), (min_score, token_threshold))
        self._queue.put(job)
        return job.future

    def close(self) -> None:
        """Finish the queued work and stop the worker thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="propscan-inference", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None:
            jobs, count, stop = [job], len(job.texts), False
            while count < self.max_texts:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
                count += len(nxt.texts)
            by_setting: dict[Setting, list[_Job]] = defaultdict(list)
            for j in jobs:
                by_setting[j.setting].append(j)
            for setting, group in by_setting.items():
                self._run(group, setting)
            if stop:
                return

    def _analyze(self, texts: list[str], setting: Setting) -> list[Document]:
        min_score, token_threshold = setting
        found: list[Document] = self.detector.analyze_many(
            texts, batch_size=self.batch_size, min_score=min_score, token_threshold=token_threshold
        )
        return found

    def _run(self, jobs: list[_Job], setting: Setting) -> None:
        live = [j for j in jobs if j.future.set_running_or_notify_cancel()]
        texts = [t for j in live for t in j.texts]
        try:
            docs = self._analyze(texts, setting)
        except Exception as exc:
            if len(live) == 1:
                live[0].future.set_exception(exc)
                return
            # one job's bad input must not fail the others that shared its batch: retry each alone
            for j in live:
                self._run_one(j, setting)
            return
        for j in live:
            j.future.set_result(docs[: len(j.texts)])
            docs = docs[len(j.texts) :]

    def _run_one(self, job: _Job, setting: Setting) -> None:
        try:
            docs = self._analyze(job.texts, setting)
        except Exception as exc:
            job.future.set_exception(exc)
        else:
            job.future.set_result(docs)
