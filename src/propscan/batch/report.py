"""A self-contained HTML report of corpus statistics: plots as inline SVG, and the tables.

The file needs nothing else to open: no script, no font or style sheet from the network. Plots are
drawn with matplotlib's object API (no pyplot state) and keep their text as text, so they stay
sharp in a paper and their labels can be searched. Every string from the data is escaped.
"""

from __future__ import annotations

import html
import io
import os
from pathlib import Path
from typing import Any

from ..errors import require
from ..io.writers import atomic_output
from ..techniques import LABELS, get
from .stats import VOICE_NAMES, CorpusStats

TREND_TECHNIQUES = 5  # lines in the trend plot: more than this is unreadable
AUTHOR_INK, QUOTED_INK = "#3b5b92", "#b5c3db"  # the two voices: dark for the outlet's own words


def _figure(width: float, height: float) -> Any:
    require("batch", "matplotlib")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _svg(fig: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    # text as text (small, searchable); a fixed hash salt and no date make the file reproducible
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "propscan"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype, which HTML does not want


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def mix_plot(stats: CorpusStats) -> str:
    """Stacked horizontal bars: spans per 1,000 words of each technique, one bar per group, in
    ``stats.voice``; when both voices are compared, quoted speech in a second panel on the same
    scale."""
    panels = [(stats.voice, stats.rates)]
    if stats.quoted_rates:
        panels.append(("quoted", stats.quoted_rates))
    labels = [label for label in LABELS if any(row[label] for _, rates in panels for row in rates)]
    labels.sort(key=lambda label: -sum(row[label] * row["words"] for _, rates in panels for row in rates))
    groups = [str(row["group"]) for row in stats.rates]
    fig = _figure(7.5 + 3.5 * (len(panels) - 1), 1.2 + 0.32 * len(groups))
    axes = fig.subplots(1, len(panels), sharey=True, sharex=True, squeeze=False)[0]
    for ax, (voice, rates) in zip(axes, panels, strict=True):
        left = [0.0] * len(groups)
        for label in labels:
            values = [float(row[label] or 0.0) for row in rates]
            technique = get(label)
            ax.barh(groups, values, left=left, color=technique.color, label=technique.name, height=0.7)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel("spans per 1,000 words")
        title = f"Technique mix by {stats.by}" if len(panels) == 1 else "Technique mix"
        ax.set_title(f"{title}, {VOICE_NAMES[voice]}", fontsize=10, loc="left")
        _style(ax)
    axes[0].invert_yaxis()  # largest group on top (the panels share the axis)
    axes[-1].legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _svg(fig)


def voice_plot(stats: CorpusStats) -> str:
    """One bar per group: spans per 1,000 words in the author's voice, then in quoted speech,
    stacked, so the whole bar is the rate of all spans."""
    groups = [str(row["group"]) for row in stats.voices]
    fig = _figure(7.5, 1.2 + 0.32 * len(groups))
    ax = fig.add_subplot()
    author = [float(row["spans_per_1000"]["author"]) for row in stats.voices]
    quoted = [float(row["spans_per_1000"]["quoted"]) for row in stats.voices]
    ax.barh(groups, author, color=AUTHOR_INK, height=0.7, label="the author's voice")
    ax.barh(groups, quoted, left=author, color=QUOTED_INK, height=0.7, label="quoted speech")
    ax.invert_yaxis()
    ax.set_xlabel("spans per 1,000 words")
    ax.set_title(f"Whose words: the author's and quoted speech by {stats.by}", fontsize=10, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _style(ax)
    return _svg(fig)


def trend_plot(stats: CorpusStats) -> str | None:
    """Spans per 1,000 words per month: all techniques, and the most used ones."""
    if len(stats.trend) < 2:
        return None
    months = [row["month"] for row in stats.trend]
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    if stats.voices:  # both voices: all spans, and the two parts of it
        for voice, ink, style in (
            ("all", "#222222", "-"),
            ("author", AUTHOR_INK, "--"),
            ("quoted", QUOTED_INK, ":"),
        ):
            values = [row["by_voice"][voice] for row in stats.trend]
            ax.plot(months, values, color=ink, lw=2, ls=style, label=VOICE_NAMES[voice])
    else:
        values = [row["spans_per_1000"] or 0 for row in stats.trend]
        ax.plot(months, values, color="#222222", lw=2, label=VOICE_NAMES[stats.voice])
    for label in stats.techniques()[:TREND_TECHNIQUES]:
        technique = get(label)
        values = [row[label] or 0 for row in stats.trend]
        name = technique.name if stats.voice == "all" else f"{technique.name} ({stats.voice})"
        ax.plot(months, values, color=technique.color, lw=1.5, marker="o", ms=3, label=name)
    ax.set_ylabel("spans per 1,000 words")
    ax.set_title("Change over time (by month published)", fontsize=10, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if len(months) > 12:  # keep month labels legible
        step = len(months) // 12 + 1
        ax.set_xticks(range(0, len(months), step), months[::step])
    ax.tick_params(axis="x", rotation=45)
    _style(ax)
    return _svg(fig)


def density_plot(stats: CorpusStats) -> str:
    """Histogram of per-article propaganda density."""
    fig = _figure(7.5, 2.8)
    ax = fig.add_subplot()
    lows = [100 * row["low"] for row in stats.histogram]
    width = 100 * (stats.histogram[0]["high"] - stats.histogram[0]["low"]) if stats.histogram else 5
    counts = [row["articles"] for row in stats.histogram]
    if stats.voices:  # both voices, side by side in each bin
        half = [low + width / 2 for low in lows]
        ax.bar(lows, counts, width=width / 2, align="edge", color=AUTHOR_INK, label="the author's voice")
        quoted = [row["quoted"] for row in stats.histogram]
        ax.bar(half, quoted, width=width / 2, align="edge", color=QUOTED_INK, label="quoted speech")
        ax.legend(fontsize=7, frameon=False)
        voice = ""
    else:
        ax.bar(lows, counts, width=width, align="edge", color="#4c72b0", edgecolor="white")
        voice = f", {VOICE_NAMES[stats.voice]}"
    ax.set_xlabel("density: % of non-space characters inside a span")
    ax.set_ylabel("articles")
    ax.set_title(f"Propaganda density per article{voice}", fontsize=10, loc="left")
    _style(ax)
    return _svg(fig)


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], digits: int = 2, css: str = "") -> str:
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            text = f"{value:.{digits}f}" if isinstance(value, float) else _cell(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table class='{css}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f"<div class='wide'>{table}</div>"


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _rates_table(stats: CorpusStats, labels: list[str], rates: list[dict[str, Any]] | None = None) -> str:
    """Rates per group (``stats.rates``, or ``rates``), each over its 95% interval; technique
    columns under their short names (the full name on hover), so 17 columns fit a 1280-pixel
    screen."""
    keys = ["spans_per_1000", *labels]
    head = "<th>" + html.escape(stats.by) + "</th><th>articles</th><th>all</th>"
    head += "".join(
        f"<th title='{html.escape(get(k).name)}'>{html.escape(get(k).short)}</th>" for k in labels
    )
    body = []
    for row in stats.rates if rates is None else rates:
        cells = [_group_cell(row)]
        for key in keys:
            cells.append(f"<td>{float(row[key] or 0):.2f}{_ci(row['ci95'].get(key))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table class='rates'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f"<div class='wide'>{table}</div>"


def _group_cell(row: dict[str, Any]) -> str:
    mark = " <span class='small' title='fewer than 30 articles'>*</span>" if row["small"] else ""
    return f"<td class='group'>{html.escape(str(row['group']))}{mark}</td><td>{row['articles']:,}</td>"


def _ci(ci: list[float] | None) -> str:
    return f"<br><span class='ci'>{ci[0]:.2f}–{ci[1]:.2f}</span>" if ci else ""


def _voices_table(stats: CorpusStats) -> str:
    """Per group: rates of all spans, the author's and the quoted ones (with intervals), the
    quoted share of the spans, and the mean density of each voice."""
    voices = ("all", "author", "quoted")
    head = f"<th>{html.escape(stats.by)}</th><th>articles</th>"
    head += "".join(f"<th>{v} spans per 1,000 words</th>" for v in voices) + "<th>quoted share of spans</th>"
    head += "".join(f"<th>density {v} %</th>" for v in voices)
    body = []
    for row in stats.voices:
        cells = [_group_cell(row)]
        for v in voices:
            cells.append(f"<td>{row['spans_per_1000'][v]:.2f}{_ci(row['ci95'][v])}</td>")
        share = row["quoted_share"]
        cells.append(f"<td>{'' if share is None else f'{100 * share:.0f}%'}</td>")
        cells += [f"<td>{100 * (row['density'][v] or 0):.1f}</td>" for v in voices]
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table class='rates'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f"<div class='wide'>{table}</div>"


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1240px;
color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;margin:.5rem 0}
th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
.wide{overflow-x:auto}table.text td:nth-child(2),table.text th:nth-child(2){text-align:left}
figure{margin:1rem 0}svg{max-width:100%;height:auto}.note{color:#666;font-size:12px}
td:first-child{white-space:nowrap}table.rates th{vertical-align:bottom;max-width:6.5em}
table.rates td{vertical-align:top}table.rates th,table.rates td{padding-left:14px}
.ci{color:#777;font-size:10px;white-space:nowrap}.small{color:#b3261e}
"""


def render_html(stats: CorpusStats, title: str = "propscan corpus report") -> str:
    """The report as one HTML string."""
    labels = stats.techniques()
    density_cols = [("group", stats.by), ("articles", "articles")]
    density_cols += [(k, k) for k in ("mean", "p10", "p50", "p90")]
    density_rows = [
        {**row, **{k: 100 * row[k] for k in ("mean", "p10", "p50", "p90")}} for row in stats.density
    ]
    spans = [{**row, "technique": get(row["technique"]).name} for row in stats.top_spans]
    trend = stats.trend
    trend_svg = trend_plot(stats)
    voice = VOICE_NAMES[stats.voice]
    trend_cols = [("month", "month"), ("articles", "articles")]
    if stats.voices:
        trend = [{**row, **row["by_voice"]} for row in trend]
        trend_cols += [(v, v) for v in ("all", "author", "quoted")]
    else:
        trend_cols.append(("spans_per_1000", stats.voice))
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>{stats.articles:,} articles, {stats.words:,} words; {stats.errors:,} input records "
        "could not be analysed (see the <code>errors</code> table). Rates are spans per 1,000 words, "
        "pooled over each group. Density is the share of an article's non-space characters inside "
        "a span. Spans are model predictions, not annotations.</p>",
        f"<p>{_voice_note(stats)}</p>",
    ]
    if stats.voices:
        parts += [
            "<h2>Whose words</h2>",
            f"<figure>{voice_plot(stats)}</figure>",
            "<p class='note'>Spans per 1,000 words of all spans, of the author's voice and of quoted "
            "speech, each over its 95% interval; the quoted share of the spans; mean density per "
            "voice, in percent. The author's and the quoted rate add up to the rate of all spans.</p>",
            _voices_table(stats),
        ]
    mix = "outlets compared on the author's voice" if stats.voices else voice
    parts += [
        f"<h2>Technique mix, {html.escape(mix.replace('outlets', stats.by + 's', 1))}</h2>",
        f"<figure>{mix_plot(stats)}</figure>",
        f"<p class='note'>Spans per 1,000 words in {voice}; under each rate its 95% interval, with "
        "articles as the sample. <span class='small'>*</span> fewer than 30 articles: such a group's "
        "rates move a lot by chance. Hover over a column's name for the technique's full name.</p>",
        _rates_table(stats, labels),
    ]
    if stats.quoted_rates:
        parts.append(
            "<details><summary>The same rates in quoted speech</summary>"
            f"{_rates_table(stats, labels, stats.quoted_rates)}</details>"
        )
    parts += [
        "<h2>Change over time</h2>",
        f"<figure>{trend_svg}</figure>"
        if trend_svg
        else "<p class='note'>Needs a <code>published</code> date in at least two months.</p>",
        _table(trend, trend_cols + [(label, get(label).short) for label in labels]) if trend else "",
        "<h2>Density</h2>",
        f"<figure>{density_plot(stats)}</figure>",
        f"<p class='note'>Density of {voice}, in percent.</p>",
        _table(density_rows, density_cols, digits=1),
        f"<h2>Most frequent span texts per technique, {voice}</h2>",
        f"<p class='note'>Texts found at least {stats.min_count} times, ignoring case.</p>",
        _table(spans, [("technique", "technique"), ("text", "span text"), ("count", "count")], css="text")
        if spans
        else "<p class='note'>No span text occurs often enough to list (see --min-count).</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _voice_note(stats: CorpusStats) -> str:
    """What the voice of the tables is, said once at the top of the report."""
    if stats.voice == "all" and not stats.voices:
        return "Every span counts, in the author's own words or in quoted speech alike" + (
            " (this output records no voices)." if not stats.voiced else " (--voice all)."
        )
    what = (
        "A span in quoted or reported speech (words the article attributes to someone) is in "
        "<em>quoted speech</em>; every other span is in <em>the author's voice</em>, the outlet's own "
        "words. "
    )
    if stats.voices:
        return what + (
            "Outlets are compared on the author's voice: the technique mix, the trend by technique, "
            "the density and the frequent span texts leave quoted speech out, so an outlet is not "
            "counted for the people it quotes. Quoted speech is shown beside it where there is room."
        )
    return what + f"Every table and plot below is of {VOICE_NAMES[stats.voice]} only (--voice {stats.voice})."


def write_report(stats: CorpusStats, path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` atomically; returns the path."""
    path = Path(path)
    page = render_html(stats)
    with atomic_output(path) as fh:
        fh.write(page)
    return path


__all__ = ["density_plot", "mix_plot", "render_html", "trend_plot", "voice_plot", "write_report"]
