"""``propscan evaluate``: SI, TC and FLC of a model on a corpus split, and F1 per technique; or,
with ``--folds K``, the cross-validation of a recipe over all training articles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import DataError, InputError
from ..evaluation.seen import Overlap, training_overlap
from ..io.ptc import split_size
from ..train.config import make_options, parse_setting
from . import common, training
from .common import ModelOption
from .tables import cv_tables
from .training import Recipe

TRAINING_SET = (
    "TRAINING-SET FIGURES: the model was trained on these articles, so these scores measure memory, "
    "not how well it finds propaganda in new text."
)


def evaluate(
    data: Annotated[Path, typer.Option("--data", help="A PTC corpus directory (like shared/ptc).")],
    split: Annotated[str, typer.Option(help="Split of splits.json to score on.")] = "val",
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    folds: Annotated[
        int | None,
        typer.Option(
            min=2,
            help="Cross-validate a recipe instead: train K fold models over all articles (needs the "
            "train extra and --output) and score each on the fold it never saw.",
        ),
    ] = None,
    recipe: Annotated[Recipe, typer.Option(help="With --folds: the recipe to cross-validate.")] = Recipe.fast,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="With --folds: a training option as NAME=VALUE (repeatable)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="With --folds: the run directory (fold models, report; resumable)."
        ),
    ] = None,
    sentences: Annotated[
        bool, typer.Option(help="With --folds: also score each article analysed one line at a time.")
    ] = True,
    allow_training_articles: Annotated[
        bool,
        typer.Option(
            "--allow-training-articles",
            help="Score the model even on articles it was trained on; the figures are then labelled "
            "training-set figures (they measure memory, not quality on new text).",
        ),
    ] = False,
    technique_bias: Annotated[
        bool,
        typer.Option(
            "--technique-bias",
            help="With --folds: also fit per-technique offsets (more of the rare techniques) on the "
            "other folds, and report what they do.",
        ),
    ] = False,
    short_threshold: Annotated[
        bool,
        typer.Option(
            "--short-threshold",
            help="With --folds: also choose, on the other folds' lines analysed alone, a token "
            "threshold for texts of a few sentences.",
        ),
    ] = False,
) -> None:
    """Score a model on a corpus split: SI, TC and FLC, and F1 per technique (or cross-validate a
    recipe with --folds K)."""
    if folds is None:
        used = {"--set": bool(settings), "--output": output is not None}
        used |= {"--technique-bias": technique_bias, "--short-threshold": short_threshold}
        misplaced = [flag for flag, on in used.items() if on]
        if misplaced:
            raise InputError(
                f"{', '.join(misplaced)} only work with cross-validation: add --folds K (e.g. --folds 5) "
                "or leave them out"
            )
    else:
        if output is None:
            raise DataError("--folds K trains K fold models: give --output DIR for them and the report")
        library = training.library()
        given = dict(parse_setting(s) for s in settings or ())
        options = make_options(library.recipe_options(recipe.value), given)
        report = library.cross_validate(
            data,
            folds,
            output,
            sentences=sentences,
            technique_bias=technique_bias,
            short_threshold=short_threshold,
            **options,
        )
        if as_json:
            typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            Console(highlight=False).print(*cv_tables(report))
        return
    from ..evaluation.evaluate import evaluate as run_evaluate  # looked up now: tests replace it

    detector = common.load_detector(model)
    overlap = _training_overlap(detector, data, split)
    if overlap is not None and overlap.seen and not allow_training_articles:
        raise DataError(overlap.refusal())
    with common.progress_bar(2 * split_size(data, split), "evaluating") as progress:
        report = run_evaluate(detector, data, split, progress=progress)
    result = report.to_dict()
    on_training_set = overlap is not None and overlap.seen > 0
    if overlap is not None:
        result["training_articles"] = overlap.to_dict()
        for unknown in overlap.unknown:
            common.warn(
                f"cannot tell which articles {unknown.model} was trained on ({unknown.note}); if they "
                f"include those of split {split!r}, these are training-set figures"
            )
    if overlap is not None and on_training_set:
        common.warn(f"TRAINING-SET FIGURES: {overlap.summary()}")
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    head = [Text(TRAINING_SET, style="bold yellow")] if on_training_set else []
    Console(highlight=False).print(
        *head, _scores_table(result, split, on_training_set), _per_technique_table(result)
    )


def _training_overlap(detector: Any, data: Path, split: str) -> Overlap | None:
    """What the detector's model saw of the split, or None for a detector without a model
    directory (a test double)."""
    directory = getattr(detector, "directory", None)
    return None if directory is None else training_overlap(directory, data, split)


def _prf(value: Any) -> tuple[str, str, str]:
    """(precision, recall, F1) cells for a score that is a dict of them or one number (TC micro-F1)."""
    if isinstance(value, dict):
        return tuple(f"{value[k]:.4f}" if k in value else "" for k in ("precision", "recall", "f1"))  # type: ignore[return-value]
    return "", "", f"{float(value):.4f}"


def _scores_table(result: dict[str, Any], split: str, training: bool = False) -> Table:
    title = f"Scores on split '{split}'" + (" (training-set figures)" if training else "")
    table = Table(title=title, title_justify="left")
    for column in ("task", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task in ("si", "tc", "flc"):
        if task in result:
            table.add_row(task.upper(), *_prf(result[task]))
    return table


def _per_technique_table(result: dict[str, Any]) -> Table:
    """F1 per technique; each entry is a {precision, recall, f1} dict or a dict of them per task."""
    per: dict[str, Any] = result.get("per_technique") or {}
    tasks = sorted({k for v in per.values() if isinstance(v, dict) and "f1" not in v for k in v})
    table = Table(title="F1 per technique", title_justify="left")
    table.add_column("technique")
    for task in tasks or ["F1"]:
        table.add_column(f"{task.upper()} F1" if tasks else "F1", justify="right")
    for label, value in per.items():
        cells = [_prf(value[t])[2] if t in value else "" for t in tasks] if tasks else [_prf(value)[2]]
        table.add_row(label, *cells)
    return table


__all__ = ["evaluate"]
