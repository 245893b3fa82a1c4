"""The ``propscan`` command line: each command parses its arguments, calls one library function and
formats the result. A PropscanError becomes a red message on stderr and exit code 2 (bad input or
data given on the command line) or 1 (anything else); expected errors never print a traceback."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TextIO, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from . import __version__
from .batch.run import CHUNK_SIZE
from .detector import Detector
from .document import Document
from .errors import DataError, InputError, MissingExtraError, PropscanError
from .io.readers import Record, count_inputs, read_inputs, read_text_file
from .io.writers import atomic_output, open_writer, ptc_row
from .techniques import TECHNIQUES

app = typer.Typer(
    name="propscan",
    help="Find propaganda techniques in news articles, span by span.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CHUNK = 64  # records analysed per call, so memory stays bounded on huge JSONL inputs
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


class TrainSplit(StrEnum):
    train = "train"
    all = "all"


class Recipe(StrEnum):
    fast = "fast"
    accurate = "accurate"


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    ptc = "ptc"
    html = "html"


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _error(message: str) -> None:
    _stderr().print(Text(f"error: {message}", style="bold red"))


def _load_detector(model: str | None) -> Detector:
    """The one place the CLI loads a model; tests replace it with a fake detector."""
    return Detector.load(model)


def _handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PropscanError as exc:
            _error(str(exc))
            raise typer.Exit(2 if isinstance(exc, _USAGE_ERRORS) else 1) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            _error(f"cannot access{where}: {exc.strerror or exc}")
            raise typer.Exit(1) from None

    return wrapper


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


@contextlib.contextmanager
def _destination(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
    else:
        with atomic_output(output) as fh:
            yield fh


@contextlib.contextmanager
def _progress(total: int, what: str) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a bar on stderr, or None when stderr is not a terminal or the
    work is small. stdout is never touched."""
    console = _stderr()
    if total < PROGRESS_MIN or not console.is_terminal:
        yield None
        return
    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


@app.command()
@_handles_errors
def analyze(
    paths: Annotated[
        list[str],
        typer.Argument(help="Text or .html files, directories of them (not recursive), .jsonl files or '-'."),
    ],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    threshold: ThresholdOption = None,
    model: ModelOption = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Windows per forward pass; default: the detector's.")
    ] = None,
) -> None:
    """Find propaganda spans in articles."""
    detector = _load_detector(model)
    failed = 0
    with _destination(output) as stream, _progress(count_inputs(paths), "analyzing") as progress:
        writer = open_writer(format.value, stream)
        records = read_inputs(paths)
        while chunk := list(islice(records, CHUNK)):
            for record, doc in _analyze_chunk(detector, chunk, batch_size, threshold, progress):
                if doc is None:
                    _error(f"{record.source}: {record.error}")
                    failed += 1
                else:
                    writer.write(doc)
        writer.close()
    if failed:
        _error(f"{failed} input(s) could not be read; the others were analyzed")
        raise typer.Exit(1)


def _analyze_chunk(
    detector: Detector,
    chunk: list[Record],
    batch_size: int | None,
    threshold: float | None,
    progress: Callable[[int], None] | None,
) -> list[tuple[Record, Document | None]]:
    """Each record of ``chunk`` with its Document (None for an error record), in input order.
    Blank texts get an empty Document without a model call."""
    todo = [r for r in chunk if r.text is not None and r.text.strip()]
    options: dict[str, Any] = {"threshold": threshold, "progress": progress}
    if batch_size is not None:  # else the detector's own default, the one source of truth
        options["batch_size"] = batch_size
    docs = iter(detector.analyze_many([r.text or "" for r in todo], **options) if todo else [])
    out: list[tuple[Record, Document | None]] = []
    for record in chunk:
        if record.text is None:
            out.append((record, None))
            continue
        doc = next(docs) if record.text.strip() else Document(record.text)
        doc.meta.update(record.meta, id=record.id, source=record.source)
        out.append((record, doc))
    if progress is not None:
        progress(len(chunk) - len(todo))  # error and blank records, which the detector never saw
    return out


