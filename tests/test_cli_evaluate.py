"""`propscan evaluate` options that only cross-validation uses are refused without --folds, before
any model is loaded or any directory written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from propscan.cli import app


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--short-threshold"], "--short-threshold"),
        (["--technique-bias"], "--technique-bias"),
        (["--set", "epochs=2"], "--set"),
        (["--output", "OUT"], "--output"),
    ],
)
def test_cross_validation_options_need_folds(tmp_path: Path, extra: list[str], named: str) -> None:
    args = [a.replace("OUT", str(tmp_path / "run")) for a in extra]
    result = CliRunner().invoke(app, ["evaluate", "--data", str(tmp_path), *args])
    assert result.exit_code == 2
    assert named in result.stderr and "--folds K" in result.stderr
    assert not (tmp_path / "run").exists()
