"""What the routers share, kept on ``app.state.propscan``: the detector, its micro-batcher, the
limits and the URL fetcher; and how an article given as text, URL or HTML becomes a Record."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ..document import Document
from ..io.records import Record, attach
from ..io.url import check_url
from .batcher import MicroBatcher
from .errors import ApiError
from .guards import Fetch, FetchPool


@dataclass(frozen=True)
class Limits:
    """What one request may carry. Each is stated in docs/server.md and in the error that enforces it."""

    max_body_bytes: int = 2_000_000  # any request body -> 413
    max_text_chars: int = 500_000  # one text, pasted or extracted -> 413 (about 100 pages)
    max_batch_texts: int = 64  # texts per /v1/analyze/batch call -> 413
    max_classify_spans: int = 1_000  # spans per /v1/classify call (about 1 s of CPU) -> 413


@dataclass(frozen=True)
class ServerState:
    detector: Any  # anything with the Detector interface
    batcher: MicroBatcher
    limits: Limits
    fetch: FetchPool  # URL fetches, on threads of their own (see guards.py)

    def check_text(self, text: str, what: str = "text") -> str:
        """``text`` within the limits (lone surrogates are the core's: propscan.text.clean_text)."""
        if len(text) > self.limits.max_text_chars:
            raise ApiError(
                413,
                "E-TOO-LARGE",
                f"{what} has {len(text):,} characters, over the limit of {self.limits.max_text_chars:,}; "
                "split it into parts",
            )
        return text

    async def record(self, text: str | None, url: str | None, html: str | None) -> Record:
        """The Record of an article given as exactly one of ``text``, ``url`` or ``html``: its text
        and the meta it brings (an HTML page's title; a URL's source and final address)."""
        if url is not None:
            check_url(url)  # a malformed URL is answered at once, not after waiting for a fetch thread
            fetched = await self.fetch(url)
            if fetched.text is None:
                raise ApiError(422, "E-INPUT", f"{url}: {fetched.error}")
            page_text = self.check_text(fetched.text, "the page's text")
            return Record("", url, page_text, meta=dict(fetched.meta))
        if html is not None:
            from ..io.html import extract

            page = await run_in_threadpool(extract, html)
            meta = {"title": page.title} if page.title else {}
            return Record("", "", self.check_text(page.text, "the page's text"), meta=meta)
        return Record("", "", self.check_text(text or ""))

    async def analyze(
        self, records: list[Record], min_score: float | None = None, token_threshold: float | None = None
    ) -> list[Document]:
        """Documents of the records, in order, from the micro-batcher's worker thread."""
        texts = [r.text or "" for r in records]
        docs = await asyncio.wrap_future(self.batcher.submit(texts, min_score, token_threshold))
        return [attach(r, d) for r, d in zip(records, docs, strict=True)]


def state(request: Request) -> ServerState:
    """The app's shared state (a FastAPI dependency)."""
    found: ServerState = request.app.state.propscan
    return found


__all__ = ["Fetch", "Limits", "ServerState", "state"]
