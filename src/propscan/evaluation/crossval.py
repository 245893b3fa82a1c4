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
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.calibration import Calibrator
from ..errors import DataError
from ..io.writers import atomic_output
from ..techniques import LABELS
from .calibrate import ece, fit_isotonic
from .folds import SETTINGS, Fold, Settings, flc_of, hits_of, macro_f1, sentence_mode, si_of, tc_of
from .metrics import PRF

GRID: dict[str, tuple[float, ...]] = {
    # wide enough that the fast recipe's choices (threshold 0.25, lone tokens 0.5, blend 0.5 on
    # the first grid) sit inside it, not at its edge
    "threshold": (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15),
    "single_token_threshold": (1.01, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3),
    "token_blend": (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    "multi_label_threshold": (0.2, 0.3, 0.4, 0.5, 1.01),
}
# the token threshold for texts of a few sentences, chosen on lines analysed alone; None: as articles
SHORT_GRID: tuple[float | None, ...] = (None, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
REPORT = "cv_report.json"  # in a cross-validation run directory
OOF = "oof.jsonl"  # its out-of-fold predictions, one article per line
BIAS_GRID = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)  # log offsets tried per technique
Log = Callable[[str], Any]


def tune(
    folds: Sequence[Fold], log: Log | None = None, *, bias: bool = False, short: bool = False
) -> Settings:
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
    if short:

        def alone(value: float | None) -> float:
            return sentence_mode(folds, replace(chosen, short_threshold=value))[0].f1

        chosen = replace(chosen, short_threshold=best(SHORT_GRID, alone))
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
    scores, hits = hits_of(folds, settings)
    if not scores:
        raise ValueError("no spans to calibrate on: the fold models predicted none")
    x, y = fit_isotonic(scores, hits)
    return Calibrator(tuple(x), tuple(y))


def fold_figures(
    fold: Fold,
    others: Sequence[Fold],
    log: Log | None = None,
    sentences: bool = True,
    bias: bool = False,
    short: bool = False,
) -> dict[str, Any]:
    """Figures of ``fold`` with settings tuned on, and spans calibrated by a map fitted on, ``others``."""
    settings = tune(others, log, bias=bias, short=short)
    si = si_of([fold], settings)
    tc, tc_per = tc_of([fold], settings.token_blend, settings.technique_bias)
    flc, flc_per = flc_of([fold], settings)
    gold_labels = {s.technique for a in fold.articles for s in a.spans}
    raw_scores, hits = hits_of([fold], settings)
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
        si_lines, flc_lines = sentence_mode([fold], settings)
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


def write_run(directory: str | Path, report: dict[str, Any]) -> dict[str, Any]:
    """Write ``report`` (from :func:`cross_validate_folds`) into a run directory: its out-of-fold
    rows to ``oof.jsonl``, the rest to ``cv_report.json``, each whole or not at all (a run stopped
    while writing keeps its previous files). Returns the report without the rows."""
    out = Path(directory)
    rows = report.pop("oof")
    with atomic_output(out / OOF) as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    with atomic_output(out / REPORT) as fh:
        fh.write(json.dumps(report, indent=2) + "\n")
    return report


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
    folds: Sequence[Fold],
    log: Log | None = None,
    sentences: bool = True,
    bias: bool = False,
    short: bool = False,
) -> dict[str, Any]:
    """Every fold's figures (nested), their mean ± sd, and the settings and score map chosen on
    all folds together (what a model trained on all articles ships with)."""
    per_fold = [
        fold_figures(f, [o for o in folds if o is not f], log, sentences, bias, short and sentences)
        for f in folds
    ]
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
    final = tune(folds, log, bias=bias, short=short and sentences)
    mapped = score_map(folds, final)
    scores, hits = hits_of(folds, final)
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
