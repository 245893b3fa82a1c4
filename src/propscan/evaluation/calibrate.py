"""Fitting and judging calibration maps: which predicted spans are right, isotonic and Platt fits,
expected calibration error and the reliability plot. The maps themselves live in
:mod:`propscan.engine.calibration`, where inference applies them."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..document import Document
from ..engine.calibration import PlattMap, logit
from ..errors import ModelError
from ..io.ptc import load_split

BINS = 10  # equal-width bins for ECE and the reliability plot


def span_hits(predicted: Document, gold: Document) -> list[tuple[float, bool]]:
    """(raw score, right?) for every predicted span."""
    by_label: dict[str, list[tuple[int, int]]] = {}
    for g in gold.spans:
        by_label.setdefault(g.technique, []).append((g.start, g.end))
    out = []
    for p in predicted.spans:
        hit = any(s < p.end and p.start < e for s, e in by_label.get(p.technique, ()))
        out.append((float(p.score if p.score is not None else 0.0), hit))
    return out


def fit_isotonic(scores: Sequence[float], hits: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: the non-decreasing step function of score that best fits the hits
    (least squares), as breakpoints (x, y) for np.interp. Needs at least one span."""
    if not len(scores):
        raise ValueError("cannot calibrate on zero spans")
    order = np.argsort(np.asarray(scores, dtype=np.float64), kind="stable")
    x = np.asarray(scores, dtype=np.float64)[order]
    y = np.asarray(hits, dtype=np.float64)[order]
    blocks: list[list[float]] = []  # [sum of y, count, min x, max x]
    for xi, yi in zip(x, y, strict=True):
        blocks.append([yi, 1.0, xi, xi])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            total, count, _, hi = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
            blocks[-1][3] = hi
    xs, ys = [], []
    for total, count, lo, hi in blocks:
        mean = total / count
        xs += [lo, hi] if hi > lo else [lo]
        ys += [mean, mean] if hi > lo else [mean]
    return [round(v, 6) for v in xs], [round(v, 6) for v in ys]


def fit_platt(scores: Sequence[float], hits: Sequence[bool], prior: float = 1.0) -> tuple[float, float]:
    """Platt scaling: P(right) = sigmoid(a * logit(score) + b), (a, b) by Newton's method on the
    log loss. ``prior`` is a small ridge pulling (a, b) toward the identity (1, 0), which keeps the
    fit finite when every span is right or every span is wrong. Needs at least one span."""
    if not len(scores):
        raise ValueError("cannot calibrate on zero spans")
    x = logit(np.asarray(scores, dtype=np.float64))
    y = np.asarray(hits, dtype=np.float64)
    w = np.array([1.0, 0.0])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(w[0] * x + w[1])))
        grad = np.array([np.sum((p - y) * x), np.sum(p - y)]) + prior * (w - [1.0, 0.0])
        v = p * (1 - p)
        hess = np.array([[np.sum(v * x * x), np.sum(v * x)], [np.sum(v * x), np.sum(v)]]) + prior * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return round(float(w[0]), 6), round(float(w[1]), 6)


def ece(scores: Iterable[float], hits: Iterable[bool], bins: int = BINS) -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width score bins,
    weighted by the share of spans in each bin."""
    rows = reliability(scores, hits, bins)
    total = sum(r["n"] for r in rows)
    return sum(r["n"] * abs(r["accuracy"] - r["confidence"]) for r in rows) / max(total, 1)


def reliability(scores: Iterable[float], hits: Iterable[bool], bins: int = BINS) -> list[dict]:
    """Per non-empty bin: its range, span count, mean score (confidence) and share right (accuracy)."""
    s = np.asarray(list(scores), dtype=np.float64)
    h = np.asarray(list(hits), dtype=np.float64)
    which = np.clip((s * bins).astype(int), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            rows.append(
                {
                    "lo": b / bins,
                    "hi": (b + 1) / bins,
                    "n": int(inside.sum()),
                    "confidence": float(s[inside].mean()),
                    "accuracy": float(h[inside].mean()),
                }
            )
    return rows


def reliability_svg(rows: list[dict], title: str) -> str:
    """A small self-contained reliability diagram: accuracy per bin against the diagonal."""
    size, pad = 240, 30
    inner = size - 2 * pad

    def px(v: float) -> float:
        return pad + v * inner

    def py(v: float) -> float:
        return size - pad - v * inner

    bars = "".join(
        f'<rect x="{px(r["lo"]) + 1:.1f}" y="{py(r["accuracy"]):.1f}" width="{inner / BINS - 2:.1f}" '
        f'height="{r["accuracy"] * inner:.1f}" fill="#4c78a8"><title>{r["lo"]:.1f}-{r["hi"]:.1f}: '
        f"{r['n']} spans, mean score {r['confidence']:.2f}, right {r['accuracy']:.2f}</title></rect>"
        for r in rows
    )
    dots = "".join(
        f'<circle cx="{px(r["confidence"]):.1f}" cy="{py(r["accuracy"]):.1f}" r="2.5"/>' for r in rows
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 20}" '
        f'font-family="sans-serif" font-size="10"><text x="{pad}" y="14">{html.escape(title)}</text>'
        '<g transform="translate(0,10)">'
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>{bars}'
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" stroke="#d62728" stroke-dasharray="4 3"/>'
        f'{dots}<text x="{pad}" y="{size - 8}">score (0 to 1)</text>'
        f'<text x="4" y="{pad - 6}">share right</text></g></svg>\n'
    )


class _Analyzer(Protocol):
    def analyze_many(
        self, texts: Iterable[str], *, progress: Callable[[int], None] | None = None
    ) -> list[Document]: ...


HALVES = 30  # random halvings of val for the spread of the cross-fitted ECE


def cross_fitted_calibration(
    detector: _Analyzer, data_dir: str | Path, val: dict[str, Any]
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
