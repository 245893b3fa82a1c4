"""bench/quality.py --compare: fold-by-fold differences of two cross-validation reports and their
2-SE verdicts (the decision rule of docs/experiments.md)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from bench_loader import load_bench


def _bench() -> ModuleType:
    return load_bench("quality")


def _report(path: Path, si: list[float], tc: list[float], ece: list[float]) -> Path:
    per_fold = [{"si": {"f1": a}, "tc": {"f1": b}, "ece": c} for a, b, c in zip(si, tc, ece, strict=True)]
    summary = {
        key: {"mean": sum(v) / len(v), "sd": 0.0, "se": 0.0}
        for key, v in (("si", si), ("tc", tc), ("ece", ece))
    }
    path.write_text(json.dumps({"folds": len(si), "per_fold": per_fold, "summary": summary}), "utf-8")
    return path


def _verdicts(text: str) -> dict[str, str]:
    rows = [line.split() for line in text.splitlines()[2:]]
    return {row[0]: " ".join(row[5:]) for row in rows}


def test_compare_decides_only_beyond_two_standard_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _report(tmp_path / "a.json", [0.40, 0.42, 0.44], [0.60, 0.61, 0.62], [0.03, 0.03, 0.03])
    # SI up by 0.03 in every fold; TC up and down (noise); ECE up by 0.01 everywhere (worse)
    cand = _report(tmp_path / "b.json", [0.43, 0.45, 0.47], [0.62, 0.60, 0.63], [0.04, 0.04, 0.04])
    _bench().compare(base, cand)
    verdicts = _verdicts(capsys.readouterr().out)
    assert verdicts == {"si": "better", "tc": "no decision (< 2 se)", "ece": "worse"}


def test_figures_identical_in_every_fold_are_the_same_not_worse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _report(tmp_path / "a.json", [0.40, 0.42], [0.60, 0.61], [0.03, 0.02])
    cand = _report(tmp_path / "b.json", [0.40, 0.42], [0.60, 0.61], [0.03, 0.02])
    _bench().compare(base, cand)
    assert set(_verdicts(capsys.readouterr().out).values()) == {"same"}


def test_reports_of_different_fold_counts_are_refused(tmp_path: Path) -> None:
    base = _report(tmp_path / "a.json", [0.40, 0.42, 0.44], [0.6] * 3, [0.03] * 3)
    cand = _report(tmp_path / "b.json", [0.40, 0.42], [0.6] * 2, [0.03] * 2)
    with pytest.raises(SystemExit, match="compare runs of one K"):
        _bench().compare(base, cand)


def test_a_missing_report_is_named_not_a_traceback(tmp_path: Path) -> None:
    base = _report(tmp_path / "a.json", [0.40, 0.42], [0.6] * 2, [0.03] * 2)
    with pytest.raises(SystemExit, match=r"nowhere.*is not a cross-validation report"):
        _bench().compare(base, tmp_path / "nowhere")
