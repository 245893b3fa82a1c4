"""Cross-validation of an ensemble: fold ensembles built from the fold models of two members'
cross-validation runs (``propscan evaluate --folds K``, same K), scored like any recipe
(:mod:`propscan.evaluation.crossval`): settings and score map from the other folds only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..engine.detector import Detector
from ..errors import InputError
from ..evaluation.crossval import Fold, cross_validate_folds, write_run
from ..hub.layout import CONFIG
from ..io.ptc import fold_split, load_split
from .ensemble_build import build

OPTIONS = "cv_options.json"  # as in a member's cross-validation run directory


def cross_validate_ensemble(
    first: str | Path,
    second: str | Path,
    output: str | Path,
    data_dir: str | Path,
    *,
    token_weight: float = 0.5,
    technique_weight: float = 0.5,
    sentences: bool = True,
    technique_bias: bool = False,
    short_threshold: bool = False,
    log: Any = print,
) -> dict[str, Any]:
    """Build ``output/foldI`` = ensemble of ``first/foldI`` and ``second/foldI`` for every fold of
    the two cross-validation runs, score them, and write ``cv_report.json`` and ``oof.jsonl``."""
    runs = [_run(Path(first)), _run(Path(second))]
    folds = runs[0]["folds"]
    if runs[1]["folds"] != folds:
        raise InputError(
            f"{first} has {folds} folds and {second} {runs[1]['folds']}: cross-validate both with the same K"
        )
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    scored = []
    for i in range(folds):
        members = [Path(first) / f"fold{i}", Path(second) / f"fold{i}"]
        target = build(
            members, out / f"fold{i}", token_weight=token_weight, technique_weight=technique_weight
        )
        articles = load_split(data_dir, fold_split(i, folds, held_out=True))
        scored.append(Fold.of(i, Detector.load(target), articles))
        log(f"fold {i + 1}/{folds}: ensemble of {members[0]} and {members[1]}")
    report = cross_validate_folds(
        scored, log=log, sentences=sentences, bias=technique_bias, short=short_threshold
    )
    report["options"] = {
        "ensemble": [str(first), str(second)],
        "token_weight": token_weight,
        "technique_weight": technique_weight,
        "members": [r["options"] for r in runs],
    }
    (out / OPTIONS).write_text(json.dumps(report["options"], indent=2) + "\n", "utf-8")
    write_run(out, report)
    return report


def _run(directory: Path) -> dict[str, Any]:
    try:
        run: dict[str, Any] = json.loads((directory / OPTIONS).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{directory} is not a cross-validation run ('propscan evaluate --folds'): {exc}"
        ) from exc
    missing = [i for i in range(int(run["folds"])) if not (directory / f"fold{i}" / CONFIG).is_file()]
    if missing:
        raise InputError(
            f"{directory} lacks fold models {missing}: finish its 'propscan evaluate --folds' run"
        )
    return run


__all__ = ["cross_validate_ensemble"]
