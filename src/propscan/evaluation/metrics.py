"""SI, TC and FLC scores exactly as the PTC corpus README defines them.

Spans are half-open ``(start, end)`` character offsets. Two spans *overlap* when they share at
least one character, so touching spans ``[a, b)`` and ``[b, c)`` stay separate when spans are
merged. Every ratio with a zero denominator is 0 (no predictions -> precision 0, no gold ->
recall 0), and F1 is 0 when precision and recall are both 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import DataError, InvalidSpanError
from ..techniques import LABELS


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_ratios(cls, precision: float, recall: float) -> PRF:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1)

    def to_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def _div(num: float, den: float) -> float:
    return num / den if den else 0.0


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of spans that share at least one character; touching spans are kept apart."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
            raise InvalidSpanError(f"span ({start!r}, {end!r}) needs integers with 0 <= start < end")
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


@dataclass
class _Sums:
    """Running numerators and denominators of the SI formula."""

    p_num: float = 0.0  # sum over s, t of |s & t| / |s|
    r_num: float = 0.0  # sum over s, t of |s & t| / |t|
    n_pred: int = 0  # |S|
    n_gold: int = 0  # |T|

    def add(self, pred: Iterable[tuple[int, int]], gold: Iterable[tuple[int, int]]) -> None:
        s_spans, t_spans = merge_spans(pred), merge_spans(gold)
        self.n_pred += len(s_spans)
        self.n_gold += len(t_spans)
        # Both lists are sorted and internally disjoint, so one sweep finds every intersection.
        i = j = 0
        while i < len(s_spans) and j < len(t_spans):
            (s0, s1), (t0, t1) = s_spans[i], t_spans[j]
            inter = min(s1, t1) - max(s0, t0)
            if inter > 0:
                self.p_num += inter / (s1 - s0)
                self.r_num += inter / (t1 - t0)
            if s1 <= t1:
                i += 1
            else:
                j += 1

    def prf(self) -> PRF:
        return PRF.from_ratios(_div(self.p_num, self.n_pred), _div(self.r_num, self.n_gold))


def si_score(
    pred: Mapping[str, Iterable[tuple[int, int]]], gold: Mapping[str, Iterable[tuple[int, int]]]
) -> PRF:
    """Span identification: technique-agnostic overlap credit, summed over all articles that
    appear in either mapping before dividing."""
    sums = _Sums()
    for article in sorted(pred.keys() | gold.keys()):
        sums.add(pred.get(article, ()), gold.get(article, ()))
    return sums.prf()


def _by_technique(
    rows: Mapping[str, Iterable[tuple[int, int, str]]],
) -> dict[tuple[str, str], list[tuple[int, int]]]:
    grouped: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for article, spans in rows.items():
        for start, end, technique in spans:
            grouped[(article, technique)].append((start, end))
    return grouped


def _label_order(seen: Iterable[str]) -> list[str]:
    """Every corpus label in README order, then any other label seen, sorted."""
    return [*LABELS, *sorted(set(seen) - set(LABELS))]


def flc_score(
    pred: Mapping[str, Iterable[tuple[int, int, str]]], gold: Mapping[str, Iterable[tuple[int, int, str]]]
) -> tuple[PRF, dict[str, PRF]]:
    """Fragment-level classification: the SI formula where a predicted span earns credit only
    against gold spans of its own technique. Spans are merged per (article, technique); |S| and
    |T| count merged spans of all techniques. Returns the overall and the per-technique scores."""
    p_groups, g_groups = _by_technique(pred), _by_technique(gold)
    total = _Sums()
    per: dict[str, _Sums] = defaultdict(_Sums)
    for key in sorted(p_groups.keys() | g_groups.keys()):
        p_spans, g_spans = p_groups.get(key, []), g_groups.get(key, [])
        total.add(p_spans, g_spans)
        per[key[1]].add(p_spans, g_spans)
    return total.prf(), {label: per[label].prf() for label in _label_order(per)}


def tc_score(
    pred: Sequence[tuple[str, int, int, str]], gold: Sequence[tuple[str, int, int, str]]
) -> tuple[float, dict[str, PRF]]:
    """Technique classification on given spans; rows are (article_id, start, end, technique).

    Rows are grouped by (article, start, end). A gold span with k labels needs exactly k predicted
    rows; they are matched to the gold labels to maximise agreement (multiset intersection).
    Returns micro-F1 (= accuracy over gold rows) and per-technique precision/recall/F1.
    Raises DataError for a gold row without a prediction or a prediction without a gold row.
    """
    gold_groups: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    pred_groups: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    for article, start, end, technique in gold:
        gold_groups[(article, start, end)][technique] += 1
    for article, start, end, technique in pred:
        pred_groups[(article, start, end)][technique] += 1
    for key, labels in gold_groups.items():
        n_pred, n_gold = pred_groups[key].total(), labels.total()
        if n_pred < n_gold:
            raise DataError(
                f"gold row (article {key[0]}, {key[1]}, {key[2]}) has {n_gold} label(s) but "
                f"{n_pred} prediction row(s); predict one technique per gold row"
            )
    for key, labels in pred_groups.items():
        if labels.total() > gold_groups[key].total():
            raise DataError(
                f"prediction row (article {key[0]}, {key[1]}, {key[2]}) has no matching gold row; "
                "predict only for the gold spans, once per gold label"
            )
    correct: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for key, labels in gold_groups.items():
        correct += labels & pred_groups[key]
        predicted += pred_groups[key]
        expected += labels
    micro = _div(correct.total(), expected.total())
    per = {
        label: PRF.from_ratios(_div(correct[label], predicted[label]), _div(correct[label], expected[label]))
        for label in _label_order(predicted | expected)
    }
    return micro, per


__all__ = ["PRF", "flc_score", "merge_spans", "si_score", "tc_score"]
