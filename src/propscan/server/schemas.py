"""Request and response bodies of the REST API, as pydantic models (they make the OpenAPI docs).

Responses are the Document JSON of ``Document.to_dict()``: ``{"text", "spans", "meta"}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Threshold = Field(
    default=None,
    gt=0.0,
    lt=1.0,
    description="Decision threshold, strictly between 0 and 1; default: the model's.",
)


class AnalyzeRequest(BaseModel):
    """Exactly one of ``text``, ``url`` or ``html``."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(default=None, description="The article as plain text.")
    url: str | None = Field(default=None, description="An http(s) URL of an article page to fetch.")
    html: str | None = Field(default=None, description="An HTML page; its title and main text are analysed.")
    threshold: float | None = Threshold

    @model_validator(mode="after")
    def _one_input(self) -> AnalyzeRequest:
        given = [k for k in ("text", "url", "html") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of 'text', 'url' or 'html' (got {', '.join(given) or 'none'})"
            )
        return self


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(description="Plain texts to analyse together.")
    threshold: float | None = Threshold


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    start: int
    end: int


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    spans: list[SpanIn | tuple[int, int]] = Field(
        description="Spans as {'start', 'end'} objects or [start, end] pairs (half-open str indices)."
    )


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[dict[str, Any]] = Field(description="Document JSON objects, as /v1/analyze returns them.")


class SpanOut(BaseModel):
    start: int
    end: int
    technique: str
    score: float
    text: str


class DocumentOut(BaseModel):
    text: str
    spans: list[SpanOut]
    meta: dict[str, Any]


class BatchOut(BaseModel):
    documents: list[DocumentOut]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody
