"""The FastAPI app: the web page at ``/`` and the REST API under ``/v1`` (OpenAPI at ``/docs``).

``create_app`` loads the model once, keeps what the routers share on ``app.state.propscan``
(:class:`~propscan.server.state.ServerState`) and includes the routers. Handlers hold no detection
logic; inference runs on the micro-batcher's worker thread, off the event loop. Bad input always
gets a 4xx JSON error (see ``errors.py``).
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from .._version import __version__
from ..engine.detector import Detector
from ..io.url import fetch_url
from . import routes_analyze, routes_info
from .batcher import MicroBatcher
from .errors import BodyLimit, install_handlers
from .guards import Fetch, FetchPool, HostCheck, SecurityHeaders
from .schemas import ErrorOut
from .state import Limits, ServerState

DEFAULT_LIMITS = Limits()
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 403, 408, 413, 415, 422, 424, 429, 501)
}


def create_app(
    detector: Any = None,
    *,
    model: str | None = None,
    fetch: Fetch | None = None,
    allow_private_urls: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    batch_texts: int = 32,
    cors_origins: Sequence[str] = (),
    corpus: str | os.PathLike[str] | None = None,
    allowed_hosts: Sequence[str] | None = None,
    fetch_workers: int = 8,
) -> FastAPI:
    """The propscan web app. ``detector`` (anything with the Detector interface) is loaded from
    ``model`` once when not given; ``fetch`` replaces the URL fetcher (tests pass a fake one);
    ``allow_private_urls`` lets intranet addresses through; ``batch_texts`` caps the texts that
    share one ``analyze_many`` call; ``cors_origins`` lists the web origins whose pages may call
    the API from a browser (none by default); ``corpus``, the output directory of a
    ``propscan batch`` run, adds the corpus browser at ``/corpus`` and ``/v1/corpus`` (needs the
    ``batch`` extra); ``allowed_hosts`` lists the Host names the app answers (None: any; ``serve``
    sets the loopback names when it listens on loopback, see ``guards.py``); ``fetch_workers``
    caps the URL fetches that run at once."""
    browse = None
    if corpus is not None:  # checked before the model loads, so a wrong directory fails fast
        from ..batch.corpus import Corpus

        browse = Corpus(corpus)
    det = detector if detector is not None else Detector.load(model)
    batcher = MicroBatcher(det, max_texts=batch_texts)
    fetcher = FetchPool(fetch or fetch_url, allow_private=allow_private_urls, workers=fetch_workers)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The model and the app live as long as the server: out of the collector's reach, a full
        # collection (which a request that builds many objects triggers) no longer walks them on
        # the event loop. Measured: a 20,000-span body stalled the loop 120 ms, 11 ms after this.
        gc.freeze()
        yield
        gc.unfreeze()
        batcher.close()
        fetcher.close()

    # FastAPIOffline serves the Swagger UI and ReDoc assets from the package, so /docs works offline
    app = FastAPIOffline(
        title="propscan",
        version=__version__,
        description="Find propaganda techniques in news articles, span by span. Responses are "
        "Document JSON: the text, its spans (half-open str offsets, technique, score) and meta.",
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.state.propscan = ServerState(det, batcher, limits, fetcher)
    # the last added runs first: headers on everything, then the Host check, CORS, the body cap
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, hosts=allowed_hosts)
    app.add_middleware(SecurityHeaders)
    install_handlers(app)
    if browse is not None:
        from .corpus import add_corpus_routes

        add_corpus_routes(app, browse, routes_info.CORPUS_HEADERS)
    app.include_router(routes_info.router)
    app.include_router(routes_analyze.router)
    return app


__all__ = ["Limits", "create_app"]
