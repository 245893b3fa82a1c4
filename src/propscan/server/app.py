"""The FastAPI app: the web page at ``/`` and the REST API under ``/v1`` (OpenAPI at ``/docs``).

Handlers hold no detection logic: they check input against :class:`Limits`, hand texts to the
:class:`~propscan.server.batcher.MicroBatcher` (inference runs on its worker thread, off the event
loop) and return Document JSON. Bad input always gets a 4xx JSON error (see ``errors.py``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from .._version import __version__
from ..document import Document, Span
from ..engine.detector import Detector
from ..errors import PropscanError
from ..io.records import Record
from ..io.report import asset, render_report, script_json, techniques_json
from ..io.url import fetch_url
from ..techniques import TECHNIQUES
from .batcher import MicroBatcher
from .errors import ApiError, BodyLimit, install_handlers, status_of
from .schemas import (
    AnalyzeRequest,
    Article,
    BatchOut,
    BatchRequest,
    ClassifyRequest,
    DocumentOut,
    ErrorOut,
    ReportRequest,
    SpanIn,
)

Fetch = Callable[..., Record]  # fetch(url, *, allow_private: bool) -> Record, like io.url.fetch_url


@dataclass(frozen=True)
class Limits:
    """What one request may carry. Each is stated in the README and in the error that enforces it."""

    max_body_bytes: int = 2_000_000  # any request body -> 413
    max_text_chars: int = 500_000  # one text, pasted or extracted -> 413 (about 100 pages)
    max_batch_texts: int = 64  # texts per /v1/analyze/batch call -> 413


# defence in depth for the page: only its own inline code runs, and it talks only to this server
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (403, 408, 413, 415, 422, 424, 501)
}


def create_app(
    detector: Any = None,
    *,
    model: str | None = None,
    fetch: Fetch | None = None,
    allow_private_urls: bool = False,
    limits: Limits = Limits(),
    batch_texts: int = 32,
    cors_origins: Sequence[str] = (),
    corpus: str | os.PathLike[str] | None = None,
) -> FastAPI:
    """The propscan web app. ``detector`` (anything with the Detector interface) is loaded from
    ``model`` once when not given; ``fetch`` replaces the URL fetcher (tests pass a fake one);
    ``allow_private_urls`` lets intranet addresses through; ``batch_texts`` caps the texts that
    share one ``analyze_many`` call; ``cors_origins`` lists the web origins whose pages may call
    the API from a browser (none by default); ``corpus``, the output directory of a
    ``propscan batch`` run, adds the corpus browser at ``/corpus`` and ``/v1/corpus`` (needs the
    ``batch`` extra)."""
    browse = None
    if corpus is not None:  # checked before the model loads, so a wrong directory fails fast
        from ..batch.corpus import Corpus

        browse = Corpus(corpus)
    det = detector if detector is not None else Detector.load(model)
    batcher = MicroBatcher(det, max_texts=batch_texts)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        batcher.close()

    # FastAPIOffline serves the Swagger UI and ReDoc assets from the package, so /docs works offline
    app = FastAPIOffline(
        title="propscan",
        version=__version__,
        description="Find propaganda techniques in news articles, span by span. Responses are "
        "Document JSON: the text, its spans (half-open str offsets, technique, score) and meta.",
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )
    install_handlers(app)
    page = _page(limits)
    if browse is not None:
        from .corpus import add_corpus_routes

        add_corpus_routes(app, browse, _PAGE_HEADERS)

    def check_text(text: str, what: str = "text") -> str:
        try:  # JSON can carry lone surrogates ("\ud800"), which are not text; the tokenizer fails on them
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ApiError(
                422,
                "E-INPUT",
                f"{what} holds an unpaired surrogate at character {exc.start}; send valid Unicode",
            ) from None
        if len(text) > limits.max_text_chars:
            raise ApiError(
                413,
                "E-TOO-LARGE",
                f"{what} has {len(text):,} characters, over the limit of {limits.max_text_chars:,}; "
                "split it into parts",
            )
        return text

    async def analyze_texts(texts: list[str], threshold: float | None) -> list[Document]:
        return await asyncio.wrap_future(batcher.submit(texts, threshold))

    async def resolve(article: Article) -> tuple[str, dict[str, Any]]:
        """The text to analyse and the meta it brings (title, url) of an article."""
        if article.url is not None:
            return await from_url(article.url)
        if article.html is not None:
            return await from_html(article.html)
        return check_text(article.text or ""), {}

    async def from_url(url: str) -> tuple[str, dict[str, Any]]:
        fetcher = fetch or fetch_url
        record = await run_in_threadpool(fetcher, url, allow_private=allow_private_urls)
        if record.text is None:
            raise ApiError(422, "E-INPUT", f"{url}: {record.error}")
        return check_text(record.text, "the page's text"), {"source": url, **record.meta}

    async def from_html(html: str) -> tuple[str, dict[str, Any]]:
        from ..io.html import extract

        page_ = await run_in_threadpool(extract, html)
        return check_text(page_.text, "the page's text"), {"title": page_.title} if page_.title else {}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers=_PAGE_HEADERS)

    @app.post("/v1/analyze", response_model=DocumentOut, tags=["analyze"])
    async def analyze(req: AnalyzeRequest) -> JSONResponse:
        """Find the propaganda spans of one article given as ``text``, ``url`` or ``html``."""
        text, meta = await resolve(req)
        (doc,) = await analyze_texts([text], req.threshold)
        doc.meta.update(meta)
        return JSONResponse(doc.to_dict())

    @app.post("/v1/analyze/batch", response_model=BatchOut, tags=["analyze"])
    async def analyze_batch(req: BatchRequest) -> JSONResponse:
        """Analyze several articles in one call (64 at most by default; see ``Limits``), given as
        plain ``texts`` or as ``articles`` (text, URL or HTML each). Documents come back in input
        order. A text that breaks a limit fails the whole call; an article that cannot be fetched
        or read is ``null`` in ``documents`` and explained in ``errors``, and the others are
        still analysed."""
        n = len(req.texts if req.texts is not None else req.articles or [])
        if n > limits.max_batch_texts:
            raise ApiError(
                413,
                "E-TOO-MANY",
                f"{n} articles in one batch, over the limit of {limits.max_batch_texts}; split the batch",
            )
        if req.texts is not None:
            texts = [check_text(t, f"texts[{i}]") for i, t in enumerate(req.texts)]
            docs = await analyze_texts(texts, req.threshold) if texts else []
            return JSONResponse({"documents": [d.to_dict() for d in docs], "errors": []})
        found = await asyncio.gather(*(resolve(a) for a in req.articles or []), return_exceptions=True)
        ok = [(i, r) for i, r in enumerate(found) if not isinstance(r, BaseException)]
        errors = [_item_error(i, r) for i, r in enumerate(found) if isinstance(r, BaseException)]
        docs = await analyze_texts([text for _, (text, _) in ok], req.threshold) if ok else []
        documents: list[dict[str, Any] | None] = [None] * n
        for (i, (_, meta)), doc in zip(ok, docs, strict=True):
            doc.meta.update(meta)
            documents[i] = doc.to_dict()
        return JSONResponse({"documents": documents, "errors": errors})

    @app.post("/v1/classify", response_model=DocumentOut, tags=["analyze"])
    async def classify(req: ClassifyRequest) -> JSONResponse:
        """The technique of each given span (the SemEval TC task); each span's score is the
        probability of its technique. Spans come back in input order."""
        check_text(req.text)
        offsets = [(s.start, s.end) if isinstance(s, SpanIn) else s for s in req.spans]
        spans: list[Span] = await run_in_threadpool(det.classify_spans, req.text, offsets)
        doc = Document(req.text, spans, {"model": det.name})
        body = doc.to_dict()
        body["spans"] = [s.to_dict() for s in spans]  # input order, not sorted
        return JSONResponse(body)

    @app.get("/v1/techniques", tags=["info"])
    async def techniques() -> list[dict[str, str]]:
        """The techniques propscan detects: label, name, definition, example and colour."""
        return [asdict(t) for t in TECHNIQUES]

    @app.get("/v1/model", tags=["info"])
    async def model_info() -> dict[str, Any]:
        """The loaded model: name, version, decision threshold, file checksums and model card."""
        info = dict(det.info()) if hasattr(det, "info") else {"name": det.name}
        directory = Path(info.pop("path", "") or ".")
        card = directory / "MODEL_CARD.md"
        info["card"] = card.read_text("utf-8") if card.is_file() else None
        return info

    @app.get("/healthz", tags=["info"])
    async def healthz() -> dict[str, str]:
        """Liveness: the model is loaded and the server answers."""
        return {"status": "ok", "model": det.name}

    @app.post("/v1/report", response_class=HTMLResponse, tags=["report"])
    async def report(req: ReportRequest) -> HTMLResponse:
        """A self-contained HTML report (as ``propscan analyze --format html`` writes) of Documents."""
        docs = [Document.from_dict(d) for d in req.documents]
        return HTMLResponse(
            render_report(docs), headers={"Content-Disposition": 'attachment; filename="report.html"'}
        )

    return app


def _item_error(index: int, exc: BaseException) -> dict[str, Any]:
    """One failed article of a batch, as the error /v1/analyze would answer for it alone."""
    if isinstance(exc, ApiError):
        status, code, message = exc.status, exc.code, exc.message
    elif isinstance(exc, PropscanError):
        status, code, message = status_of(exc), exc.code, exc.message
    else:
        raise exc  # a bug, not bad input: the whole call fails with a 500
    return {"index": index, "status": status, "code": code, "message": message}


def _page(limits: Limits) -> str:
    """The web page with the report's CSS and JS and the technique catalogue inlined."""
    static = resources.files(__package__).joinpath("static")
    config = {"techniques": techniques_json(), "limits": asdict(limits)}
    return (
        static.joinpath("index.html")
        .read_text("utf-8")
        .replace("/*REPORT_CSS*/", asset("report.css"))
        .replace("/*APP_CSS*/", static.joinpath("app.css").read_text("utf-8"))
        .replace("/*REPORT_JS*/", asset("report.js"))
        .replace("/*APP_JS*/", static.joinpath("app.js").read_text("utf-8"))
        .replace("/*CONFIG*/", script_json(config))
    )
