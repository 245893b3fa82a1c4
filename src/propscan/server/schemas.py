"""Request and response bodies of the REST API, as pydantic models (they make the OpenAPI docs).

Responses are the Document JSON of ``Document.to_dict()``: ``{"text", "spans", "meta", "quotes"}``,
each span with its ``voice`` and ``speaker``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MinScore = Field(
    default=None,
    ge=0.0,
    le=1.0,
    description="Keep only spans scored at least this much (scores are calibrated probabilities that "
    "a span is right); default: every span the model finds.",
)
TokenThreshold = Field(
    default=None,
    gt=0.0,
    lt=1.0,
    description="Advanced: the decoder's token threshold (a token this likely to be inside a span "
    "starts or extends one), strictly between 0 and 1; default: the model's. Not a minimum score.",
)
OldThreshold = Field(
    default=None,
    gt=0.0,
    lt=1.0,
    json_schema_extra={"deprecated": True},  # marked in OpenAPI; pydantic's own flag warns on every read
    description="Deprecated name of token_threshold (it never was a minimum score: see min_score).",
)


class Decoding(BaseModel):
    """How spans are chosen: ``min_score`` filters by score; ``token_threshold`` is advanced."""

    min_score: float | None = MinScore
    token_threshold: float | None = TokenThreshold
    threshold: float | None = OldThreshold

    @model_validator(mode="after")
    def _one_cutoff(self) -> Decoding:
        if self.threshold is not None and self.token_threshold is not None:
            raise ValueError("give 'token_threshold' or its old name 'threshold', not both")
        return self

    @property
    def cutoff(self) -> float | None:
        return self.token_threshold if self.token_threshold is not None else self.threshold


class Article(BaseModel):
    """One article: exactly one of ``text``, ``url`` or ``html``."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(default=None, description="The article as plain text.")
    url: str | None = Field(default=None, description="An http(s) URL of an article page to fetch.")
    html: str | None = Field(default=None, description="An HTML page; its title and main text are analysed.")

    @model_validator(mode="after")
    def _one_input(self) -> Article:
        given = [k for k in ("text", "url", "html") if getattr(self, k) is not None]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of 'text', 'url' or 'html' (got {got})")
        return self


class AnalyzeRequest(Article, Decoding):
    pass


class BatchRequest(Decoding):
    """Exactly one of ``texts`` (plain texts) or ``articles`` (``{"text"|"url"|"html"}`` objects)."""

    model_config = ConfigDict(extra="forbid")
    texts: list[str] | None = Field(default=None, description="Plain texts to analyse together.")
    articles: list[Article] | None = Field(
        default=None, description="Articles given as text, URL or HTML; one that fails is listed in 'errors'."
    )

    @model_validator(mode="after")
    def _one_list(self) -> BatchRequest:
        if (self.texts is None) == (self.articles is None):
            raise ValueError(
                "give exactly one of 'texts' (a list of strings) or 'articles' (a list of objects)"
            )
        return self


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    start: int
    end: int


# pairs first, and the first that fits wins: a "smart" union tries both for every span, which made
# validating 20,000 spans (before the limit could refuse them) cost the event loop 30 ms
SpanPair = Annotated[tuple[int, int] | SpanIn, Field(union_mode="left_to_right")]


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    spans: list[SpanPair] = Field(
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
    voice: Literal["author", "quoted"] | None = Field(
        default=None,
        description="Whose words the span is in: 'quoted' when at least half of its characters lie "
        "inside a quotation (direct or reported speech), else 'author'. Absent where quotations "
        "were not looked for (/v1/classify, Documents written before they were).",
    )
    speaker: str | None = Field(
        default=None,
        description="For a quoted span, the speaker of its quotation (the fullest name form found "
        "in the article); null in the author's voice or when the text names nobody. Article text: "
        "escape it before showing it as HTML.",
    )


class QuoteOut(BaseModel):
    start: int = Field(description="Start of the quoted or reported words (no quotation marks).")
    end: int
    kind: Literal["direct", "indirect"] = Field(
        description="'direct': words in quotation marks (or a post, a headline 'Name:'); "
        "'indirect': reported speech without marks (Smith said that ...)."
    )
    speaker: str | None = Field(description="Who said it, or null when the text names nobody.")
    speaker_start: int | None = Field(description="Where the speaker's name is mentioned.")
    speaker_end: int | None


class DocumentOut(BaseModel):
    text: str
    spans: list[SpanOut]
    meta: dict[str, Any]
    quotes: list[QuoteOut] = Field(
        default_factory=list,
        description="The quotations of the text, sorted by start (scare quotes are not listed); "
        "absent where they were not looked for.",
    )


class ErrorBody(BaseModel):
    code: str
    message: str


class ItemError(ErrorBody):
    index: int  # position in 'articles'
    status: int  # the HTTP status the same input gets from /v1/analyze


class BatchOut(BaseModel):
    documents: list[DocumentOut | None]  # in input order; None where the article failed
    errors: list[ItemError]


class ErrorOut(BaseModel):
    error: ErrorBody
