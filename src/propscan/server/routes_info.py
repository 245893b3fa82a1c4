"""The web page (``/``), the technique catalogue, the loaded model, liveness and the HTML report."""

from __future__ import annotations

from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ..document import Document
from ..hub.layout import CARD
from ..io.report import asset, render_report, script_json, techniques_json
from ..techniques import TECHNIQUES
from .pages import techniques_html
from .schemas import ReportRequest
from .state import Limits, ServerState, state

router = APIRouter()
State = Annotated[ServerState, Depends(state)]

# defence in depth for the page: only its own inline code runs, and it talks only to this server
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# the corpus browser is plain HTML whose filters are a GET form to itself: let it submit there
CORPUS_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"].replace(
        "form-action 'none'", "form-action 'self'"
    ),
}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(app: State, request: Request) -> HTMLResponse:
    corpus = any(getattr(r, "path", "") == "/corpus" for r in request.app.routes)
    return HTMLResponse(page(app.limits, corpus=corpus), headers=PAGE_HEADERS)


@router.get("/techniques", response_class=HTMLResponse, include_in_schema=False)
async def techniques_page() -> HTMLResponse:
    """The techniques for people: definition, an example, and how to read a score."""
    return HTMLResponse(techniques_html(), headers=PAGE_HEADERS)


@router.get("/v1/techniques", tags=["info"])
async def techniques() -> list[dict[str, str]]:
    """The techniques propscan detects: label, name, definition, example and colour."""
    return [asdict(t) for t in TECHNIQUES]


@router.get("/v1/model", tags=["info"])
async def model_info(app: State) -> dict[str, Any]:
    """The loaded model: name, version, decision threshold, file checksums and model card."""
    det = app.detector
    info = dict(det.info()) if hasattr(det, "info") else {"name": det.name}
    directory = Path(info.pop("path", "") or ".")
    card = directory / CARD
    info["card"] = card.read_text("utf-8") if card.is_file() else None
    return info


@router.get("/healthz", tags=["info"])
async def healthz(app: State) -> dict[str, str]:
    """Liveness: the model is loaded and the server answers."""
    return {"status": "ok", "model": app.detector.name}


@router.post("/v1/report", response_class=HTMLResponse, tags=["report"])
async def report(req: ReportRequest) -> HTMLResponse:
    """A self-contained HTML report (as ``propscan analyze --format html`` writes) of Documents."""
    docs = [Document.from_dict(d) for d in req.documents]
    return HTMLResponse(
        render_report(docs), headers={"Content-Disposition": 'attachment; filename="report.html"'}
    )


_PAGES: dict[tuple[Limits, bool], str] = {}


def page(limits: Limits, *, corpus: bool = False) -> str:
    """The web page with the report's CSS and JS, the technique catalogue and the sample article
    inlined (built once); ``corpus``: link the corpus browser."""
    if (limits, corpus) not in _PAGES:
        static = resources.files(__package__).joinpath("static")
        config = {
            "techniques": techniques_json(),
            "limits": asdict(limits),
            "corpus": corpus,
            "example": static.joinpath("sample_article.txt").read_text("utf-8"),
        }
        _PAGES[limits, corpus] = (
            static.joinpath("index.html")
            .read_text("utf-8")
            .replace("/*REPORT_CSS*/", asset("report.css"))
            .replace("/*APP_CSS*/", static.joinpath("app.css").read_text("utf-8"))
            .replace("/*REPORT_JS*/", asset("report.js"))
            .replace("/*APP_JS*/", static.joinpath("app.js").read_text("utf-8"))
            .replace("/*CONFIG*/", script_json(config))
        )
    return _PAGES[limits, corpus]


__all__ = ["CORPUS_HEADERS", "PAGE_HEADERS", "page", "router"]
