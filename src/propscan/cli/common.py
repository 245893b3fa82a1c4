"""What every command shares: the error contract, the model loader, progress bars, common options.

A PropscanError becomes a red message on stderr and exit code 2 (bad input or data given on the
command line) or 1 (anything else); expected errors never print a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, ParamSpec, TextIO, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from ..engine.detector import Detector
from ..errors import DataError, InputError, PropscanError
from ..io.writers import atomic_output

PROGRESS_MIN = 8  # below this many records a progress bar is noise
_USAGE_ERRORS = (InputError, DataError)  # problems with what was typed -> exit 2

# options that several commands share, so their meaning and help read the same everywhere
ModelOption = Annotated[
    str | None,
    typer.Option(help="A model name (fast, the default; see 'propscan models list') or a model directory."),
]
ThresholdOption = Annotated[
    float | None, typer.Option(min=0.0, max=1.0, help="Decision threshold; default: the model's.")
]

P = ParamSpec("P")
R = TypeVar("R")


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    stderr().print(Text(f"error: {message}", style="bold red"))


def load_detector(model: str | None) -> Detector:
    """The one place the CLI loads a model; tests replace it with a fake detector."""
    return Detector.load(model)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PropscanError as exc:
            error(str(exc))
            raise typer.Exit(2 if isinstance(exc, _USAGE_ERRORS) else 1) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            error(f"cannot access{where}: {exc.strerror or exc}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            error("interrupted")
            raise typer.Exit(130) from None

    return wrapper


@contextlib.contextmanager
def destination(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
    else:
        with atomic_output(output) as fh:
            yield fh


@contextlib.contextmanager
def progress_bar(total: int, what: str) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a bar on stderr, or None when stderr is not a terminal or the
    work is small. stdout is never touched."""
    console = stderr()
    if total < PROGRESS_MIN or not console.is_terminal:
        yield None
        return
    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


__all__ = [
    "ModelOption",
    "ThresholdOption",
    "destination",
    "error",
    "handles_errors",
    "load_detector",
    "progress_bar",
    "stderr",
]
