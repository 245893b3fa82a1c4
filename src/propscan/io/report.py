"""Documents -> HTML: a self-contained interactive report, and a static fragment for notebooks.

The interactive view (highlighting, legend toggles, minimum-score slider, summary, bar chart, table of
contents) is drawn in the browser by ``static/report.js`` from the Documents embedded as JSON, so
the report file and the web page (``propscan serve``) share one renderer. The CSS and JS are
package data, read once and inlined: a report opens offline and fetches nothing.

The notebook fragment (``Document._repr_html_``) is drawn here in Python with inline styles only,
because notebook viewers (GitHub, nbviewer, untrusted Jupyter) strip scripts.

Article text is untrusted. Every piece of it goes through ``html.escape`` here, the embedded JSON
escapes ``<``, ``>``, ``&`` and U+2028/9 (:func:`script_json`), and report.js only ever assigns
text with ``textContent``. Nothing in an article can become markup or code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from html import escape
from importlib import resources
from itertools import pairwise
from typing import Any

from ..document import Document, Span
from ..techniques import TECHNIQUES, get
from ..text import plural

_STATIC = "static"
# how to read a span, said once for the report, the web page and the corpus browser
READING = (
    "Highlighted passages use a propaganda technique according to the model. Hover over or tab to a "
    "passage for the technique, its definition and its score. A score is the model's calibrated "
    "probability that the span is right: on news articles like those it was trained on, spans scored "
    "0.6 are right about 6 times in 10; on other kinds of text, less often. Treat each span as a "
    "prompt to look closer, not as a verdict."
)
# bidi controls would reorder the text after them (a "Trojan Source" trick): show them as markers
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


@cache
def asset(name: str) -> str:
    """The text of a file in ``propscan/io/static`` (report.css, report.js)."""
    return resources.files(__package__).joinpath(_STATIC, name).read_text("utf-8")


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``</script>``, no
    ``<!--``, and no U+2028/U+2029 (line terminators in old JS parsers) can appear in it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, safe in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(raw, safe)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def techniques_json() -> list[dict[str, str]]:
    """The technique catalogue as report.js reads it."""
    return [
        {"label": t.label, "name": t.name, "definition": t.definition, "color": t.color} for t in TECHNIQUES
    ]


def report_data(docs: Iterable[Document]) -> dict[str, Any]:
    """What report.js renders: the Documents (their JSON form) and the technique catalogue."""
    return {"documents": [doc.to_dict() for doc in docs], "techniques": techniques_json()}


def render_report(
    docs: Sequence[Document], *, title: str | None = None, back: tuple[str, str] | None = None
) -> str:
    """One self-contained HTML page showing every Document interactively. ``back``: a (relative
    URL, text) link above the title, as the corpus browser's article pages have."""
    if title is None:
        first = (docs[0].meta.get("title") or docs[0].meta.get("id")) if len(docs) == 1 else None
        title = f"propscan: {first}" if first else "propscan report"
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # the report needs nothing from the network: forbid it, so a bug cannot leak a request
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{html_text(title)}</title>\n<style>\n{asset('report.css')}</style>\n</head>\n<body>\n"
        f'<header class="ps-report ps-header">{_back(back)}<h1>{html_text(title)}</h1>'
        f'<p class="ps-muted">{READING}</p></header>\n'
        '<main id="propscan-report" class="ps-report"><noscript>This report needs JavaScript to draw '
        "the highlighted articles.</noscript></main>\n"
        f'<script type="application/json" id="propscan-data">{script_json(report_data(docs))}</script>\n'
        f"<script>\n{asset('report.js')}</script>\n</body>\n</html>\n"
    )


def _back(back: tuple[str, str] | None) -> str:
    if back is None:
        return ""
    href, text = back
    if not href.startswith("/") or href.startswith("//"):  # a path on this server, never elsewhere
        raise ValueError(f"a back link is a path on the same server, got {href!r}")
    return f'<nav class="ps-back"><a href="{html_text(href)}">← {html_text(text)}</a></nav>'