class _RateColumn(ProgressColumn):
    """Articles per second, smoothed by rich over its speed-estimate window."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} articles/s" if task.speed else "… articles/s", style="cyan")


@contextlib.contextmanager
def _batch_progress() -> Iterator[tuple[Callable[[int, int], None], Callable[[int], None]]]:
    """(on_start, progress) callbacks for run_batch: a bar with rate and ETA on a terminal's stderr,
    a line per 10% elsewhere (logs of long runs on a cluster)."""
    console = _stderr()
    columns = (
        TextColumn("analyzing"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False, disable=not console.is_terminal) as bar:
        task = bar.add_task("analyzing", total=None)
        state = {"done": 0, "total": 0, "said": 0}

        def on_start(total: int, done: int) -> None:
            state.update(total=total, done=done)
            bar.update(task, total=total, completed=done)
            if done:
                console.print(f"resuming: {done} of {total} records already done")

        def progress(n: int) -> None:
            bar.advance(task, n)
            state["done"] += n
            tenth = 10 * state["done"] // max(1, state["total"])
            if not console.is_terminal and tenth > state["said"]:
                state["said"] = tenth
                console.print(f"{state['done']} of {state['total']} records analysed")

        yield on_start, progress


@app.command()
@_handles_errors
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Directories of .txt/.html files, .jsonl, .csv or .parquet files."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory (resumable).")],
    engine: Annotated[Engine, typer.Option(help="'local': this machine; 'ray': Ray Data.")] = Engine.local,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (with --engine ray); default: start a local Ray.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Model copies: processes (local, default 1) or Ray actors (default: cores)."
        ),
    ] = None,
    threshold: ThresholdOption = None,
    model: ModelOption = None,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Records per chunk, the unit of work and of resuming.")
    ] = CHUNK_SIZE,
) -> None:
    """Analyze a corpus into Parquet tables (articles, spans, errors); rerun to resume."""
    from .batch import run_batch

    # one process with a loaded model: the detector the CLI loads; else workers load `model`
    detector = _load_detector(model) if engine is Engine.local and (workers or 1) == 1 else None
    try:
        with _batch_progress() as (on_start, progress):
            result = run_batch(
                inputs,
                output,
                detector=detector,
                model=model,
                threshold=threshold,
                engine=engine.value,
                workers=workers,
                address=address,
                chunk_size=chunk_size,
                on_start=on_start,
                progress=progress,
            )
    except KeyboardInterrupt:
        _error("interrupted; run the same command again to resume where it stopped")
        raise typer.Exit(130) from None
    typer.echo(
        f"{result.articles} articles, {result.spans} spans, {result.errors} errors "
        f"in {result.output} (articles/, spans/, errors/)"
    )
    if result.errors:
        _error(f"{result.errors} input record(s) could not be analyzed; the reasons are in {output}/errors/")
        raise typer.Exit(1)


@app.command()
@_handles_errors
def stats(
    directory: Annotated[Path, typer.Argument(help="An output directory of 'propscan batch'.")],
    by: Annotated[
        str, typer.Option(help="Group by an articles column (outlet, source, ...) or month / year.")
    ] = "outlet",
    top: Annotated[int, typer.Option(min=1, help="Span texts listed per technique.")] = 5,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a report with plots to this HTML file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
) -> None:
    """Corpus statistics of a batch output: technique rates, density, frequent spans, trend."""
    from .batch.report import write_report
    from .batch.stats import corpus_stats

    result = corpus_stats(directory, by=by, top=top)
    if html is not None:
        write_report(result, html)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        Console(highlight=False).print(*_stats_tables(result))
    if html is not None:
        _stderr().print(f"report written to {html}")


def _stats_tables(result: Any) -> list[Table | Text]:
    from .techniques import get

    labels = result.techniques()
    head = Text(
        f"{result.articles} articles, {result.words} words, {result.errors} errors; "
        "rates are spans per 1,000 words"
    )
    rates = Table(title=f"Spans per 1,000 words by {result.by}", title_justify="left")
    rates.add_column("technique")
    shown = result.rates[:8]  # columns beyond this do not fit a terminal; --json and --html have all
    for row in shown:
        rates.add_column(f"{row['group']}\n({row['articles']})", justify="right")
    rates.add_row(Text("all", style="bold"), *(f"{row['spans_per_1000'] or 0:.2f}" for row in shown))
    for label in labels:
        technique = get(label)
        cells = (f"{row[label]:.2f}" for row in shown)
        rates.add_row(Text("■ ", style=technique.color) + Text(technique.name), *cells)
    density = Table(
        title=f"Density (% of non-space characters in spans) by {result.by}", title_justify="left"
    )
    for column in (result.by, "articles", "mean", "p10", "median", "p90"):
        density.add_column(column, justify="left" if column == result.by else "right")
    for row in result.density:
        values = (f"{100 * row[k]:.1f}" for k in ("mean", "p10", "p50", "p90"))
        density.add_row(str(row["group"]), str(row["articles"]), *values)
    histogram = Table(title="Density histogram", title_justify="left")
    for column in ("density %", "articles", ""):
        histogram.add_column(column)
    peak = max((row["articles"] for row in result.histogram), default=1) or 1
    for row in result.histogram:
        bar = "█" * round(40 * row["articles"] / peak)
        histogram.add_row(f"{100 * row['low']:.0f}–{100 * row['high']:.0f}", str(row["articles"]), bar)
    spans = Table(title="Most frequent span texts per technique", title_justify="left")
    for column in ("technique", "span text", "count"):
        spans.add_column(column, overflow="fold")
    for row in result.top_spans:
        spans.add_row(get(row["technique"]).name, row["text"], str(row["count"]))
    tables: list[Table | Text] = [head, rates, density, histogram, spans]
    if result.trend:
        trend = Table(title="Change over time (month published)", title_justify="left")
        for column in ("month", "articles", "all", *(get(k).name for k in labels[:5]), "density %"):
            trend.add_column(column, justify="left" if column == "month" else "right")
        for row in result.trend:
            cells = (f"{row[k]:.2f}" for k in labels[:5])
            trend.add_row(
                row["month"],
                str(row["articles"]),
                f"{row['spans_per_1000'] or 0:.2f}",
                *cells,
                f"{100 * row['density']:.1f}",
            )
        tables.append(trend)
    return tables


@app.command()
@_handles_errors
def classify(
    articles_dir: Annotated[Path, typer.Argument(help="Directory of article<ID>.txt files.")],
    template: Annotated[Path, typer.Argument(help="Rows ID<TAB>?<TAB>START<TAB>END (a PTC TC template).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the labelled rows.")],
    model: ModelOption = None,
) -> None:
    """Label given spans with their technique (the TC task).

    Writes the template rows in the same order, with the technique in place of '?'."""
    from .io.ptc import read_template

    rows = read_template(template)
    detector = _load_detector(model)
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for article, start, end in rows:
        spans[article].append((start, end))
    labels: dict[str, Iterator[str]] = {}
    failed = 0
    for article, article_spans in spans.items():
        record = read_text_file(articles_dir / f"article{article}.txt")
        try:
            if record.text is None:
                raise InputError(f"{record.source}: {record.error}")
            labels[article] = iter(detector.classify(record.text, article_spans))
        except PropscanError as exc:
            _error(f"article {article}: {exc}; its rows are left out")
            failed += 1
    with atomic_output(output) as fh:
        for article, start, end in rows:
            if article in labels:
                fh.write(ptc_row(article, next(labels[article]), start, end))
    if failed:
        _error(f"{failed} article(s) failed; the rows of the others were written to {output}")
        raise typer.Exit(1)


@app.command()
@_handles_errors
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="A PTC corpus directory (like shared/ptc).")],
    split: Annotated[str, typer.Option(help="Split of splits.json to score on.")] = "val",
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Score a model on a corpus split: SI, TC and FLC, and F1 per technique."""
    from .evaluate import evaluate as run_evaluate
    from .io.ptc import split_size

    detector = _load_detector(model)
    with _progress(2 * split_size(data, split), "evaluating") as progress:
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


