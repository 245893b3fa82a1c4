"""Analyses of a cross-validation run's out-of-fold predictions (`oof.jsonl`): no model is run.

    python bench/oof.py lines RUN      what a line-by-line analysis must lose: article-mode spans
                                       cut at every line break, SI against the uncut spans
    python bench/oof.py split RUN      the run's figures on one split's articles (default: val),
                                       each scored by the fold model that never saw it
    python bench/oof.py features RUN   span features stacked on the technique distributions:
                                       TC and macro TC, paired by fold, settings chosen nested

Every figure is per fold, then mean ± sd, and a difference is paired by fold with its standard
error (docs/experiments.md: under two standard errors is no decision). TC here takes each gold
span's top technique (its top k where it carries k labels), as `propscan evaluate` does at a
multi-label cut-off above 1.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from propscan.evaluation.metrics import si_score, tc_score
from propscan.techniques import LABELS

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "ptc"
# cue words of the techniques the model confuses most (docs/experiments.md, row CV8)
CUES = {
    "either_or": r"\b(either|or|only|no other|two (choices|options))\b",
    "contrast": r"\b(what about|but|while|yet|even|whereas)\b",
    "cause": r"\b(because|since|so|therefore|thus|due to|caused?|leads? to|result)\b",
    "authority": r"\b(said|says|according|expert|scientist|professor|dr\.?|study|report)\b",
    "fear": r"\b(will|could|threat|danger|kill|destroy|death|terror|crisis|war)\b",
    "doubt": r"\b(really|question|whether|why|how|claim(ed|s)?|alleged|so-called)\b",
    "flag": r"\b(america|american|nation|country|patriot|people|our|we)\b",
    "cliche": r"\b(period|that's it|enough|end of story|so be it|it is what it is|move on)\b",
    "absolute": r"\b(never|always|all|every|nothing|most|best|worst|greatest|huge|total)\b",
    "reductio": r"\b(hitler|nazi|fascis\w*|communis\w*|everyone|majority|millions)\b",
}
L2_GRID = (0.01, 0.1, 1.0)  # ridge on the stacked weights
BALANCE_GRID = (0.0, 0.25, 0.5, 0.75)  # each span's weight in the fit: its technique's count^-b


def read_run(run: Path, data: Path) -> tuple[list[dict], dict[str, str]]:
    rows = [json.loads(line) for line in (run / "oof.jsonl").read_text("utf-8").splitlines() if line]
    texts = {r["id"]: (data / "train-articles" / f"article{r['id']}.txt").read_text("utf-8") for r in rows}
    return rows, texts


def cut_at_lines(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans cut at every line break (the break itself dropped), as lines analysed alone get."""
    pieces = []
    for start, end in spans:
        for line in re.finditer(r"[^\n]+", text[start:end]):
            pieces.append((start + line.start(), start + line.end()))
    return pieces


def _spans(row: dict, key: str) -> list[tuple[int, int]]:
    return [(s[0], s[1]) for s in row[key]]


def tc_of(rows: Sequence[dict], logits: Sequence[np.ndarray]) -> tuple[float, float]:
    """TC micro-F1 and macro-F1 (over the techniques present in the gold) of per-gold-span logits."""
    pred, gold = [], []
    for row, scores in zip(rows, logits, strict=True):
        groups: dict[tuple[int, int], list[int]] = {}
        for i, g in enumerate(row["gold"]):
            groups.setdefault((g[0], g[1]), []).append(i)
        for (start, end), members in groups.items():
            order = np.argsort(-scores[members[0]], kind="stable")
            for rank, i in enumerate(members):
                gold.append((row["id"], start, end, row["gold"][i][2]))
                pred.append((row["id"], start, end, LABELS[int(order[rank])]))
    micro, per = tc_score(pred, gold)
    present = {g[3] for g in gold}
    return micro, statistics.fmean(per[label].f1 for label in present)


def log_probs(row: dict) -> np.ndarray:
    return np.log(
        np.clip(np.asarray([g[3] for g in row["gold"]], dtype=float).reshape(-1, len(LABELS)), 1e-6, 1)
    )


def span_cues(text: str, start: int, end: int) -> list[float]:
    """Features of one span the encoder's window may not show: shape, punctuation, cue words."""
    span = text[start:end]
    low = span.lower()
    words = re.findall(r"\w+", low)
    norm = " ".join(words)
    article = " ".join(re.findall(r"\w+", text.lower()))
    repeated = float(len(norm) > 2 and article.count(norm) > 1)
    shape = [
        math.log1p(len(span)),
        math.log1p(len(words)),
        repeated,
        float("!" in span),
        float("?" in span),
        float('"' in span or "\u201c" in span),
        float(span[:1].isupper()),
        start / max(len(text), 1),
        float("\n" in span),
        sum(c.isupper() for c in span) / max(len(span), 1),
    ]
    return shape + [float(bool(re.search(p, low))) for p in CUES.values()]