def segments(doc: Document) -> list[tuple[int, int, list[Span]]]:
    """The text cut at every span boundary: (start, end, spans covering [start, end)) in order,
    uncovered stretches included with an empty list. Overlaps become segments with several spans."""
    spans = doc.spans  # sorted by start
    cuts = sorted({0, len(doc.text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[tuple[int, int, list[Span]]] = []
    active: list[Span] = []
    nxt = 0
    for a, b in pairwise(cuts):
        while nxt < len(spans) and spans[nxt].start <= a:
            active.append(spans[nxt])
            nxt += 1
        active = [s for s in active if s.end > a]
        out.append((a, b, list(active)))
    return out


def visible(text: str) -> str:
    """``text`` with each bidi control character replaced by a visible ``[U+XXXX]`` marker."""
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def html_text(value: object) -> str:
    """Untrusted ``value`` as HTML text or attribute content: escaped, bidi controls made visible."""
    return escape(visible(str(value)), quote=True)


def tag(span: Span) -> str:
    """What the terminal and notebook views show where a span ends: its technique's short name
    and its score, as displaCy shows an entity's label, then for a span in quoted speech
    ``, quoted: Speaker`` (``, quoted`` when the text names nobody)."""
    quoted = f", {voice_label(span)}" if span.voice == "quoted" else ""
    return f"{get(span.technique).short} {span.score:.2f}{quoted}"


def voice_label(span: Span) -> str:
    """``author``, ``quoted: Speaker`` or ``quoted`` (the text names nobody); empty when the
    span's voice is not known (quotations were not looked for)."""
    if span.voice == "quoted":
        return f"quoted: {span.speaker}" if span.speaker else "quoted"
    return span.voice or ""


def _chip(span: Span) -> str:
    color = get(span.technique).color
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    ink = "#fff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else "#000"
    return (
        f'<span class="propscan-tag" style="background:{color};color:{ink};font-size:70%;font-weight:600;'
        f'border-radius:3px;padding:0 4px;margin:0 2px;white-space:nowrap">{html_text(tag(span))}</span>'
    )


def _said(span: Span) -> str:
    label = voice_label(span)
    return f", {label}" if label else ""


def _quoted_count(doc: Document) -> str:
    if not doc.spans or any(span.voice is None for span in doc.spans):
        return ""
    return f" ({len(doc.voiced('quoted'))} in quoted speech)"


def render_fragment(doc: Document) -> str:
    """A static highlighted view of one Document (inline styles, no script), for notebooks and
    spaCy: every span tagged with its technique and score where it ends (and, in quoted speech,
    the speaker), text and line breaks kept as they are."""
    parts = []
    ends: dict[int, list[Span]] = {}
    for span in doc.spans:
        ends.setdefault(span.end, []).append(span)
    for start, end, covering in segments(doc):
        piece = html_text(doc.text[start:end])
        if not covering:
            parts.append(piece)
            continue
        # one underline per covering span, stacked, so an overlap never hides a technique
        techs = [get(s.technique) for s in covering]
        shadows = ", ".join(f"inset 0 -{3 * (i + 1)}px 0 {t.color}" for i, t in enumerate(techs))
        pairs = zip(techs, covering, strict=True)
        tip = "\n".join(f"{t.name} (score {s.score:.2f}{_said(s)}): {t.definition}" for t, s in pairs)
        parts.append(
            f'<mark title="{html_text(tip)}" style="background:{get(covering[-1].technique).color}22;'
            f'color:inherit;box-shadow:{shadows};padding-bottom:{3 * len(covering)}px">{piece}</mark>'
        )
        parts += [_chip(s) for s in sorted(ends.get(end, []), key=lambda s: (-s.start, s.technique))]
    summary = doc.summary()
    legend = " ".join(
        f'<span style="white-space:nowrap"><span style="display:inline-block;width:.8em;height:.8em;'
        f'background:{get(label).color}"></span> {escape(get(label).name)} ({count})</span>'
        for label, count in summary.counts.items()
    )
    title = doc.meta.get("title")
    head = f"<strong>{html_text(title)}</strong><br>" if title else ""
    found = doc.meta.get("warnings")
    warnings = found if isinstance(found, list) else []
    head += "".join(
        f'<div style="background:#fef7e0;border-radius:4px;padding:2px 6px;margin:2px 0">warning: '
        f"{html_text(w.get('message', w) if isinstance(w, dict) else w)}</div>"
        for w in warnings
    )
    return (
        '<div class="propscan-doc" style="font-family:system-ui,sans-serif;line-height:1.9">'
        f"{head}<div>{plural(summary.span_count, 'span')}{_quoted_count(doc)}, propaganda density "
        f"{summary.density:.1%}</div>"
        f'<div style="font-size:90%">{legend}</div>'
        f'<div style="white-space:pre-wrap;margin-top:.5em">{"".join(parts)}</div></div>'
    )


__all__ = [
    "READING",
    "asset",
    "html_text",
    "render_fragment",
    "render_report",
    "report_data",
    "script_json",
    "segments",
    "tag",
    "techniques_json",
    "visible",
    "voice_label",
]
