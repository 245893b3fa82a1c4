"""The ``propscan`` command line: each command parses its arguments, calls one library function
and formats the result (one module per command group; the error contract is in ``common``)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .._version import __version__
from ..techniques import TECHNIQUES
from . import analyze, corpus, evaluate, serve, training
from .common import BROKEN_PIPE, handles_errors, quiet_stdout
from .models import models_app

app = typer.Typer(
    name="propscan",
    help="Find propaganda techniques in news articles, span by span.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"propscan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Find propaganda techniques in news articles, span by span."""


def techniques(
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as JSON.")] = False,
) -> None:
    """List the 14 propaganda techniques propscan detects."""
    if as_json:
        rows = [
            {
                "label": t.label,
                "name": t.name,
                "definition": t.definition,
                "example": t.example,
                "color": t.color,
            }
            for t in TECHNIQUES
        ]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="Propaganda techniques", title_justify="left", show_lines=True)
    for column in ("label", "name", "definition", "example"):
        table.add_column(column, overflow="fold", no_wrap=column == "label")
    for t in TECHNIQUES:
        table.add_row(Text(t.label, style=f"bold {t.color}"), t.name, t.definition, t.example)
    Console(highlight=False).print(table)


for command in (
    analyze.analyze,
    corpus.batch,
    corpus.stats,
    analyze.classify,
    evaluate.evaluate,
    training.train,
    training.calibrate,
    training.ensemble,
    training.short_threshold,
    serve.serve,
    techniques,
):
    app.command(name=command.__name__.replace("_", "-"))(handles_errors(command))
app.add_typer(models_app, name="models")


def main() -> None:
    """Entry point of the ``propscan`` script. A reader that closes the pipe early (``| head``)
    ends the run quietly with 141, as Unix tools do, even when it happens in the last flush."""
    try:
        try:
            app()
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(BROKEN_PIPE)


__all__ = ["app", "main"]