def fit_offsets(x: np.ndarray, base: np.ndarray, y: np.ndarray, l2: float, balance: float) -> np.ndarray:
    """Weights W of logits = base + [x, 1] W: a multinomial fit on top of the fold model's log
    probabilities, which stay as they are (coefficient 1), by gradient descent (no sklearn here)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros((x1.shape[1], len(LABELS)))
    onehot = np.eye(len(LABELS))[y]
    weight = np.bincount(y, minlength=len(LABELS))[y] ** -balance
    step = 0.5 / (1 + l2)  # stable for any ridge
    for _ in range(500):
        s = base + x1 @ w
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        w -= step * (x1.T @ ((p - onehot) * weight[:, None]) / weight.sum() + l2 * w)
    return w


class Stack:
    """Gold spans of all rows as arrays, so fold subsets are index sets."""

    def __init__(self, rows: Sequence[dict], texts: dict[str, str]) -> None:
        self.rows = list(rows)
        self.base = [log_probs(r) for r in self.rows]
        feats = [
            np.asarray([span_cues(texts[r["id"]], g[0], g[1]) for g in r["gold"]], dtype=float).reshape(
                -1, 10 + len(CUES)
            )
            for r in self.rows
        ]
        self.x = feats
        self.y = [np.asarray([LABELS.index(g[2]) for g in r["gold"]], dtype=int) for r in self.rows]
        self.fold = np.asarray([r["fold"] for r in self.rows])

    def score(self, train: np.ndarray, test: np.ndarray, l2: float, balance: float) -> tuple[float, float]:
        """TC and macro TC on the rows ``test`` of weights fitted on the rows ``train``."""
        x = np.vstack([self.x[i] for i in train])
        mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
        w = fit_offsets(
            (x - mu) / sd,
            np.vstack([self.base[i] for i in train]),
            np.concatenate([self.y[i] for i in train]),
            l2,
            balance,
        )
        logits = [
            self.base[i] + np.hstack([(self.x[i] - mu) / sd, np.ones((len(self.x[i]), 1))]) @ w for i in test
        ]
        return tc_of([self.rows[i] for i in test], logits)

    def nested(self, k: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """Fold k's (TC, macro) stacked, with l2 and balance chosen on the other folds alone (each
        in turn held out; objective the mean of TC and macro), and the chosen setting."""
        others = [f for f in sorted(set(self.fold)) if f != k]

        def inner(setting: tuple[float, float]) -> float:
            scores = []
            for j in others:
                train = np.flatnonzero((self.fold != k) & (self.fold != j))
                scores.append(sum(self.score(train, np.flatnonzero(self.fold == j), *setting)) / 2)
            return statistics.fmean(scores)

        setting = max(((l2, b) for l2 in L2_GRID for b in BALANCE_GRID), key=inner)
        return self.score(np.flatnonzero(self.fold != k), np.flatnonzero(self.fold == k), *setting), setting


def _summary(name: str, values: Sequence[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{name} {statistics.fmean(values):.4f} ± {sd:.4f}"


def _paired(name: str, a: Sequence[float], b: Sequence[float]) -> str:
    diff = [y - x for x, y in zip(a, b, strict=True)]
    se = statistics.stdev(diff) / math.sqrt(len(diff)) if len(diff) > 1 else 0.0
    verdict = "no decision (< 2 se)" if abs(statistics.fmean(diff)) < 2 * se or se == 0 else "decision"
    return f"{name} {statistics.fmean(diff):+.4f} (se {se:.4f}) {verdict}"


def lines(rows: Sequence[dict], texts: dict[str, str]) -> None:
    whole, cut = [], []
    for k in sorted({r["fold"] for r in rows}):
        fold = [r for r in rows if r["fold"] == k]
        gold = {r["id"]: _spans(r, "gold") for r in fold}
        whole.append(si_score({r["id"]: _spans(r, "spans") for r in fold}, gold).f1)
        cut.append(
            si_score({r["id"]: cut_at_lines(texts[r["id"]], _spans(r, "spans")) for r in fold}, gold).f1
        )
    print(_summary("SI, article-mode spans", whole))
    print(_summary("SI, the same spans cut at line breaks", cut))
    print(_paired("cut - whole:", whole, cut))


def split(rows: Sequence[dict], data: Path, name: str) -> None:
    ids = {str(i) for i in json.loads((data / "splits.json").read_text("utf-8"))[name]}
    chosen = [r for r in rows if r["id"] in ids]
    pred = {r["id"]: _spans(r, "spans") for r in chosen}
    si = si_score(pred, {r["id"]: _spans(r, "gold") for r in chosen})
    tc, macro = tc_of(chosen, [log_probs(r) for r in chosen])
    print(
        f"{len(chosen)} {name} articles, out of fold: SI {si.f1:.4f} (P {si.precision:.4f} R {si.recall:.4f})"
    )
    print(f"TC {tc:.4f}  macro TC {macro:.4f}")


def features(rows: Sequence[dict], texts: dict[str, str]) -> None:
    stack = Stack(rows, texts)
    plain, stacked = [], []
    for k in sorted(set(stack.fold)):
        test = np.flatnonzero(stack.fold == k)
        plain.append(tc_of([rows[i] for i in test], [stack.base[i] for i in test]))
        figures, setting = stack.nested(k)
        stacked.append(figures)
        print(f"fold {k}: l2 {setting[0]}, balance {setting[1]}: TC {figures[0]:.4f} macro {figures[1]:.4f}")
    for i, name in enumerate(("TC", "macro TC")):
        a, b = [p[i] for p in plain], [s[i] for s in stacked]
        print(
            f"{_summary(name + ' plain', a)}  {_summary('stacked', b)}  {_paired('stacked - plain:', a, b)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("analysis", choices=("lines", "split", "features"))
    parser.add_argument("run", type=Path, help="a cross-validation run directory (with oof.jsonl)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="val", help="with split: the split of splits.json")
    args = parser.parse_args()
    if not (args.run / "oof.jsonl").is_file():
        parser.error(f"{args.run} has no oof.jsonl: give a run directory of propscan evaluate --folds K")
    rows, texts = read_run(args.run, args.data)
    if args.analysis == "lines":
        lines(rows, texts)
    elif args.analysis == "split":
        split(rows, args.data, args.split)
    else:
        features(rows, texts)


if __name__ == "__main__":
    main()
