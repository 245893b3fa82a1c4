"""propscan as a spaCy pipeline component (the ``spacy`` extra).

After ``pip install 'propscan[spacy]'``, ``nlp.add_pipe("propscan")`` works with no import: the
factory is registered through the ``spacy_factories`` entry point. The component puts each span in
``doc.spans["propaganda"]`` (a span group, so overlapping spans are kept) with the technique label
as ``span.label_``, and keeps the scores the way spaCy's own span categorizer does: in
``doc.spans["propaganda"].attrs["scores"]``, aligned with the spans, and on each span as
``span._.propscan_score``. Whose words a span is in goes on the span too: ``span._.voice``
("author" or "quoted") and ``span._.speaker``. The quotations of the text are the span group
``doc.spans["quotes"]``, labelled "direct" or "indirect", each with its ``span._.speaker``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .document import Document
from .document import Span as PropscanSpan
from .engine.detector import Detector, check_min_score, check_threshold, token_cutoff
from .errors import require
from .io.report import render_fragment

# importing this module is how spaCy finds the factory: say what is missing
spacy: Any = require("spacy", "spacy")

from spacy.language import Language  # noqa: E402  (after require names the extra)
from spacy.tokens import Doc, Span  # noqa: E402

SPANS_KEY = "propaganda"
QUOTES_KEY = "quotes"
SCORE_ATTR = "propscan_score"
VOICE_ATTR = "voice"  # "author" or "quoted" on a propaganda span
SPEAKER_ATTR = "speaker"  # who said it, on a quoted propaganda span and on a quotation

for _attr in (SCORE_ATTR, VOICE_ATTR, SPEAKER_ATTR):
    if not Span.has_extension(_attr):
        Span.set_extension(_attr, default=None)


class PropscanComponent:
    """Runs a propscan Detector over each Doc's text and records the spans it finds."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        model: str | None,
        min_score: float | None,
        token_threshold: float | None,
        spans_key: str,
        batch_size: int,
    ) -> None:
        self.name, self.model = name, model
        self.min_score, self.token_threshold = min_score, token_threshold
        self.spans_key, self.batch_size = spans_key, batch_size
        self._detector: Detector | None = None

    @property
    def detector(self) -> Detector:
        """The model, loaded on first use so that building a pipeline stays cheap."""
        if self._detector is None:
            self._detector = Detector.load(self.model)
        return self._detector

    def __call__(self, doc: Doc) -> Doc:
        found = self.detector.analyze(
            doc.text, min_score=self.min_score, token_threshold=self.token_threshold
        )
        return self._annotate(doc, found)

    def pipe(self, stream: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """Batched like ``Detector.analyze_many``: windows of several docs share a forward pass."""
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) == size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def _run(self, docs: list[Doc]) -> Iterator[Doc]:
        found = self.detector.analyze_many(
            [d.text for d in docs], min_score=self.min_score, token_threshold=self.token_threshold
        )
        for doc, document in zip(docs, found, strict=True):
            yield self._annotate(doc, document)

    def _annotate(self, doc: Doc, document: Document) -> Doc:
        spans, scores = [], []
        for found in document.spans:
            # propscan spans are whole words; "expand" covers tokenizers that split differently
            span = doc.char_span(found.start, found.end, label=found.technique, alignment_mode="expand")
            if span is None:  # only whitespace between token boundaries; nothing to mark
                continue
            span._.set(SCORE_ATTR, found.score)
            span._.set(VOICE_ATTR, found.voice)
            span._.set(SPEAKER_ATTR, found.speaker)
            spans.append(span)
            scores.append(found.score)
        doc.spans[self.spans_key] = spans
        doc.spans[self.spans_key].attrs["scores"] = scores
        quotes = []
        for quote in document.quotes:
            said = doc.char_span(quote.start, quote.end, label=quote.kind, alignment_mode="expand")
            if said is not None:
                said._.set(SPEAKER_ATTR, quote.speaker)
                quotes.append(said)
        doc.spans[QUOTES_KEY] = quotes
        for key in ("language", "warnings"):  # what propscan.checks says of the text
            if key in document.meta:
                doc.spans[self.spans_key].attrs[key] = document.meta[key]
        return doc


@Language.factory(
    "propscan",
    default_config={
        "model": None,
        "min_score": None,
        "token_threshold": None,
        "threshold": None,
        "spans_key": SPANS_KEY,
        "batch_size": 8,
    },
)
def make_propscan(
    nlp: Language,
    name: str,
    model: str | None,
    min_score: float | None,
    token_threshold: float | None,
    threshold: float | None,
    spans_key: str,
    batch_size: int,
) -> PropscanComponent:
    """spaCy factory: ``model`` is a shipped model name or a model directory (None: the default);
    ``min_score`` keeps only spans scored at least that much; ``token_threshold`` (advanced;
    ``threshold`` is its deprecated name) overrides the decoder's cut-off."""
    cutoff = token_cutoff(token_threshold, threshold)
    if min_score is not None:
        check_min_score(min_score)
    if cutoff is not None:
        check_threshold(cutoff)
    return PropscanComponent(nlp, name, model, min_score, cutoff, spans_key, batch_size)


def render(doc: Doc, spans_key: str = SPANS_KEY, page: bool = False) -> str:
    """The spans of ``doc`` highlighted in propscan's technique colours, each tagged where it ends
    with its technique's display name and score (as displaCy tags entities; a quoted span adds its
    speaker), in the text's own
    spacing and paragraphs, under the warnings the component recorded. It is propscan's notebook
    view (static HTML, no script): the text is HTML-escaped and bidi control characters (which
    could make "evil" read "live") become visible markers. ``page``: a whole HTML page."""
    group = doc.spans.get(spans_key, [])
    attrs = getattr(group, "attrs", {})
    scores = attrs.get("scores") or [s._.get(SCORE_ATTR) for s in group]
    spans = [
        PropscanSpan(
            s.start_char,
            s.end_char,
            s.label_,
            1.0 if score is None else float(score),
            voice=s._.get(VOICE_ATTR) if s._.get(VOICE_ATTR) in ("author", "quoted") else None,
            speaker=s._.get(SPEAKER_ATTR) if isinstance(s._.get(SPEAKER_ATTR), str) else None,
        )
        for s, score in zip(group, scores, strict=True)
    ]
    meta = {k: attrs[k] for k in ("language", "warnings") if k in attrs}
    fragment = render_fragment(Document(doc.text, spans, meta))
    if not page:
        return fragment
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>propscan</title></head>'
        f'<body style="max-width:52rem;margin:2rem auto;padding:0 1rem">{fragment}</body></html>'
    )


__all__ = [
    "QUOTES_KEY",
    "SCORE_ATTR",
    "SPANS_KEY",
    "SPEAKER_ATTR",
    "VOICE_ATTR",
    "PropscanComponent",
    "make_propscan",
    "render",
]
