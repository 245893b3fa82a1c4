"""A fold model and the articles it never saw, with its predictions cached per decision settings,
and the SI, TC and FLC of any set of folds (:mod:`propscan.evaluation.crossval` tunes and
reports on them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..document import Document
from ..engine.detector import Detector
from ..engine.scorer import RememberingScorer
from ..hub.config import ModelConfig
from ..io.ptc import Article
from ..techniques import LABELS
from .calibrate import span_hits
from .metrics import PRF, flc_score, si_score, tc_score

SETTINGS = ("threshold", "single_token_threshold", "token_blend", "multi_label_threshold")
Bias = tuple[float, ...] | None


@dataclass(frozen=True)
class Settings:
    """Decision settings of a model: what tuning chooses and a model config records."""

    threshold: float
    single_token_threshold: float
    token_blend: float
    multi_label_threshold: float
    technique_bias: Bias = None
    short_threshold: float | None = None  # for texts of a few sentences (see ModelConfig)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in SETTINGS}
        if self.technique_bias is not None:
            out["technique_bias"] = list(self.technique_bias)
        if self.short_threshold is not None:
            out["short_threshold"] = self.short_threshold
        return out


@dataclass
class Fold:
    """One fold model and the articles it never saw, with its predictions cached per settings."""

    index: int
    detector: Detector  # over a RememberingScorer: the encoder runs once per article
    lines: Detector  # the same model, remembering its lines too (sentence mode)
    articles: list[Article]
    _docs: dict[Settings, list[Document]] = field(default_factory=dict)
    _line_docs: dict[Settings, list[Document]] = field(default_factory=dict)
    _probs: dict[float, list[Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, index: int, detector: Detector, articles: list[Article]) -> Fold:
        def memo() -> Detector:
            return Detector(RememberingScorer(detector.scorer), detector.config, directory=detector.directory)

        return cls(index, memo(), memo(), articles)

    def configured(self, settings: Settings) -> ModelConfig:
        return replace(
            self.detector.config,
            threshold=settings.threshold,
            single_token_threshold=settings.single_token_threshold,
            token_blend=settings.token_blend,
            multi_label_threshold=settings.multi_label_threshold,
            technique_bias=settings.technique_bias,
            short_threshold=settings.short_threshold,
            calibration=None,
        )

    def documents(self, settings: Settings) -> list[Document]:
        """Raw-scored Documents of the held-out articles at ``settings`` (the blend and multi-label
        threshold change techniques and extra labels; the first two change the spans)."""
        if settings not in self._docs:
            self.detector.config = self.configured(settings)
            self._docs[settings] = self.detector.analyze_many([a.text for a in self.articles])
        return self._docs[settings]

    def pieces(self) -> list[tuple[str, int, str]]:
        """(article id, offset, line) of every non-blank line of the held-out articles."""
        out = []
        for article in self.articles:
            offset = 0
            for line in article.text.split("\n"):
                if line.strip():
                    out.append((article.id, offset, line))
                offset += len(line) + 1
        return out

    def line_documents(self, settings: Settings) -> list[Document]:
        """Raw-scored Documents of every line analysed alone, at ``settings``."""
        if settings not in self._line_docs:
            self.lines.config = self.configured(settings)
            self._line_docs[settings] = self.lines.analyze_many([line for _, _, line in self.pieces()])
        return self._line_docs[settings]

    def technique_probs(self, blend: float) -> list[np.ndarray]:
        """(S, L) technique distribution of each held-out article's gold label rows at ``blend``,
        before technique offsets (those are applied by :func:`labels_of`)."""
        if blend not in self._probs:
            self.detector.config = replace(
                self.detector.config, token_blend=blend, technique_bias=None, calibration=None
            )
            self._probs[blend] = [
                self.detector.classify_probs(a.text, [(s.start, s.end) for s in a.spans])
                for a in self.articles
            ]
        return self._probs[blend]

    def classified(self, blend: float, bias: Bias = None) -> list[list[str]]:
        """The technique given to each gold label row of each held-out article."""
        return [
            labels_of(a, p, bias) for a, p in zip(self.articles, self.technique_probs(blend), strict=True)
        ]


def labels_of(article: Article, probs: np.ndarray, bias: Bias) -> list[str]:
    """As Detector.classify: a span given k times gets its k most likely techniques, after the
    technique offsets ``bias``."""
    if bias is not None:
        probs = probs * np.exp(np.asarray(bias))
    out = []
    seen: dict[tuple[int, int], int] = {}
    for span, p in zip(article.spans, probs, strict=True):
        rank = seen.get((span.start, span.end), 0)
        seen[(span.start, span.end)] = rank + 1
        out.append(LABELS[int((-p).argsort(kind="stable")[min(rank, len(LABELS) - 1)])])
    return out


def si_of(folds: Sequence[Fold], settings: Settings) -> PRF:
    pred, gold = {}, {}
    for fold in folds:
        for article, doc in zip(fold.articles, fold.documents(settings), strict=True):
            pred[article.id] = [(s.start, s.end) for s in doc.spans]
            gold[article.id] = [(s.start, s.end) for s in article.spans]
    return si_score(pred, gold)


def tc_of(folds: Sequence[Fold], blend: float, bias: Bias = None) -> tuple[float, dict[str, PRF]]:
    pred, gold = [], []
    for fold in folds:
        for article, labels in zip(fold.articles, fold.classified(blend, bias), strict=True):
            pred += [
                (article.id, s.start, s.end, label) for s, label in zip(article.spans, labels, strict=True)
            ]
            gold += [(article.id, s.start, s.end, s.technique) for s in article.spans]
    return tc_score(pred, gold)


def flc_of(folds: Sequence[Fold], settings: Settings) -> tuple[PRF, dict[str, PRF]]:
    pred, gold = {}, {}
    for fold in folds:
        for article, doc in zip(fold.articles, fold.documents(settings), strict=True):
            pred[article.id] = [(s.start, s.end, s.technique) for s in doc.spans]
            gold[article.id] = [(s.start, s.end, s.technique) for s in article.spans]
    return flc_score(pred, gold)


def hits_of(folds: Sequence[Fold], settings: Settings) -> tuple[list[float], list[bool]]:
    pairs = [
        h
        for fold in folds
        for article, doc in zip(fold.articles, fold.documents(settings), strict=True)
        for h in span_hits(doc, article.to_document())
    ]
    return [s for s, _ in pairs], [h for _, h in pairs]


def sentence_mode(folds: Sequence[Fold], settings: Settings) -> tuple[PRF, PRF]:
    """SI and FLC of the held-out articles of ``folds`` analysed one line at a time (a sentence,
    in the corpus), their spans mapped back to the article."""
    pred: dict[str, list[tuple[int, int, str]]] = {}
    gold: dict[str, list[tuple[int, int, str]]] = {}
    for fold in folds:
        pred.update({a.id: [] for a in fold.articles})
        gold.update({a.id: [(s.start, s.end, s.technique) for s in a.spans] for a in fold.articles})
        for (ident, offset, _), doc in zip(fold.pieces(), fold.line_documents(settings), strict=True):
            pred[ident] += [(s.start + offset, s.end + offset, s.technique) for s in doc.spans]
    si = si_score(_offsets(pred), _offsets(gold))
    return si, flc_score(pred, gold)[0]


def _offsets(rows: dict[str, list[tuple[int, int, str]]]) -> dict[str, list[tuple[int, int]]]:
    return {k: [(s, e) for s, e, _ in v] for k, v in rows.items()}


def macro_f1(per: dict[str, PRF], gold_labels: set[str]) -> float:
    """Mean F1 over the techniques that have gold rows."""
    labels = [label for label in LABELS if label in gold_labels]
    return sum(per[label].f1 for label in labels) / len(labels) if labels else 0.0


__all__ = [
    "SETTINGS",
    "Fold",
    "Settings",
    "flc_of",
    "hits_of",
    "labels_of",
    "macro_f1",
    "sentence_mode",
    "si_of",
    "tc_of",
]
