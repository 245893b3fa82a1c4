"""A self-contained HTML report of corpus statistics: three plots as inline SVG, and the tables.

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
from ..techniques import get
from .stats import CorpusStats

TREND_TECHNIQUES = 5  # lines in the trend plot: more than this is unreadable


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
    """Stacked horizontal bars: spans per 1,000 words of each technique, one bar per group."""
    labels = stats.techniques()
    groups = [str(row["group"]) for row in stats.rates]
    fig = _figure(7.5, 1.2 + 0.32 * len(groups))
    ax = fig.add_subplot()
    left = [0.0] * len(groups)
    for label in labels:
        values = [float(row[label] or 0.0) for row in stats.rates]
        technique = get(label)
        ax.barh(groups, values, left=left, color=technique.color, label=technique.name, height=0.7)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()  # largest group on top
    ax.set_xlabel("spans per 1,000 words")
    ax.set_title(f"Technique mix by {stats.by}", fontsize=10, loc="left")
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
    ax.plot(months, [row["spans_per_1000"] or 0 for row in stats.trend], color="#222222", lw=2, label="all")
    for label in stats.techniques()[:TREND_TECHNIQUES]:
        technique = get(label)
        values = [row[label] or 0 for row in stats.trend]
        ax.plot(months, values, color=technique.color, lw=1.5, marker="o", ms=3, label=technique.name)
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
    ax.bar(lows, counts, width=width, align="edge", color="#4c72b0", edgecolor="white")
    ax.set_xlabel("density: % of non-space characters inside a span")
    ax.set_ylabel("articles")
    ax.set_title("Propaganda density per article", fontsize=10, loc="left")
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


def _rates_table(stats: CorpusStats, labels: list[str]) -> str:
    """Rates per group, each over its 95% interval; technique columns under their short names
    (the full name on hover), so 17 columns fit a 1280-pixel screen."""
    keys = ["spans_per_1000", *labels]
    head = "<th>" + html.escape(stats.by) + "</th><th>articles</th><th>all</th>"
    head += "".join(
        f"<th title='{html.escape(get(k).name)}'>{html.escape(get(k).short)}</th>" for k in labels
    )
    body = []
    for row in stats.rates:
        mark = " <span class='small' title='fewer than 30 articles'>*</span>" if row["small"] else ""
        cells = [f"<td class='group'>{html.escape(str(row['group']))}{mark}</td><td>{row['articles']:,}</td>"]
        for key in keys:
            ci = row["ci95"].get(key)
            interval = f"<br><span class='ci'>{ci[0]:.2f}–{ci[1]:.2f}</span>" if ci else ""
            cells.append(f"<td>{float(row[key] or 0):.2f}{interval}</td>")
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
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>{stats.articles:,} articles, {stats.words:,} words; {stats.errors:,} input records "
        "could not be analysed (see the <code>errors</code> table). Rates are spans per 1,000 words, "
        "pooled over each group. Density is the share of an article's non-space characters inside "
        "a span. Spans are model predictions, not annotations.</p>",
        "<h2>Technique mix</h2>",
        f"<figure>{mix_plot(stats)}</figure>",
        "<p class='note'>Spans per 1,000 words; under each rate its 95% interval, with articles as "
        "the sample. <span class='small'>*</span> fewer than 30 articles: such a group's rates move "
        "a lot by chance. Hover over a column's name for the technique's full name.</p>",
        _rates_table(stats, labels),
        "<h2>Change over time</h2>",
        f"<figure>{trend_svg}</figure>"
        if trend_svg
        else "<p class='note'>Needs a <code>published</code> date in at least two months.</p>",
        _table(
            trend,
            [("month", "month"), ("articles", "articles"), ("spans_per_1000", "all")]
            + [(label, get(label).short) for label in labels],
        )
        if trend
        else "",
        "<h2>Density</h2>",
        f"<figure>{density_plot(stats)}</figure>",
        "<p class='note'>Density in percent.</p>",
        _table(density_rows, density_cols, digits=1),
        "<h2>Most frequent span texts per technique</h2>",
        f"<p class='note'>Texts found at least {stats.min_count} times, ignoring case.</p>",
        _table(spans, [("technique", "technique"), ("text", "span text"), ("count", "count")], css="text")
        if spans
        else "<p class='note'>No span text occurs often enough to list (see --min-count).</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(stats: CorpusStats, path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` atomically; returns the path."""
    path = Path(path)
    page = render_html(stats)
    with atomic_output(path) as fh:
        fh.write(page)
    return path


__all__ = ["density_plot", "mix_plot", "render_html", "trend_plot", "write_report"]
