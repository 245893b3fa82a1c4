"""``/v1/analyze``, ``/v1/analyze/batch`` and ``/v1/classify``: handlers check input against the
limits, hand texts to the micro-batcher and return Document JSON. No detection logic here."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..document import Document, Span
from ..errors import PropscanError
from ..io.records import Record
from .errors import ApiError, status_of
from .schemas import AnalyzeRequest, BatchOut, BatchRequest, ClassifyRequest, DocumentOut, SpanIn
from .state import ServerState, state

router = APIRouter(tags=["analyze"])
State = Annotated[ServerState, Depends(state)]


@router.post("/v1/analyze", response_model=DocumentOut)
async def analyze(req: AnalyzeRequest, app: State) -> JSONResponse:
    """Find the propaganda spans of one article given as ``text``, ``url`` or ``html``."""
    record = await app.record(req.text, req.url, req.html)
    (doc,) = await app.analyze([record], req.min_score, req.cutoff)
    return JSONResponse(doc.to_dict())


@router.post("/v1/analyze/batch", response_model=BatchOut)
async def analyze_batch(req: BatchRequest, app: State) -> JSONResponse:
    """Analyze several articles in one call (64 at most by default; see ``Limits``), given as
    plain ``texts`` or as ``articles`` (text, URL or HTML each). Documents come back in input
    order. A text that breaks a limit fails the whole call; an article that cannot be fetched
    or read is ``null`` in ``documents`` and explained in ``errors``, and the others are
    still analysed."""
    n = len(req.texts if req.texts is not None else req.articles or [])
    if n > app.limits.max_batch_texts:
        raise ApiError(
            413,
            "E-TOO-MANY",
            f"{n} articles in one batch, over the limit of {app.limits.max_batch_texts}; split the batch",
        )
    if req.texts is not None:
        records = [Record("", "", app.check_text(t, f"texts[{i}]")) for i, t in enumerate(req.texts)]
        docs = await app.analyze(records, req.min_score, req.cutoff) if records else []
        return JSONResponse({"documents": [d.to_dict() for d in docs], "errors": []})
    found = await asyncio.gather(
        *(app.record(a.text, a.url, a.html) for a in req.articles or []), return_exceptions=True
    )
    ok = [(i, r) for i, r in enumerate(found) if not isinstance(r, BaseException)]
    errors = [_item_error(i, r) for i, r in enumerate(found) if isinstance(r, BaseException)]
    docs = await app.analyze([r for _, r in ok], req.min_score, req.cutoff) if ok else []
    documents: list[dict[str, Any] | None] = [None] * n
    for (i, _), doc in zip(ok, docs, strict=True):
        documents[i] = doc.to_dict()
    return JSONResponse({"documents": documents, "errors": errors})


@router.post("/v1/classify", response_model=DocumentOut)
async def classify(req: ClassifyRequest, app: State) -> JSONResponse:
    """The technique of each given span (the SemEval TC task); each span's score is the
    probability of its technique. Spans come back in input order."""
    app.check_text(req.text)
    if len(req.spans) > app.limits.max_classify_spans:
        raise ApiError(
            413,
            "E-TOO-MANY",
            f"{len(req.spans):,} spans in one call, over the limit of {app.limits.max_classify_spans:,}; "
            "split them over several calls",
        )
    offsets = [(s.start, s.end) if isinstance(s, SpanIn) else s for s in req.spans]
    spans: list[Span] = await run_in_threadpool(app.detector.classify_spans, req.text, offsets)
    doc = Document(req.text, spans, {"model": app.detector.name})
    body = doc.to_dict()
    body["spans"] = [s.to_dict() for s in spans]  # input order, not sorted
    return JSONResponse(body)


def _item_error(index: int, exc: BaseException) -> dict[str, Any]:
    """One failed article of a batch, as the error /v1/analyze would answer for it alone."""
    if isinstance(exc, ApiError):
        status, code, message = exc.status, exc.code, exc.message
    elif isinstance(exc, PropscanError):
        status, code, message = status_of(exc), exc.code, exc.message
    else:
        raise exc  # a bug, not bad input: the whole call fails with a 500
    return {"index": index, "status": status, "code": code, "message": message}


__all__ = ["router"]
