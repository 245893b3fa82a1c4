"""Score a detector on a corpus split: SI and FLC from its spans, TC from classifying gold spans."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .calibration import PlattMap, ece, fit_platt, reliability, span_hits
from .document import Document, Span
from .errors import ModelError
from .io.ptc import load_split
from .metrics import PRF, flc_score, si_score, tc_score


class Evaluable(Protocol):
    """What evaluate() needs of a detector (propscan.Detector has it)."""

    def analyze_many(
        self, texts: Iterable[str], *, progress: Callable[[int], None] | None = None
    ) -> list[Document]: ...

    def classify(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[str]: ...


@dataclass(frozen=True)
class EvalReport:
    si: PRF
    tc: float  # micro-F1 = accuracy over gold rows
    flc: PRF
    per_technique: dict[str, dict[str, PRF]]  # label -> {"tc": PRF, "flc": PRF}
    n_articles: int
    n_gold_spans: int  # gold label rows; a span with k techniques counts k times
    ece: float = 0.0  # expected calibration error of the predicted spans' scores (see calibration)
    reliability: tuple[dict, ...] = ()  # per score bin: n, mean score, share right

    def to_dict(self) -> dict[str, Any]:
        return {
            "si": self.si.to_dict(),
            "tc": self.tc,
            "flc": self.flc.to_dict(),
            "per_technique": {
                label: {task: score.to_dict() for task, score in scores.items()}
                for label, scores in self.per_technique.items()
            },
            "n_articles": self.n_articles,
            "n_gold_spans": self.n_gold_spans,
            "ece": self.ece,
            "reliability": list(self.reliability),
        }


def evaluate(
    detector: Evaluable,
    data_dir: str | Path,
    split: str = "val",
    *,
    progress: Callable[[int], None] | None = None,
) -> EvalReport:
    """Run ``detector`` on the articles of ``split`` in ``data_dir`` (laid out like the PTC) and
    score SI, TC and FLC against the gold spans. ``progress(n)`` is called as work finishes: twice
    per article (once analyzed, once its gold spans are classified)."""
    articles = load_split(data_dir, split)
    docs = detector.analyze_many([a.text for a in articles], progress=progress)
    if len(docs) != len(articles):
        raise ModelError(f"analyze_many returned {len(docs)} documents for {len(articles)} texts")
    flc_pred = {
        a.id: [(s.start, s.end, s.technique) for s in d.spans] for a, d in zip(articles, docs, strict=True)
    }
    flc_gold = {a.id: [(s.start, s.end, s.technique) for s in a.spans] for a in articles}
    si = si_score(
        {k: [(s, e) for s, e, _ in v] for k, v in flc_pred.items()},
        {k: [(s, e) for s, e, _ in v] for k, v in flc_gold.items()},
    )
    flc, flc_per = flc_score(flc_pred, flc_gold)
    hits = [h for a, d in zip(articles, docs, strict=True) for h in span_hits(d, a.to_document())]

    tc_pred, tc_gold = [], []
    for article in articles:
        gold_spans = [(s.start, s.end) for s in article.spans]
        labels = detector.classify(article.text, gold_spans)
        if progress:
            progress(1)
        if len(labels) != len(gold_spans):
            raise ModelError(
                f"classify returned {len(labels)} labels for {len(gold_spans)} spans of article {article.id}"
            )
        tc_pred += [(article.id, s, e, label) for (s, e), label in zip(gold_spans, labels, strict=True)]
        tc_gold += [(article.id, s.start, s.end, s.technique) for s in article.spans]
    tc, tc_per = tc_score(tc_pred, tc_gold)

    zero = PRF(0.0, 0.0, 0.0)  # a label only one task saw (a detector may predict an unknown one)
    per_technique = {
        label: {"tc": tc_per.get(label, zero), "flc": flc_per.get(label, zero)}
        for label in dict.fromkeys([*flc_per, *tc_per])
    }
    scores, right = [s for s, _ in hits], [h for _, h in hits]
    return EvalReport(
        si,
        tc,
        flc,
        per_technique,
        len(articles),
        len(tc_gold),
        ece(scores, right),
        tuple(reliability(scores, right)),
    )


def cross_fitted_calibration(
    detector: Evaluable, data_dir: str | Path, val: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Calibrate on val where fold models cost too much (an MPNet model or an ensemble on 2 CPU
    cores): a Platt map (two numbers; an isotonic map follows the noise of a few hundred spans) is
    fitted on the raw scores of every span ``detector`` (uncalibrated) predicts for the val
    articles. The ECE reported is cross-fitted: each half of the articles (alternate ones) scored
    by the map fitted on the other half, so no span is scored by a map that saw its own article.
    Because one split of 37 articles is itself noisy, the mean and spread of the same figure over
    ``HALVES`` random halvings go in the report too. Returns the config entries (``calibration``,
    ``calibration_fit``) and ``val`` (a report of the same detector) with the cross-fitted ECE and
    reliability."""
    articles = load_split(data_dir, "val")
    docs = detector.analyze_many([a.text for a in articles])
    per = [span_hits(d, a.to_document()) for a, d in zip(articles, docs, strict=True)]
    alternate = (list(range(0, len(per), 2)), list(range(1, len(per), 2)))
    if not all(any(per[i] for i in half) for half in alternate):
        raise ModelError(
            f"calibration on val needs spans predicted on both halves of the val articles of {data_dir}; "
            "this model predicted too few spans: check it on 'propscan evaluate' first"
        )
    scores, right = _cross_fitted(per, alternate)
    rng = np.random.default_rng(0)
    spread = []
    for _ in range(HALVES):
        order = rng.permutation(len(per))
        halves = (sorted(order[: len(per) // 2]), sorted(order[len(per) // 2 :]))
        if all(any(per[i] for i in half) for half in halves):
            spread.append(ece(*_cross_fitted(per, halves)))
    everything = [h for hits in per for h in hits]
    a, b = fit_platt([s for s, _ in everything], [r for _, r in everything])
    calibration = {
        "calibration": PlattMap(a, b).to_json(),
        "calibration_fit": {
            "on": "val, cross-fitted over alternate articles",
            "method": "platt",
            "spans": len(everything),
            "share_right": sum(r for _, r in everything) / len(everything),
        },
    }
    val = {
        **val,
        "ece_uncalibrated": val["ece"],
        "reliability_uncalibrated": val["reliability"],
        "ece": ece(scores, right),
        "ece_random_halves": {"n": len(spread), "mean": float(np.mean(spread)), "sd": float(np.std(spread))},
        "reliability": reliability(scores, right),
    }
    return calibration, val


def val_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a val report (as a dict) that a model config records."""
    return {
        "si": report["si"]["f1"],
        "tc": report["tc"],
        "flc": report["flc"]["f1"],
        "ece": report.get("ece"),
    }


HALVES = 30  # random halvings of val for the spread of the cross-fitted ECE


def _cross_fitted(
    per: list[list[tuple[float, bool]]], halves: tuple[list[int], list[int]]
) -> tuple[list[float], list[bool]]:
    """Every span's score under the Platt map fitted on the other half's articles, and its hit."""
    scores: list[float] = []
    right: list[bool] = []
    for held, fit in (halves, halves[::-1]):
        fitted = [h for i in fit for h in per[i]]
        cal = PlattMap(*fit_platt([s for s, _ in fitted], [r for _, r in fitted]))
        for i in held:
            scores += [float(cal(s)) for s, _ in per[i]]
            right += [r for _, r in per[i]]
    return scores, right


__all__ = ["EvalReport", "Evaluable", "cross_fitted_calibration", "evaluate", "val_summary"]
