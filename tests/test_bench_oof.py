"""bench/oof.py: analyses of a cross-validation run's out-of-fold predictions, on a hand-made run."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from bench_loader import load_bench
from propscan.techniques import LABELS

LOADED, CAUSAL = LABELS.index("Loaded_Language"), LABELS.index("Causal_Oversimplification")


def _bench() -> ModuleType:
    return load_bench("oof")


def _dist(favour: int, p: float) -> list[float]:
    rest = (1 - p) / (len(LABELS) - 1)
    return [p if i == favour else rest for i in range(len(LABELS))]


def _write(tmp: Path, articles: dict[str, str], rows: list[dict], val: list[str]) -> tuple[Path, Path]:
    data, run = tmp / "ptc", tmp / "run"
    (data / "train-articles").mkdir(parents=True)
    run.mkdir()
    for key, text in articles.items():
        (data / "train-articles" / f"article{key}.txt").write_text(text, "utf-8")
    train = [k for k in articles if k not in val]
    (data / "splits.json").write_text(json.dumps({"train": train, "val": val}), "utf-8")
    (run / "oof.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return data, run


def test_cut_at_lines_drops_the_breaks_and_keeps_spans_within_a_line() -> None:
    text = "Title\n\nOne two.\nThree four."
    assert _bench().cut_at_lines(text, [(7, 26), (0, 3)]) == [(7, 15), (16, 26), (0, 3)]


def test_lines_and_split_score_what_they_say(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _bench()
    text = "Title\n\nThey lie.\nAll of them lie."
    gold = [[7, 33, "Loaded_Language", _dist(LOADED, 0.9)]]
    rows = [
        # predicted exactly the gold span, which runs over a line break: cutting it loses recall
        {"id": "1", "fold": 0, "spans": [[7, 33, "Loaded_Language", 0.9, 0.9]], "gold": gold},
        # predicted nothing, and the technique wrong: this article is not in val
        {"id": "2", "fold": 1, "spans": [], "gold": [[7, 33, "Loaded_Language", _dist(CAUSAL, 0.9)]]},
    ]
    data, run = _write(tmp_path, {"1": text, "2": text}, rows, val=["1"])
    loaded, texts = bench.read_run(run, data)
    bench.lines(loaded, texts)
    out = capsys.readouterr().out
    whole = float(out.split("SI, article-mode spans ")[1].split()[0])
    cut = float(out.split("cut at line breaks ")[1].split()[0])
    assert whole > cut > 0
    bench.split(loaded, data, "val")
    out = capsys.readouterr().out
    assert out.startswith("1 val articles, out of fold: SI 1.0000")
    assert "TC 1.0000  macro TC 1.0000" in out


def test_stacked_cues_correct_a_technique_the_distributions_get_wrong(tmp_path: Path) -> None:
    """The fold model says Loaded_Language for every span; the word "because" marks the causal
    ones. Stacking learns that on the other folds and puts it right on the held-out one."""
    bench = _bench()
    articles, rows = {}, []
    for i in range(20):
        key = str(100 + i)
        text = f"Title {i}\n\nThey are awful people.\nPrices rose because of them."
        articles[key] = text
        awful, because = text.index("awful"), text.index("Prices")
        rows.append(
            {
                "id": key,
                "fold": i % 4,
                "spans": [],
                "gold": [
                    [awful, awful + 5, "Loaded_Language", _dist(LOADED, 0.6)],
                    [because, len(text), "Causal_Oversimplification", _dist(LOADED, 0.6)],
                ],
            }
        )
    data, run = _write(tmp_path, articles, rows, val=[])
    stack = bench.Stack(*bench.read_run(run, data))
    test, train = np.flatnonzero(stack.fold == 0), np.flatnonzero(stack.fold != 0)
    plain = bench.tc_of([stack.rows[i] for i in test], [stack.base[i] for i in test])
    assert plain[0] == pytest.approx(0.5)
    assert stack.score(train, test, 0.01, 0.0) == pytest.approx((1.0, 1.0))
    bench.L2_GRID, bench.BALANCE_GRID = (0.01, 100.0), (0.0,)
    figures, setting = stack.nested(0)
    # a ridge of 100 keeps the weights near zero, so the other folds choose 0.01
    assert setting == (0.01, 0.0) and figures == pytest.approx((1.0, 1.0))
