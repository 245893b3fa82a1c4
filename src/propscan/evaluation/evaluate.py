"""Score a detector on a corpus split: SI and FLC from its spans, TC from classifying gold spans."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..document import Document, Span
from ..errors import ModelError
from ..io.ptc import load_split
from .calibrate import ece, reliability, span_hits
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


def val_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a val report (as a dict) that a model config records."""
    return {
        "si": report["si"]["f1"],
        "tc": report["tc"],
        "flc": report["flc"]["f1"],
        "ece": report.get("ece"),
    }


__all__ = ["EvalReport", "Evaluable", "evaluate", "val_summary"]