@contextlib.contextmanager
def _training_extra() -> Iterator[None]:
    """Around an import of propscan.train: a missing third-party module (torch, transformers)
    becomes the error that names the install line; a broken propscan import stays itself."""
    try:
        yield
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing == "propscan":
            raise
        raise MissingExtraError("train", missing or "torch") from exc


@app.command()
@_handles_errors
def train(
    data: Annotated[Path, typer.Option("--data", help="A PTC corpus directory (like shared/ptc).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    split: Annotated[
        TrainSplit, typer.Option(help="'train' to tune on val, 'all' for the shipped model.")
    ] = TrainSplit.train,
    recipe: Annotated[
        Recipe,
        typer.Option(help="fast: MiniLM-L6, all layers trained; accurate: MPNet-base with LoRA adapters."),
    ] = Recipe.fast,
    epochs: Annotated[int | None, typer.Option(min=1, help="Training epochs; default: the config's.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; default: the config's.")] = None,
    base: Annotated[
        str | None, typer.Option(help="Base encoder (minilm or mpnet); default: the recipe's.")
    ] = None,
    layers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Keep only the base encoder's bottom N layers (faster to run, e.g. 4 of MiniLM's 6); "
            "the recipe's fp32 layers above them go with them. Default: the recipe's.",
        ),
    ] = None,
    technique_weight: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="Loss weight of the per-technique token channels (default: the recipe's, 0.25; "
            "see docs/experiments.md rows 27 and 29).",
        ),
    ] = None,
    span_weight: Annotated[
        float | None,
        typer.Option(min=0.0, help="Loss weight of the span technique head (default: the recipe's, 0.3)."),
    ] = None,
    span_jitter: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Also train the span head on 2 copies of each span whose ends moved by up to N "
            "characters (default 0: gold spans only; docs/experiments.md row 28).",
        ),
    ] = None,
    jitter_teacher: Annotated[
        bool,
        typer.Option(
            "--jitter-teacher",
            help="With --span-jitter N and --teacher: the teacher labels each moved copy, and the copy "
            "trains on the teacher's distribution for it instead of the span's own (docs/experiments.md "
            "row 30).",
        ),
    ] = False,
    teacher_weight: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="With --teacher: the teacher's share of each gold span's technique target (default "
            "0.5; 1 trains on the teacher's distribution alone; docs/experiments.md row 32).",
        ),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            help="With --split all: a model trained with --split train whose tuned thresholds and "
            "val scores this model takes over."
        ),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option(help="Where training steps run: auto (a CUDA GPU if torch sees one), cpu or cuda."),
    ] = None,
    teacher: Annotated[
        str | None,
        typer.Option(
            help="Distil: a model name or directory whose span technique distributions and token "
            "probabilities are mixed into the targets (see docs/experiments.md)."
        ),
    ] = None,
    unlabelled: Annotated[
        Path | None,
        typer.Option(
            help="With --teacher: a folder of unlabelled .txt articles that the teacher labels and the "
            "model also trains on (e.g. shared/ptc/test-articles).",
        ),
    ] = None,
    noisy_copies: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="With --teacher: also train on K noisy copies of every training article (some words "
            "dropped or replaced), labelled by the teacher (docs/experiments.md row 35).",
        ),
    ] = None,
    teacher_cache: Annotated[
        Path | None,
        typer.Option(
            help="With --teacher: a directory where the teacher's labels are stored and reused by "
            "later runs with the same teacher and articles (e.g. several seeds)."
        ),
    ] = None,
) -> None:
    """Train a model on a PTC corpus split (needs the optional 'train' extra)."""
    with _training_extra():
        from .train import train as run_train
    from .train import recipe_options

    given = {
        "epochs": epochs,
        "seed": seed,
        "base": base,
        "layers": layers,
        "technique_weight": technique_weight,
        "span_weight": span_weight,
        "span_jitter": span_jitter,
        "jitter_teacher": True if jitter_teacher else None,
        "teacher": teacher,
        "teacher_weight": teacher_weight,
        "unlabelled": str(unlabelled) if unlabelled else None,
        "noisy_copies": noisy_copies,
        "device": device,
    }
    options = {**recipe_options(recipe.value), **{k: v for k, v in given.items() if v is not None}}
    if layers is not None and options.get("fp32_ffn_layers"):
        # the recipe keeps some layers' FFN in fp32: those above the kept layers are dropped too
        options["fp32_ffn_layers"] = tuple(i for i in options["fp32_ffn_layers"] if i < layers)
    if reference is not None:
        options["reference"] = reference
    if jitter_teacher and not (teacher and options.get("span_jitter")):
        raise DataError(
            "--jitter-teacher labels the moved copies of --span-jitter N by the teacher: "
            "give --span-jitter N and --teacher MODEL too"
        )
    if teacher_weight is not None and teacher is None:
        raise DataError(
            "--teacher-weight sets the teacher's share of the span targets: give --teacher MODEL too"
        )
    if noisy_copies and teacher is None:
        raise DataError(
            "--noisy-copies K has the teacher label noisy copies of the articles: give --teacher MODEL too"
        )
    if teacher_cache is not None:
        if teacher is None:
            raise DataError("--teacher-cache keeps a teacher's labels: give --teacher MODEL too")
        options["teacher_cache"] = teacher_cache
    run_train(data, split.value, output, **options)
    typer.echo(f"model written to {output}")


