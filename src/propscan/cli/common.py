"""What every command shares: the error contract, the model loader, progress bars, common options.

A PropscanError becomes a red message on stderr and exit code 2 (bad input or data given on the
command line) or 1 (anything else); expected errors never print a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import os
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
BROKEN_PIPE = 141  # 128 + SIGPIPE: what a Unix tool exits with when its reader went away
_USAGE_ERRORS = (InputError, DataError)  # problems with what was typed -> exit 2

# options that several commands share, so their meaning and help read the same everywhere
ModelOption = Annotated[
    str | None,
    typer.Option(help="A model name (fast, the default; see 'propscan models list') or a model directory."),
]
MinScoreOption = Annotated[
    float | None,
    typer.Option(
        "--min-score",
        min=0.0,
        max=1.0,
        help="Keep only spans scored at least this much (scores are calibrated probabilities that a "
        "span is right); default: every span the model finds.",
    ),
]
TokenThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--token-threshold",
        min=0.0,
        max=1.0,
        help="Advanced: the decoder's token threshold (how likely a token must be to start or extend "
        "a span); default: the model's. Not a minimum score: use --min-score for that.",
    ),
]
ThresholdOption = Annotated[
    float | None,
    typer.Option("--threshold", min=0.0, max=1.0, hidden=True, help="Deprecated: --token-threshold."),
]

P = ParamSpec("P")
R = TypeVar("R")


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    stderr().print(Text(f"error: {message}", style="bold red"))


def warn(message: str) -> None:
    stderr().print(Text(f"warning: {message}", style="yellow"))


def token_threshold(new: float | None, old: float | None) -> float | None:
    """The token threshold from --token-threshold or its deprecated name --threshold."""
    if old is None:
        return new
    if new is not None:
        raise InputError("give --token-threshold or its old name --threshold, not both")
    warn(
        "--threshold is the decoder's token threshold and is now called --token-threshold; to keep "
        "only spans scored at least X, use --min-score X"
    )
    return old


def load_detector(model: str | None) -> Detector:
    """The one place the CLI loads a model; tests replace it with a fake detector."""
    return Detector.load(model)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:  # `propscan ... | head`: the reader has all it wanted
            quiet_stdout()
            raise typer.Exit(BROKEN_PIPE) from None
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


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing what is left for a closed pipe at exit cannot
    raise again (the way the Python docs handle SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


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
    "BROKEN_PIPE",
    "MinScoreOption",
    "ModelOption",
    "ThresholdOption",
    "TokenThresholdOption",
    "destination",
    "error",
    "handles_errors",
    "load_detector",
    "progress_bar",
    "quiet_stdout",
    "stderr",
    "token_threshold",
    "warn",
]
