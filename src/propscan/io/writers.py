"""Write Documents as JSON, JSONL, PTC rows or a highlighted terminal view.

Every writer streams: ``write(doc)`` per Document, then ``close()`` to finish the format (it does
not close the stream). Formats:

* ``json``: one JSON array of Document objects ``{"text", "spans", "meta"}``, always an array,
  even for a single document.
* ``jsonl``: one Document object per line.
* ``ptc``: FLC rows ``ID<TAB>TECHNIQUE<TAB>START<TAB>END``, ID taken from ``meta["id"]``.
* ``html``: one self-contained interactive report page for all Documents (see ``io/report.py``).
* ``text``: the warnings of :mod:`propscan.checks`, then the article with each span highlighted in
  its technique's colour (the innermost span wins where spans overlap, and overlapping characters
  are underlined) and tagged where it ends with its technique's short name and score, as displaCy
  tags entities; a span in quoted speech adds ``, quoted: Speaker`` to its tag, in words so that
  it shows without colour too. Then a summary table, which says how many spans are in quoted
  speech and whose, and the author's own share. A 16-colour terminal gets each technique's own
  ANSI colour. On a stream without colour (a file, a pipe) spans are marked ``[text|Tag 0.42]``
  instead, and a span table with offsets (and each span's voice) follows.

:func:`atomic_output` opens ``--output`` files so that a failed or interrupted run leaves the old
file (or no file) behind, never a partial one.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from rich.console import Console, Group
from rich.rule import Rule
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..document import Document, Span
from ..errors import InputError
from ..techniques import get
from ..text import plural
from .report import render_report, segments, tag, voice_label

FORMATS: tuple[str, ...] = ("text", "json", "jsonl", "ptc", "html")
# a tab, and every character str.splitlines() breaks a line at
_ROW_BREAK = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class Writer:
    """Base writer: subclasses format one Document at a time onto ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, doc: Document) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the format (e.g. the closing bracket of a JSON array)."""


class JsonWriter(Writer):
    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._count = 0

    def write(self, doc: Document) -> None:
        payload = doc.to_json()  # first: a Document that cannot be written leaves the array intact
        self.stream.write("[\n" if self._count == 0 else ",\n")
        self.stream.write(payload)
        self._count += 1

    def close(self) -> None:
        self.stream.write("[]\n" if self._count == 0 else "\n]\n")


class JsonlWriter(Writer):
    def write(self, doc: Document) -> None:
        self.stream.write(doc.to_json() + "\n")


class PtcWriter(Writer):
    def write(self, doc: Document) -> None:
        article = doc.meta.get("id")
        if article is None or str(article) == "":
            raise InputError("PTC output needs an 'id' in every document's meta")
        rows = [ptc_row(str(article), span.technique, span.start, span.end) for span in doc.spans]
        self.stream.write("".join(rows))


class HtmlWriter(Writer):
    """Collects Documents and writes one report page on close: the page needs all of them at once
    for its table of contents and shared legend."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._docs: list[Document] = []

    def write(self, doc: Document) -> None:
        self._docs.append(doc)

    def close(self) -> None:
        self.stream.write(render_report(self._docs))


class TextWriter(Writer):
    def __init__(self, stream: TextIO, *, width: int | None = None) -> None:
        super().__init__(stream)
        self.console = Console(file=stream, highlight=False, width=width)

    def write(self, doc: Document) -> None:
        system = self.console.color_system
        self.console.print(render(doc, plain=system is None, ansi=system in ("standard", "windows")))


def ptc_row(article: str, technique: str, start: int, end: int) -> str:
    """One line of a PTC label file, newline included. An id holding a tab or a line break would
    forge rows, so it is refused."""
    if _ROW_BREAK.search(article):
        raise InputError(
            f"the id {article[:80]!r} holds a tab or a line break, which PTC rows cannot carry; "
            "use another output format or give ids without them"
        )
    return f"{article}\t{technique}\t{start}\t{end}\n"


