"""``propscan analyze`` (spans in articles) and ``propscan classify`` (the TC task on a template)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..io.ptc import classify_template, read_template
from ..io.readers import count_inputs, read_inputs
from ..io.records import analyze_records
from ..io.writers import atomic_output, open_writer, ptc_row, warning_lines
from . import common
from .common import MinScoreOption, ModelOption, ThresholdOption, TokenThresholdOption, error

WARN_MAX = 5  # inputs whose warnings are printed on stderr; past these, one line counts the rest


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    ptc = "ptc"
    html = "html"


def analyze(
    paths: Annotated[
        list[str],
        typer.Argument(help="Text or .html files, directories of them (not recursive), .jsonl files or '-'."),
    ],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    min_score: MinScoreOption = None,
    model: ModelOption = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Windows per forward pass; default: the detector's.")
    ] = None,
    token_threshold: TokenThresholdOption = None,
    threshold: ThresholdOption = None,
) -> None:
    """Find propaganda spans in articles."""
    cutoff = common.token_threshold(token_threshold, threshold)
    detector = common.load_detector(model)
    failed = warned = 0
    with common.destination(output) as stream, common.progress_bar(count_inputs(paths), "analyzing") as bar:
        writer = open_writer(format.value, stream)
        records = read_inputs(paths)
        for record, doc in analyze_records(
            detector,
            records,
            batch_size=batch_size,
            min_score=min_score,
            token_threshold=cutoff,
            progress=bar,
        ):
            if doc is None:
                error(f"{record.source}: {record.error}")
                failed += 1
            else:
                writer.write(doc)
                lines = warning_lines(doc) if format is not Format.text else []  # text shows them itself
                warned += bool(lines)
                if lines and warned <= WARN_MAX:
                    common.warn(
                        f"{doc.meta.get('source') or doc.meta.get('id') or 'input'}: {'; '.join(lines)}"
                    )
        writer.close()
    if warned > WARN_MAX:
        common.warn(f"{warned - WARN_MAX} more input(s) have warnings: see meta.warnings in the output")
    if failed:
        error(f"{failed} input(s) could not be read; the others were analyzed")
        raise typer.Exit(1)


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
