"""Calibrated span scores: a span's score is the probability that it is right.

"Right" means what a reader of the output cares about: some gold span of the same technique
overlaps the predicted span (at least one character in common). The raw score of a predicted span
(mean token probability x technique probability) ranks spans well but is not a probability; a
map fitted on spans predicted for held-out articles (never the articles it is reported on) turns it
into one. Two maps, stored in the model's config and applied with numpy only:

- isotonic (breakpoints, linear interpolation): for the thousands of spans that fold models of
  the training split predict;
- Platt (a logistic curve of the score's logit, two numbers): for the few hundred spans of the
  small val split, where an isotonic map follows the noise of the articles it was fitted on.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .document import Document
from .errors import ModelError

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


def _logit(score: float | np.ndarray) -> np.ndarray:
    s = np.clip(np.asarray(score, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.log(s / (1 - s))


def fit_platt(scores: Sequence[float], hits: Sequence[bool], prior: float = 1.0) -> tuple[float, float]:
    """Platt scaling: P(right) = sigmoid(a * logit(score) + b), (a, b) by Newton's method on the
    log loss. ``prior`` is a small ridge pulling (a, b) toward the identity (1, 0), which keeps the
    fit finite when every span is right or every span is wrong. Needs at least one span."""
    if not len(scores):
        raise ValueError("cannot calibrate on zero spans")
    x = _logit(np.asarray(scores, dtype=np.float64))
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


@dataclass(frozen=True)
class PlattMap:
    """sigmoid(a * logit(score) + b): a two-number calibration map."""

    a: float
    b: float

    def to_json(self) -> dict:
        return {"method": "platt", "a": self.a, "b": self.b}

    def __call__(self, score: float | np.ndarray) -> float | np.ndarray:
        out = 1 / (1 + np.exp(-(self.a * _logit(score) + self.b)))
        return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class Calibrator:
    """An isotonic calibration map: breakpoints (x, y), linear interpolation between them."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    @classmethod
    def from_json(cls, data: dict | None) -> Calibrator | PlattMap | None:
        """The map a model config stores (either method), or None for a model without one."""
        if not data:
            return None
        method = data.get("method", "isotonic")
        try:
            if method == "platt":
                return PlattMap(float(data["a"]), float(data["b"]))
            if method == "isotonic":
                return cls(tuple(map(float, data["x"])), tuple(map(float, data["y"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"the model's calibration map is malformed ({exc}): retrain or recalibrate the model"
            ) from exc
        raise ModelError(
            f"the model's calibration method {method!r} is unknown to this propscan version "
            "(it knows 'isotonic' and 'platt'): upgrade propscan"
        )

    def to_json(self) -> dict:
        return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}

    def __call__(self, score: float | np.ndarray) -> float | np.ndarray:
        return np.interp(score, self.x, self.y)


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
