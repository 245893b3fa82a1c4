"""bench/short.py: the label-free short-text threshold against the labelled one, fold by fold,
on a hand-made 2-fold run of the tiny model."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bench_loader import load_bench
from propscan.io.ptc import fold_of
from tiny_model import build as build_tiny

TEXTS = [
    "They are evil traitors .\nThe plan is the plan .",
    "The city is corrupt .\nThey said the evil plan is a plan .",
    "We are the people .\nIt is evil and they are traitors .",
    "The people said it .\nThe plan of the city is corrupt .",
]


def _bench() -> ModuleType:
    return load_bench("short")


def _corpus(root: Path) -> Path:
    (root / "train-articles").mkdir(parents=True)
    (root / "test-articles").mkdir()
    rows = []
    for i, text in enumerate(TEXTS):
        ident = str(100 + i)
        (root / "train-articles" / f"article{ident}.txt").write_text(text, "utf-8")
        (root / "test-articles" / f"article{ident}.txt").write_text(text, "utf-8")
        at = text.find("evil")
        if at >= 0:
            rows.append(f"{ident}\tLoaded_Language\t{at}\t{at + 4}\n")
    (root / "train-task-tc.labels").write_text("".join(rows), "utf-8")
    return root


def test_both_thresholds_are_scored_on_each_folds_held_out_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _corpus(tmp_path / "ptc")
    assert {fold_of(str(100 + i), 2) for i in range(len(TEXTS))} == {0, 1}  # both folds hold articles
    run = tmp_path / "run"
    settings = {
        "threshold": 0.5,
        "single_token_threshold": 0.5,
        "token_blend": 0.5,
        "multi_label_threshold": 0.3,
    }
    per_fold = [{"fold": k, "settings": {**settings, "short_threshold": 0.9}} for k in range(2)]
    for k in range(2):
        build_tiny(run / f"fold{k}")
    (run / "cv_report.json").write_text(json.dumps({"per_fold": per_fold}), "utf-8")
    monkeypatch.setattr(sys, "argv", ["short.py", str(run), "--data", str(data)])
    _bench().main()
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out[:2]] == ["fold 0", "fold 1"]
    # the tiny model scores each token on its own: lines alone flag what whole articles do, so the
    # rule keeps the article threshold; its hot words score above 0.9, so both find the same spans
    for line in out[:2]:
        assert "rule None -> sentence SI" in line
        rule = float(line.split("rule None -> sentence SI ")[1].split(";")[0])
        assert rule > 0 and line.endswith(f"labelled lines 0.9 -> {rule:.4f}")
    assert out[2].startswith("sentence SI: rule ") and out[2].endswith("rule - labelled +0.0000 (se 0.0000)")