def open_writer(fmt: str, stream: TextIO) -> Writer:
    """The writer for ``fmt`` (one of FORMATS) on ``stream``."""
    writers: dict[str, type[Writer]] = {
        "text": TextWriter,
        "json": JsonWriter,
        "jsonl": JsonlWriter,
        "ptc": PtcWriter,
        "html": HtmlWriter,
    }
    if fmt not in writers:
        raise InputError(f"unknown output format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return writers[fmt](stream)


@contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only when the block ends without error.

    Writes go to a temporary file in the same directory (so ``os.replace`` is atomic); on any
    exception, Ctrl-C included, the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    mode = _target_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # name the path given, not the hidden temporary file
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _target_mode(path: Path) -> int:
    # mkstemp creates 0600 files; keep the old file's mode, or what a plain open() would give.
    with suppress(OSError):
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def highlight(doc: Document, *, plain: bool = False, ansi: bool = False) -> Text:
    """The document text with each character styled by the innermost span covering it (the
    shortest, then the highest score; characters inside two or more spans are underlined), and
    each span's tag after its last character. ``plain``: no colour, spans marked ``[text|tag]``;
    ``ansi``: the 16-colour palette."""
    out = Text()
    ends: dict[int, list[Span]] = {}
    for span in doc.spans:
        ends.setdefault(span.end, []).append(span)
    starts = {span.start for span in doc.spans}
    for a, b, active in segments(doc):
        if plain and a in starts:
            out.append("[" * len({s.end for s in doc.spans if s.start == a}))
        if not active:
            out.append(doc.text[a:b])
        else:
            inner = min(active, key=lambda s: (s.end - s.start, -s.score, s.technique))
            style = None if plain else _style(inner.technique, ansi=ansi, underline=len(active) > 1)
            out.append(doc.text[a:b], style=style)
        closing = sorted(ends.get(b, []), key=lambda s: (-s.start, s.technique))
        for start in dict.fromkeys(s.start for s in closing):  # one bracket per extent, inner first
            here = [s for s in closing if s.start == start]
            if plain:
                out.append("|" + " · ".join(tag(s) for s in here) + "]")
                continue
            for span in here:
                out.append(f" {tag(span)} ", style=_style(span.technique, ansi=ansi, bold=True))
    return out


def _style(label: str, *, ansi: bool, underline: bool = False, bold: bool = False) -> Style:
    technique = get(label)
    if ansi:
        dark = technique.ansi in ("red", "blue", "magenta", "bright_black", "bright_blue")
        return Style(
            bgcolor=technique.ansi, color="bright_white" if dark else "black", underline=underline, bold=bold
        )
    r, g, b = (int(technique.color[i : i + 2], 16) for i in (1, 3, 5))
    dark = 0.299 * r + 0.587 * g + 0.114 * b < 140
    return Style(bgcolor=technique.color, color="white" if dark else "black", underline=underline, bold=bold)


def warning_lines(doc: Document) -> list[str]:
    """The messages of the document's warnings (a non-English or short text; see propscan.checks)."""
    found = doc.meta.get("warnings")
    if not isinstance(found, list):
        return []
    return [str(w.get("message", w)) if isinstance(w, dict) else str(w) for w in found]


def render(doc: Document, *, plain: bool = False, ansi: bool = False) -> Group:
    """The warnings, the highlighted article and its summary table (and a span table if ``plain``)."""
    title = str(doc.meta.get("id") or doc.meta.get("source") or "document")
    parts: list[Rule | Text | Table] = [Rule(title)]
    parts += [Text(f"warning: {line}", style="bold yellow") for line in warning_lines(doc)]
    parts += [highlight(doc, plain=plain, ansi=ansi), summary_table(doc, ansi=ansi)]
    if plain and doc.spans:
        parts.append(span_table(doc))
    return Group(*parts)


def summary_table(doc: Document, *, ansi: bool = False) -> Table:
    summary = doc.summary()
    table = Table(title="Summary", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("spans", str(summary.span_count))
    voices = has_voices(doc)
    if voices:
        table.add_row("in quoted speech", Text(quoted_line(doc)))
    table.add_row("density", f"{summary.density:.1%} of non-space characters")
    if voices:
        own = doc.summary(top=0, voice="author")
        table.add_row("author's voice", f"{plural(own.span_count, 'span')}, density {own.density:.1%}")
    for label, count in summary.counts.items():
        technique = get(label)
        swatch = Text("  ■ ", style=technique.ansi if ansi else technique.color)
        table.add_row(swatch + Text(technique.name), str(count))
    for i, sentence in enumerate(summary.top_sentences, start=1):
        names = ", ".join(get(label).name for label in sentence.techniques)
        table.add_row(f"top sentence {i}", Text(f"{sentence.text}\n") + Text(names, style="italic"))
    return table


def has_voices(doc: Document) -> bool:
    """Whether the document's spans say whose voice they are in (quotations were looked for)."""
    return bool(doc.spans) and all(span.voice is not None for span in doc.spans)


def quoted_line(doc: Document) -> str:
    """How many spans are in quoted speech, and whose: ``3 of 6: Ann Lee 2, unnamed 1``."""
    quoted = doc.voiced("quoted")
    if not quoted:
        return f"none of {len(doc.spans)}"
    speakers = Counter(span.speaker or "unnamed" for span in quoted)
    whose = ", ".join(f"{name} {n}" for name, n in sorted(speakers.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{len(quoted)} of {len(doc.spans)}: {whose}"


def span_table(doc: Document) -> Table:
    """The spans with their offsets; with a voice column once quotations were looked for."""
    table = Table(title="Spans", title_justify="left")
    voices = has_voices(doc)
    for column in ("start", "end", "technique", "score", *(["voice"] if voices else []), "text"):
        # labels whole (they are what a script greps for); speakers and texts wrap
        table.add_column(column, no_wrap=column == "technique", max_width=16 if column == "voice" else None)
    for span in doc.spans:
        cells: list[str | Text] = [str(span.start), str(span.end), span.technique, f"{span.score:.2f}"]
        if voices:  # Text: a speaker or a span text is article text, never rich markup
            cells.append(Text(voice_label(span)))
        table.add_row(*cells, Text(span.text))
    return table


__all__ = [
    "FORMATS",
    "HtmlWriter",
    "JsonWriter",
    "JsonlWriter",
    "PtcWriter",
    "TextWriter",
    "Writer",
    "atomic_output",
    "has_voices",
    "highlight",
    "open_writer",
    "ptc_row",
    "quoted_line",
    "render",
    "span_table",
    "summary_table",
    "warning_lines",
]
