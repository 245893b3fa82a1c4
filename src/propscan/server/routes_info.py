"""The web page (``/``), the technique catalogue, the loaded model, liveness and the HTML report."""

from __future__ import annotations

from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from ..document import Document
from ..io.report import asset, render_report, script_json, techniques_json
from ..techniques import TECHNIQUES
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


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(app: State) -> HTMLResponse:
    return HTMLResponse(page(app.limits), headers=PAGE_HEADERS)


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
    card = directory / "MODEL_CARD.md"
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


_PAGES: dict[Limits, str] = {}


def page(limits: Limits) -> str:
    """The web page with the report's CSS and JS and the technique catalogue inlined (built once)."""
    if limits not in _PAGES:
        static = resources.files(__package__).joinpath("static")
        config = {"techniques": techniques_json(), "limits": asdict(limits)}
        _PAGES[limits] = (
            static.joinpath("index.html")
            .read_text("utf-8")
            .replace("/*REPORT_CSS*/", asset("report.css"))
            .replace("/*APP_CSS*/", static.joinpath("app.css").read_text("utf-8"))
            .replace("/*REPORT_JS*/", asset("report.js"))
            .replace("/*APP_JS*/", static.joinpath("app.js").read_text("utf-8"))
            .replace("/*CONFIG*/", script_json(config))
        )
    return _PAGES[limits]


__all__ = ["PAGE_HEADERS", "page", "router"]
