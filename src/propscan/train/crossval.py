"""``propscan evaluate --folds K``: train K fold models of a recipe over all training articles
(each on the other folds; the fold of an article is fixed by a hash of its id), then score every
fold on the articles it never saw (:mod:`propscan.evaluation.crossval`).

The run directory is resumable: a fold model is trained into ``foldI.partial`` and renamed to
``foldI`` when complete, and a rerun of the same command reuses the finished folds and goes on
with an unfinished one from its last epoch (``foldI.ckpt``, removed when the fold is done). It
holds::

    cv_options.json   the recipe and options (a rerun with others is refused)
    fold0 .. foldK-1  the fold model directories
    cv_report.json    figures per fold, mean ± sd, per technique; settings and score map from all folds
    oof.jsonl         out-of-fold predictions: spans with raw and calibrated scores, and the
                      technique distribution of every gold span
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ..engine.detector import Detector
from ..errors import DataError, ModelError
from ..evaluation.crossval import OOF, Fold, cross_validate_folds, write_run
from ..hub.checksums import verify
from ..io.ptc import fold_split, load_split
from .config import config_from
from .run import train

OPTIONS = "cv_options.json"


def cross_validate(
    data_dir: str | Path,
    folds: int,
    output: str | Path,
    *,
    log: Any = print,
    sentences: bool = True,
    technique_bias: bool = False,
    short_threshold: bool = False,
    teacher_cache: str | Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Train (or reuse) ``folds`` fold models of ``options`` under ``output`` and return the
    cross-validation report (also written to ``output/cv_report.json``). A ``teacher`` must name
    one teacher per fold, as a path with ``{fold}`` in it: a teacher that saw a fold's articles
    would leak them into that fold's figures."""
    if folds < 2:
        raise DataError(f"cross-validation needs at least 2 folds, got {folds}")
    config_from(options).validate(teacher_cache=teacher_cache)
    teacher = str(options.get("teacher") or "")
    if teacher and "{fold}" not in teacher:
        raise DataError(
            "a teacher trained on all articles has seen every held-out fold: give one teacher per fold, "
            "as a path with {fold} in it (e.g. --teacher runs/cv-teacher/fold{fold})"
        )
    load_split(data_dir, fold_split(0, folds, held_out=True))  # a bad corpus fails before any write
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    _same_run(out / OPTIONS, {"folds": folds, "options": options, "data": str(Path(data_dir).resolve())})
    for i in range(folds):
        target, checkpoint = out / f"fold{i}", out / f"fold{i}.ckpt"
        if _complete(target):
            log(f"fold {i + 1}/{folds}: reusing {target}")
            checkpoint.unlink(missing_ok=True)  # left by a run stopped just after the fold was done
            continue
        partial = out / f"fold{i}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        fold_options = {**options, "teacher": teacher.format(fold=i)} if teacher else options
        log(f"fold {i + 1}/{folds}: training on the other {folds - 1} folds")
        cache = {"teacher_cache": teacher_cache} if teacher_cache is not None else {}
        split = fold_split(i, folds, held_out=False)
        train(data_dir, split, partial, log=log, checkpoint=checkpoint, **cache, **fold_options)
        partial.rename(target)
        checkpoint.unlink(missing_ok=True)
    runs = [
        Fold.of(i, Detector.load(out / f"fold{i}"), load_split(data_dir, fold_split(i, folds, held_out=True)))
        for i in range(folds)
    ]
    report = cross_validate_folds(
        runs, log=log, sentences=sentences, bias=technique_bias, short=short_threshold
    )
    report["options"] = options
    write_run(out, report)
    return report


def _complete(directory: Path) -> bool:
    if not directory.is_dir():
        return False
    try:
        verify(directory)
    except ModelError:
        return False
    return True


def _same_run(path: Path, run: dict[str, Any]) -> None:
    """Record what this run is, or refuse to mix its fold models with another run's."""
    run = json.loads(json.dumps(run))  # tuples as lists, as they come back
    if path.is_file():
        recorded = json.loads(path.read_text("utf-8"))
        if recorded != run:
            raise DataError(
                f"{path.parent} holds fold models of another run ({recorded}); give a new --output "
                "directory for these options"
            )
        return
    path.write_text(json.dumps(run, indent=2) + "\n", "utf-8")


__all__ = ["OOF", "OPTIONS", "cross_validate"]
