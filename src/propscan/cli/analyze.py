"""``propscan analyze`` (spans in articles) and ``propscan classify`` (the TC task on a template)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from ..errors import InputError
from ..io.ptc import classify_template, read_template
from ..io.readers import count_inputs, read_inputs
from ..io.records import Record, analyze_records
from ..io.writers import atomic_output, open_writer, ptc_row, warning_lines
from . import common
from .common import MinScoreOption, ModelOption, ThresholdOption, TokenThresholdOption, error

WARN_MAX = 5  # inputs whose warnings are printed on stderr; past these, one line counts the rest

# a text this long (in characters) takes about 7 s on 2 quiet cores: it gets a bar of its own
HUGE_TEXT = 500_000


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    ptc = "ptc"
    html = "html"


def analyze(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Text or .html files, directories of them (not recursive), .jsonl, .json, .csv or "
            ".parquet files, http(s) URLs, or '-'."
        ),
    ],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    min_score: MinScoreOption = None,
    model: ModelOption = None,
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, help="Windows scored before decoding (memory, not results); default 8."),
    ] = None,
    token_threshold: TokenThresholdOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Find propaganda spans in articles."""
    cutoff = common.token_threshold(token_threshold, threshold)
    detector = common.load_detector(model)
    failed = warned = 0
    try:
        with common.destination(output) as stream, _progress(count_inputs(paths)) as bars:
            writer = open_writer(format.value, stream)
            records = bars.watch(read_inputs(paths))
            for record, doc in analyze_records(
                detector,
                records,
                batch_size=batch_size,
                min_score=min_score,
                token_threshold=cutoff,
                progress=bars.records if bars.bar else None,
                progress_chars=bars.chars if bars.bar else None,
            ):
                try:
                    if doc is None:
                        raise InputError(record.error or "cannot be read")
                    writer.write(doc)
                except InputError as exc:  # this record only: the others are still written
                    error(f"{record.source}: {exc.message}")
                    failed += 1
                    continue
                lines = warning_lines(doc) if format is not Format.text else []  # text shows them itself
                warned += bool(lines)
                if lines and warned <= WARN_MAX:
                    common.warn(
                        f"{doc.meta.get('source') or doc.meta.get('id') or 'input'}: {'; '.join(lines)}"
                    )
            writer.close()
    except KeyboardInterrupt:
        kept = f"; {output} was left as it was" if output is not None else ""
        error(f"interrupted{kept}")
        raise typer.Exit(130) from None
    if warned > WARN_MAX:
        common.warn(f"{warned - WARN_MAX} more input(s) have warnings: see meta.warnings in the output")
    if failed:
        error(f"{failed} input(s) could not be read or written; the others were analyzed")
        raise typer.Exit(1)


class _Bars:
    """The progress of ``propscan analyze`` on a terminal's stderr: records (from PROGRESS_MIN of
    them), and characters once a text of HUGE_TEXT or more comes up, so that one long text does
    not look stuck. Without a terminal every callback does nothing."""

    def __init__(self, bar: Progress | None, total: int) -> None:
        self.bar = bar
        self.pulled = self.done = 0  # characters of the texts read so far, and of those analysed
        self._records: TaskID | None = None
        self._chars: TaskID | None = None
        if bar is not None:
            visible = total >= common.PROGRESS_MIN
            self._records = bar.add_task("analyzing", total=total, shown=f"0/{total}", visible=visible)

    def watch(self, records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            if record.text and record.text.strip():
                self.pulled += len(record.text)
                if len(record.text) >= HUGE_TEXT and self.bar is not None and self._chars is None:
                    self._chars = self.bar.add_task("analyzing", total=self.pulled, shown="")
            yield record

    def records(self, n: int) -> None:
        if self.bar is not None and self._records is not None:
            self.bar.advance(self._records, n)
            task = self.bar.tasks[self._records]
            self.bar.update(self._records, shown=f"{task.completed:.0f}/{task.total:.0f}")

    def chars(self, n: int) -> None:
        self.done += n
        if self.bar is not None and self._chars is not None:
            shown = f"{self.done / 1e6:.1f} of {self.pulled / 1e6:.1f} million characters"
            self.bar.update(self._chars, completed=self.done, total=self.pulled, shown=shown)


@contextlib.contextmanager
def _progress(total: int) -> Iterator[_Bars]:
    console = common.stderr()
    if not console.is_terminal:
        yield _Bars(None, total)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[shown]}"))
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
        yield _Bars(bar, total)


def classify(
    articles_dir: Annotated[Path, typer.Argument(help="Directory of article<ID>.txt files.")],
    template: Annotated[Path, typer.Argument(help="Rows ID<TAB>?<TAB>START<TAB>END (a PTC TC template).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the labelled rows.")],
    model: ModelOption = None,
) -> None:
    """Label given spans with their technique (the TC task).

    Writes the template rows in the same order, with the technique in place of '?'."""
    rows = read_template(template)
    labelled, problems = classify_template(common.load_detector(model), articles_dir, rows)
    for problem in problems:
        error(problem)
    with atomic_output(output) as fh:
        for article, technique, start, end in labelled:
            fh.write(ptc_row(article, technique, start, end))
    if problems:
        error(f"{len(problems)} article(s) failed; the rows of the others were written to {output}")
        raise typer.Exit(1)


__all__ = ["Format", "analyze", "classify"]
