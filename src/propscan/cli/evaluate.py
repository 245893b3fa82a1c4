"""``propscan evaluate``: SI, TC and FLC of a model on a corpus split, and F1 per technique."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..io.ptc import split_size
from . import common
from .common import ModelOption


def evaluate(
    data: Annotated[Path, typer.Option("--data", help="A PTC corpus directory (like shared/ptc).")],
    split: Annotated[str, typer.Option(help="Split of splits.json to score on.")] = "val",
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Score a model on a corpus split: SI, TC and FLC, and F1 per technique."""
    from ..evaluation.evaluate import evaluate as run_evaluate  # looked up now: tests replace it

    detector = common.load_detector(model)
    with common.progress_bar(2 * split_size(data, split), "evaluating") as progress:
        report = run_evaluate(detector, data, split, progress=progress)
    result = report.to_dict()
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    Console(highlight=False).print(_scores_table(result, split), _per_technique_table(result))


def _prf(value: Any) -> tuple[str, str, str]:
    """(precision, recall, F1) cells for a score that is a dict of them or one number (TC micro-F1)."""
    if isinstance(value, dict):
        return tuple(f"{value[k]:.4f}" if k in value else "" for k in ("precision", "recall", "f1"))  # type: ignore[return-value]
    return "", "", f"{float(value):.4f}"


def _scores_table(result: dict[str, Any], split: str) -> Table:
    table = Table(title=f"Scores on split '{split}'", title_justify="left")
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