@app.command()
@_handles_errors
def calibrate(
    model: Annotated[Path, typer.Argument(help="A model directory written by propscan train --split train.")],
    data: Annotated[Path, typer.Option(help="The PTC corpus it was trained on (its val split is used).")],
    on_val: Annotated[
        bool,
        typer.Option(
            "--on-val",
            help="Fit a Platt map on the model's own val spans; the ECE is cross-fitted over "
            "alternate val articles (what the shipped models use).",
        ),
    ] = False,
    folds: Annotated[
        int | None,
        typer.Option(
            min=2,
            help="Fit an isotonic map on spans predicted for N held-out folds of train, each by a "
            "model of the same recipe trained on the other folds (N more trainings).",
        ),
    ] = None,
) -> None:
    """Refit a trained model's score calibration and write its new val ECE, card and plot."""
    if on_val and folds is not None:
        raise DataError("--on-val and --folds are two ways to calibrate: give one of them")
    with _training_extra():
        from .train import calibrate as run_calibrate
    run_calibrate(model, data, folds=folds, on_val=True if on_val else None)
    typer.echo(f"calibration written to {model}")


@app.command()
@_handles_errors
def ensemble(
    first: Annotated[str, typer.Argument(help="The member that decodes: a model name or directory.")],
    second: Annotated[str, typer.Argument(help="The second member: a model name or directory.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Ensemble directory to write.")],
    token_weight: Annotated[
        float, typer.Option(help="Weight of the second member's token probabilities.")
    ] = 0.5,
    technique_weight: Annotated[
        float, typer.Option(help="Weight of the second member's technique distributions.")
    ] = 0.5,
    threshold: Annotated[
        float | None, typer.Option(help="Token threshold for spans; default: the first member's.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="A PTC corpus: measure val scores (members trained on train only)."),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(help="An ensemble of the members' train-split twins whose val scores to take over."),
    ] = None,
    speed_articles: Annotated[
        Path | None,
        typer.Option(
            help="A folder of .txt articles to measure articles/s on (default with --data: its "
            "test-articles; with --reference: the reference's figure)."
        ),
    ] = None,
    name: Annotated[
        str, typer.Option(help="The ensemble's name in outputs and its card.")
    ] = "propscan-ensemble",
) -> None:
    """Combine two models into one ensemble directory, usable wherever --model takes a directory."""
    from .ensemble import build

    build(
        [first, second],
        output,
        token_weight=token_weight,
        technique_weight=technique_weight,
        threshold=threshold,
        data=data,
        reference=reference,
        speed_articles=speed_articles,
        name=name,
    )
    typer.echo(f"ensemble written to {output}")


@app.command()
@_handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    model: ModelOption = None,
    allow_private_urls: Annotated[
        bool,
        typer.Option(
            "--allow-private-urls",
            help="Let the page and API fetch URLs on loopback and private networks (intranet use).",
        ),
    ] = False,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="A web origin (https://app.example) whose pages may call the API; repeatable."),
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="A 'propscan batch' output directory to browse at /corpus (needs the batch extra)."
        ),
    ] = None,
) -> None:
    """Serve the web page and REST API (needs the optional 'server' extra)."""
    from .server import serve as run_server

    options: dict[str, Any] = {"model": model, "allow_private_urls": allow_private_urls}
    if cors_origin:
        options["cors_origins"] = cors_origin
    if corpus is not None:
        options["corpus"] = corpus
    run_server(host, port, **options)


@app.command()
@_handles_errors
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


from .cli_models import models_app  # noqa: E402  (it uses _handles_errors from above)

app.add_typer(models_app, name="models")


def main() -> None:
    """Entry point of the ``propscan`` script."""
    app()


__all__ = ["app", "main"]
