"""Cross-validation: decision settings, the score map and every reported figure from out-of-fold
predictions of K fold models (each trained on the other folds' articles; see
:func:`propscan.train.crossval.cross_validate`, which trains them).

Nothing a fold is scored with was chosen on that fold: its decision settings are tuned on the other
folds' predictions (nested), and its spans are calibrated by a map fitted on the other folds' spans.
The settings and map a shipped model takes are then chosen the same way on all folds together.

Settings are tuned one after the other, each on the task it decides: the token threshold and the
lone-token threshold by SI F1, the token-channel blend by TC micro-F1, the multi-label threshold by
FLC F1 (SI does not depend on the last two, TC on nothing else). Values are listed in order of
preference on ties.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..document import Document
from ..engine.calibration import Calibrator
from ..engine.detector import Detector
from ..engine.scorer import RememberingScorer
from ..errors import DataError
from ..hub.config import ModelConfig
from ..io.ptc import Article
from ..techniques import LABELS
from .calibrate import ece, fit_isotonic, span_hits
from .metrics import PRF, flc_score, si_score, tc_score

GRID: dict[str, tuple[float, ...]] = {
    "threshold": (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2),
    "single_token_threshold": (1.01, 0.8, 0.7, 0.6, 0.5),
    "token_blend": (0.0, 0.2, 0.3, 0.4, 0.5),
    "multi_label_threshold": (0.2, 0.3, 0.4, 0.5, 1.01),
}
SETTINGS = tuple(GRID)
REPORT = "cv_report.json"  # in a cross-validation run directory
BIAS_GRID = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)  # log offsets tried per technique
Bias = tuple[float, ...] | None
Log = Callable[[str], Any]


@dataclass(frozen=True)
class Settings:
    """Decision settings of a model: what tuning chooses and a model config records."""

    threshold: float
    single_token_threshold: float
    token_blend: float
    multi_label_threshold: float
    technique_bias: Bias = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in SETTINGS}
        if self.technique_bias is not None:
            out["technique_bias"] = list(self.technique_bias)
        return out


@dataclass
class Fold:
    """One fold model and the articles it never saw, with its predictions cached per settings."""

    index: int
    detector: Detector  # over a RememberingScorer: the encoder runs once per article
    plain: Detector  # the same model without the memory (for texts analysed once)
    articles: list[Article]
    _docs: dict[Settings, list[Document]] = field(default_factory=dict)
    _probs: dict[float, list[Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, index: int, detector: Detector, articles: list[Article]) -> Fold:
        memo = Detector(RememberingScorer(detector.scorer), detector.config, directory=detector.directory)
        return cls(index, memo, detector, articles)

    def configured(self, settings: Settings) -> ModelConfig:
        return replace(
            self.detector.config,
            threshold=settings.threshold,
            single_token_threshold=settings.single_token_threshold,
            token_blend=settings.token_blend,
            multi_label_threshold=settings.multi_label_threshold,
            technique_bias=settings.technique_bias,
            calibration=None,
        )

    def documents(self, settings: Settings) -> list[Document]:
        """Raw-scored Documents of the held-out articles at ``settings`` (the blend and multi-label
        threshold change techniques and extra labels; the first two change the spans)."""
        if settings not in self._docs:
            self.detector.config = self.configured(settings)
            self._docs[settings] = self.detector.analyze_many([a.text for a in self.articles])
        return self._docs[settings]

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


def tune(folds: Sequence[Fold], log: Log | None = None, *, bias: bool = False) -> Settings:
    """Decision settings chosen on the predictions of ``folds`` (see the module docstring); with
    ``bias``, also per-technique offsets that maximise the mean of TC micro- and macro-F1."""

    def best(values: Sequence[Any], score: Callable[[Any], float]) -> Any:
        scored = [(score(v), -i, v) for i, v in enumerate(values)]
        return max(scored)[2]

    blend0, multi0 = GRID["token_blend"][0], GRID["multi_label_threshold"][-1]
    pairs = [(t, s) for t in GRID["threshold"] for s in GRID["single_token_threshold"]]
    threshold, single = best(pairs, lambda ts: si_of(folds, Settings(ts[0], ts[1], blend0, multi0)).f1)
    blend = best(GRID["token_blend"], lambda b: tc_of(folds, b)[0])
    offsets = fit_bias(folds, blend) if bias else None

    def flc(multi: float) -> float:
        return flc_of(folds, Settings(threshold, single, blend, multi, offsets))[0].f1

    multi = best(GRID["multi_label_threshold"], flc)
    chosen = Settings(threshold, single, blend, multi, offsets)
    if log:
        log(f"settings on folds {[f.index for f in folds]}: {chosen.to_dict()}")
    return chosen


def fit_bias(folds: Sequence[Fold], blend: float, rounds: int = 2) -> tuple[float, ...]:
    """Per-technique log offsets on the technique distributions, one technique at a time over
    BIAS_GRID (``rounds`` passes), maximising the mean of TC micro- and macro-F1 on ``folds``."""
    gold = {s.technique for f in folds for a in f.articles for s in a.spans}

    def objective(bias: tuple[float, ...]) -> float:
        micro, per = tc_of(folds, blend, bias)
        return (micro + macro_f1(per, gold)) / 2

    bias = [0.0] * len(LABELS)
    current = objective(tuple(bias))
    for _ in range(rounds):
        changed = False
        for k in range(len(LABELS)):
            for value in BIAS_GRID:
                trial = [*bias[:k], value, *bias[k + 1 :]]
                score = objective(tuple(trial))
                if score > current + 1e-9:
                    bias, current, changed = trial, score, True
        if not changed:
            break
    return tuple(bias)


def score_map(folds: Sequence[Fold], settings: Settings) -> Calibrator:
    """The isotonic map fitted on the raw-scored spans of ``folds`` at ``settings``."""
    scores, hits = _hits(folds, settings)
    if not scores:
        raise ValueError("no spans to calibrate on: the fold models predicted none")
    x, y = fit_isotonic(scores, hits)
    return Calibrator(tuple(x), tuple(y))


def _hits(folds: Sequence[Fold], settings: Settings) -> tuple[list[float], list[bool]]:
    pairs = [
        h
        for fold in folds
        for article, doc in zip(fold.articles, fold.documents(settings), strict=True)
        for h in span_hits(doc, article.to_document())
    ]
    return [s for s, _ in pairs], [h for _, h in pairs]


def sentence_mode(fold: Fold, settings: Settings) -> tuple[PRF, PRF]:
    """SI and FLC of the held-out articles analysed one line at a time (a sentence, in the
    corpus), their spans mapped back to the article."""
    detector = fold.plain
    detector.config = fold.configured(settings)
    pieces: list[tuple[str, int, str]] = []  # (article id, offset, line)
    for article in fold.articles:
        offset = 0
        for line in article.text.split("\n"):
            if line.strip():
                pieces.append((article.id, offset, line))
            offset += len(line) + 1
    docs = detector.analyze_many([line for _, _, line in pieces])
    pred: dict[str, list[tuple[int, int, str]]] = {a.id: [] for a in fold.articles}
    for (ident, offset, _), doc in zip(pieces, docs, strict=True):
        pred[ident] += [(s.start + offset, s.end + offset, s.technique) for s in doc.spans]
    gold = {a.id: [(s.start, s.end, s.technique) for s in a.spans] for a in fold.articles}
    si = si_score(_offsets(pred), _offsets(gold))
    return si, flc_score(pred, gold)[0]


def _offsets(rows: dict[str, list[tuple[int, int, str]]]) -> dict[str, list[tuple[int, int]]]:
    return {k: [(s, e) for s, e, _ in v] for k, v in rows.items()}


def macro_f1(per: dict[str, PRF], gold_labels: set[str]) -> float:
    """Mean F1 over the techniques that have gold rows."""
    labels = [label for label in LABELS if label in gold_labels]
    return sum(per[label].f1 for label in labels) / len(labels) if labels else 0.0


def fold_figures(
    fold: Fold, others: Sequence[Fold], log: Log | None = None, sentences: bool = True, bias: bool = False
) -> dict[str, Any]:
    """Figures of ``fold`` with settings tuned on, and spans calibrated by a map fitted on, ``others``."""
    settings = tune(others, log, bias=bias)
    si = si_of([fold], settings)
    tc, tc_per = tc_of([fold], settings.token_blend, settings.technique_bias)
    flc, flc_per = flc_of([fold], settings)
    gold_labels = {s.technique for a in fold.articles for s in a.spans}
    raw_scores, hits = _hits([fold], settings)
    mapped = score_map(others, settings)
    calibrated = [float(mapped(s)) for s in raw_scores]
    figures: dict[str, Any] = {
        "fold": fold.index,
        "articles": len(fold.articles),
        "settings": settings.to_dict(),
        "si": si.to_dict(),
        "tc": tc,
        "macro_tc": macro_f1(tc_per, gold_labels),
        "flc": flc.to_dict(),
        "ece": ece(calibrated, hits),
        "ece_raw": ece(raw_scores, hits),
        "spans": len(raw_scores),
        "per_technique": {
            label: {"tc": tc_per[label].f1, "flc": flc_per.get(label, PRF(0, 0, 0)).f1}
            for label in LABELS
            if label in gold_labels
        },
        "scores": list(zip(calibrated, hits, strict=True)),  # pooled for the overall ECE
        "oof": _oof_rows(fold, settings, mapped),
    }
    if sentences:
        si_lines, flc_lines = sentence_mode(fold, settings)
        figures["sentence_si"], figures["sentence_flc"] = si_lines.to_dict(), flc_lines.to_dict()
    if log:
        log(
            f"fold {fold.index}: SI {si.f1:.4f}  TC {tc:.4f}  macro TC {figures['macro_tc']:.4f}  "
            f"FLC {flc.f1:.4f}  ECE {figures['ece']:.4f}"
            + (f"  sentence SI {figures['sentence_si']['f1']:.4f}" if sentences else "")
        )
    return figures


def _oof_rows(fold: Fold, settings: Settings, mapped: Calibrator) -> list[dict[str, Any]]:
    """The fold's out-of-fold predictions: spans (raw and calibrated score) at its settings, and
    the technique distribution of every gold span at its blend (for calibration and analysis)."""
    rows = []
    probs = fold.technique_probs(settings.token_blend)
    if settings.technique_bias is not None:
        probs = [p * np.exp(np.asarray(settings.technique_bias)) for p in probs]
        probs = [p / p.sum(axis=1, keepdims=True) for p in probs]
    for article, doc, p in zip(fold.articles, fold.documents(settings), probs, strict=True):
        rows.append(
            {
                "id": article.id,
                "fold": fold.index,
                "spans": [
                    [s.start, s.end, s.technique, s.score, round(float(mapped(s.score)), 4)]
                    for s in doc.spans
                ],
                "gold": [
                    [g.start, g.end, g.technique, [round(float(v), 4) for v in row]]
                    for g, row in zip(article.spans, p, strict=True)
                ],
            }
        )
    return rows


def read_report(directory: str | Path) -> dict[str, Any]:
    """The cross-validation report of a run directory (``propscan evaluate --folds K --output DIR``)."""
    path = Path(directory) / REPORT
    how = "run 'propscan evaluate --folds K --output DIR'"
    try:
        report = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is not a cross-validation report ({exc}): {how}") from exc
    if not isinstance(report, dict) or not {"settings", "summary", "calibration"} <= set(report):
        raise DataError(f"{path} is not a complete cross-validation report: {how}")
    return report


def mean_sd(values: Sequence[float]) -> dict[str, float]:
    return {
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
        "se": statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0,
    }


def cross_validate_folds(
    folds: Sequence[Fold], log: Log | None = None, sentences: bool = True, bias: bool = False
) -> dict[str, Any]:
    """Every fold's figures (nested), their mean ± sd, and the settings and score map chosen on
    all folds together (what a model trained on all articles ships with)."""
    per_fold = [fold_figures(f, [o for o in folds if o is not f], log, sentences, bias) for f in folds]
    pooled = [pair for fig in per_fold for pair in fig.pop("scores")]
    oof = [row for fig in per_fold for row in fig.pop("oof")]
    headline = {
        "si": [f["si"]["f1"] for f in per_fold],
        "tc": [f["tc"] for f in per_fold],
        "macro_tc": [f["macro_tc"] for f in per_fold],
        "flc": [f["flc"]["f1"] for f in per_fold],
        "ece": [f["ece"] for f in per_fold],
        "ece_raw": [f["ece_raw"] for f in per_fold],
    }
    if sentences:
        headline["sentence_si"] = [f["sentence_si"]["f1"] for f in per_fold]
        headline["sentence_gap"] = [f["si"]["f1"] - f["sentence_si"]["f1"] for f in per_fold]
    per_technique = {
        label: {
            task: mean_sd([f["per_technique"][label][task] for f in per_fold if label in f["per_technique"]])
            for task in ("tc", "flc")
        }
        for label in LABELS
        if any(label in f["per_technique"] for f in per_fold)
    }
    final = tune(folds, log, bias=bias)
    mapped = score_map(folds, final)
    scores, hits = _hits(folds, final)
    return {
        "oof": oof,
        "folds": len(folds),
        "summary": {k: mean_sd(v) for k, v in headline.items()},
        "ece_pooled": ece([s for s, _ in pooled], [h for _, h in pooled]),
        "per_fold": per_fold,
        "per_technique": per_technique,
        "settings": final.to_dict(),
        "calibration": mapped.to_json(),
        "calibration_fit": {
            "on": f"out-of-fold spans of {len(folds)} fold models",
            "method": "isotonic",
            "folds": len(folds),
            "spans": len(scores),
            "share_right": sum(hits) / max(len(hits), 1),
        },
    }


__all__ = [
    "GRID",
    "SETTINGS",
    "Fold",
    "Settings",
    "cross_validate_folds",
    "fit_bias",
    "fold_figures",
    "mean_sd",
    "read_report",
    "tune",
]
