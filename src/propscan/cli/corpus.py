"""``propscan batch`` (a corpus into Parquet tables) and ``propscan stats`` (tables and plots of one)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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

from ..batch.run import CHUNK_SIZE
from ..batch.stats import SMALL_GROUP, VOICE_NAMES
from ..techniques import get
from ..text import plural
from . import common
from .common import MinScoreOption, ModelOption, ThresholdOption, TokenThresholdOption, error


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class Voice(StrEnum):
    author = "author"
    quoted = "quoted"
    all = "all"


class _RateColumn(ProgressColumn):
    """Articles per second, smoothed by rich over its speed-estimate window."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} articles/s" if task.speed else "… articles/s", style="cyan")


@contextlib.contextmanager
def _batch_progress() -> Iterator[tuple[Callable[[int, int], None], Callable[[int], None]]]:
    """(on_start, progress) callbacks for run_batch: a bar with rate and ETA on a terminal's stderr,
    a line per 10% elsewhere (logs of long runs on a cluster)."""
    console = common.stderr()
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


def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Directories of .txt/.html files, .jsonl, .json, .csv or .parquet files."),
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
    min_score: MinScoreOption = None,
    model: ModelOption = None,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Records per chunk, the unit of work and of resuming.")
    ] = CHUNK_SIZE,
    token_threshold: TokenThresholdOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Analyze a corpus into Parquet tables (articles, spans, errors); rerun to resume."""
    from ..batch import run_batch

    cutoff = common.token_threshold(token_threshold, threshold)
    # one process with a loaded model: the detector the CLI loads; else workers load `model`
    detector = common.load_detector(model) if engine is Engine.local and (workers or 1) == 1 else None
    try:
        with _batch_progress() as (on_start, progress):
            result = run_batch(
                inputs,
                output,
                detector=detector,
                model=model,
                min_score=min_score,
                token_threshold=cutoff,
                engine=engine.value,
                workers=workers,
                address=address,
                chunk_size=chunk_size,
                on_start=on_start,
                progress=progress,
                on_message=lambda text: common.stderr().print(Text(f"repairing: {text}", style="yellow")),
            )
    except KeyboardInterrupt:
        error("interrupted; run the same command again to resume where it stopped")
        raise typer.Exit(130) from None
    counts = ", ".join(plural(n, w) for n, w in ((result.articles, "article"), (result.spans, "span")))
    typer.echo(f"{counts}, {plural(result.errors, 'error')} in {result.output} (articles/, spans/, errors/)")
    if result.errors:
        error(f"{result.errors} input record(s) could not be analyzed; the reasons are in {output}/errors/")
        raise typer.Exit(1)


def stats(
    directory: Annotated[Path, typer.Argument(help="An output directory of 'propscan batch'.")],
    by: Annotated[
        str, typer.Option(help="Group by an articles column (outlet, source, ...) or month / year.")
    ] = "outlet",
    top: Annotated[int, typer.Option(min=1, help="Span texts listed per technique.")] = 5,
    min_count: Annotated[
        int, typer.Option(min=1, help="List a span text only if it occurs at least this often.")
    ] = 2,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a report with plots to this HTML file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
    voice: Annotated[
        Voice | None,
        typer.Option(
            help="Whose spans: 'author' (the outlet's own words), 'quoted' (quoted or reported "
            "speech) or 'all'. Default: outlets compared on the author's voice, quoted speech beside it."
        ),
    ] = None,
) -> None:
    """Corpus statistics of a batch output: technique rates, density, frequent spans, trend."""
    from ..batch.report import write_report
    from ..batch.stats import corpus_stats

    chosen = None if voice is None else voice.value
    result = corpus_stats(directory, by=by, top=top, min_count=min_count, voice=chosen)
    if html is not None:
        write_report(result, html)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        console = Console(highlight=False)
        console.print(*_stats_tables(result, min_count, width=console.width))
    if html is not None:
        common.stderr().print(f"report written to {html}")


def _interval(ci: list[float] | None) -> str:
    return "" if ci is None else f"({ci[0]:.1f}–{ci[1]:.1f})"


def _longest_word(text: str) -> int:
    return max(len(word) for word in text.split())


GROUP_WIDTH = 13  # a rate's column: room for its interval, "(12.3–45.6)", and the padding


def _stats_tables(result: Any, min_count: int = 2, width: int = 100) -> list[Table | Text]:
    labels = result.techniques()
    voice = VOICE_NAMES[result.voice]
    head = Text(
        f"{plural(result.articles, 'article')}, {plural(result.words, 'word')}, "
        f"{plural(result.errors, 'error')}; rates are spans per 1,000 words. " + _voice_line(result)
    )
    rates = Table(title=f"Spans per 1,000 words by {result.by}, {voice}", title_justify="left")
    names = [get(label).short for label in labels]
    rates.add_column("technique", no_wrap=True, min_width=2 + max(map(len, names), default=9))
    # as many groups as the terminal holds (at most 8); --json and --html have all
    shown = result.rates[: max(1, min(8, (width - 22) // (GROUP_WIDTH + 3)))]
    for row in shown:
        mark = " *" if row["small"] else ""
        header = f"{row['group']}{mark}\n{plural(row['articles'], 'article')}"
        rates.add_column(header, justify="right", min_width=GROUP_WIDTH)
    rates.add_row(
        Text("all", style="bold"),
        *(f"{row['spans_per_1000'] or 0:.2f}\n{_interval(row['ci95']['spans_per_1000'])}" for row in shown),
    )
    for label in labels:
        technique = get(label)
        cells = (f"{row[label]:.2f}" for row in shown)
        rates.add_row(Text("■ ", style=technique.color) + Text(technique.short), *cells)
    note = Text(
        "In brackets: the 95% interval of the rate, articles counted as the sample. "
        f"* fewer than {SMALL_GROUP} articles: rates of such a group move a lot by chance. "
        "--json and --html give the interval of every rate"
        + (" and every group." if len(shown) < len(result.rates) else "."),
        style="italic",
    )
    density = Table(
        title=f"Density (% of non-space characters in spans) by {result.by}, {voice}", title_justify="left"
    )
    for column in (result.by, "articles", "mean", "p10", "median", "p90"):
        density.add_column(column, justify="left" if column == result.by else "right", no_wrap=True)
    for row in result.density:
        values = (f"{100 * row[k]:.1f}" for k in ("mean", "p10", "p50", "p90"))
        density.add_row(str(row["group"]), str(row["articles"]), *values)
    both = bool(result.voices)
    histogram = Table(title="Density histogram (articles)", title_justify="left")
    for column in ("density %", "author" if both else result.voice, *(["quoted"] if both else []), ""):
        histogram.add_column(column, justify="left" if column in ("density %", "") else "right")
    peak = max((max(row["articles"], row.get("quoted", 0)) for row in result.histogram), default=1) or 1
    for row in result.histogram:
        # the author's articles in full blocks, the quoted ones in light shade (no colour needed)
        bar = "█" * round((20 if both else 40) * row["articles"] / peak)
        quoted = [str(row["quoted"])] if both else []
        if both and row["quoted"]:
            bar += (" " if bar else "") + "░" * round(20 * row["quoted"] / peak)
        histogram.add_row(
            f"{100 * row['low']:.0f}–{100 * row['high']:.0f}", str(row["articles"]), *quoted, bar
        )
    spans = Table(
        title=f"Most frequent span texts per technique, {voice} (found at least {plural(min_count, 'time')})",
        title_justify="left",
    )
    for column in ("technique", "span text", "count"):
        spans.add_column(column, overflow="fold")
    for row in result.top_spans:
        spans.add_row(get(row["technique"]).name, row["text"], str(row["count"]))
    if not result.top_spans:
        spans.add_row("", f"(no span text occurs {min_count} times; lower --min-count)", "")
    tables: list[Table | Text] = [head, *_voices_table(result), rates, note, density, histogram, spans]
    if result.trend:
        tables.append(_trend_table(result, labels, width))
    return tables


def _voice_line(result: Any) -> str:
    if result.voices:
        return (
            "Outlets are compared on the author's voice (the outlet's own words; spans in quoted or "
            "reported speech left out); --voice quoted or all shows the others."
        )
    if result.voice == "all" and not result.voiced:
        return "This output records no voices: every span counts."
    return f"Every table is of {VOICE_NAMES[result.voice]} only."


def _voices_table(result: Any) -> list[Table]:
    """All, author and quoted rates (with intervals) and mean densities per group."""
    if not result.voices:
        return []
    table = Table(title=f"Whose words, by {result.by}: spans per 1,000 words", title_justify="left")
    table.add_column(result.by, no_wrap=True)
    for column in (
        "articles",
        "all",
        "author",
        "quoted",
        "quoted\nshare",
        "density %\nauthor",
        "density %\nquoted",
    ):
        table.add_column(column, justify="right")
    for row in result.voices:
        rates = (
            f"{row['spans_per_1000'][v]:.2f}" + ("" if v == "all" else f"\n{_interval(row['ci95'][v])}")
            for v in ("all", "author", "quoted")
        )
        share = "" if row["quoted_share"] is None else f"{100 * row['quoted_share']:.0f}%"
        density = (f"{100 * (row['density'][v] or 0):.1f}" for v in ("author", "quoted"))
        mark = " *" if row["small"] else ""
        table.add_row(f"{row['group']}{mark}", str(row["articles"]), *rates, share, *density)
    return [table]


def _trend_table(result: Any, labels: list[str], width: int) -> Table:
    both = bool(result.voices)
    title = "Change over time (month published)"
    if result.voice != "all":
        title += f"; techniques and density: {VOICE_NAMES[result.voice]}"
    trend = Table(title=title, title_justify="left")
    totals = ["all", "author", "quoted"] if both else [result.voice]
    top: list[str] = []
    used = 46 + (16 if both else 0)  # the most used techniques (5 at most) that fit beside the rest
    for label in labels[:5]:
        used += 4 + _longest_word(get(label).short)
        if top and used > width:
            break
        top.append(label)
    for column in ("month", "articles", *totals, *(get(k).short for k in top), "density %"):
        # no column narrower than its longest word: a month never shows as "2024-…"
        trend.add_column(
            column, justify="left" if column == "month" else "right", min_width=_longest_word(column)
        )
    for row in result.trend:
        rates = [row["by_voice"][v] for v in totals] if both else [row["spans_per_1000"] or 0]
        trend.add_row(
            row["month"],
            str(row["articles"]),
            *(f"{rate:.2f}" for rate in rates),
            *(f"{row[k]:.2f}" for k in top),
            f"{100 * row['density']:.1f}",
        )
    return trend


__all__ = ["Engine", "Voice", "batch", "stats"]
