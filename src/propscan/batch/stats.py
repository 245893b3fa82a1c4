"""Corpus statistics over a batch output directory, queried with DuckDB straight from the Parquet parts.

Rates are spans per 1,000 words, pooled over a group (total spans / total words), so long articles
weigh as much as their length. Each rate has a 95% interval that treats the group's articles as a
sample of such articles (the normal interval of a ratio estimator, with articles as clusters: the
spans of one article are not independent draws), and a group of fewer than ``SMALL_GROUP``
articles is marked ``small``: its rates move a lot by chance. Density is per article (share of
non-space characters inside a span); its distribution is given as quantiles and a histogram. Time
uses the ``published`` column, whose first ten characters must be an ISO date (``2020-03-05``,
``2020-03-05T10:00:00Z``); other values count as ``(unknown)``. Only finished chunks are counted,
so the statistics of a run still in progress are consistent.

Voice: a span is in the author's own words or in quoted speech (see propscan.quotes). The rates
by technique, the density quantiles and histogram, the frequent span texts and the trend are of
one voice, ``voice``: by default the author's, so that outlets are compared on what they say
themselves and not on whom they quote. By default the ``voices`` table also sets all, author and
quoted rates and densities side by side per group, and the histogram and the trend carry the
quoted ones too. Rates and densities of a voice keep the whole article as their base (its words,
its non-space characters), so the author's and the quoted rate add up to the rate of all spans.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..techniques import LABELS
from .query import check_voices, connect
from .rows import COUNT_COLUMNS, VOICE_COLUMNS

TIME_GROUPS = {
    "month": "strftime(try_cast(left(published, 10) AS DATE), '%Y-%m')",
    "year": "strftime(try_cast(left(published, 10) AS DATE), '%Y')",
}
NONE = "(unknown)"
HISTOGRAM_BIN = 0.05  # density bins of 5 percentage points
SMALL_GROUP = 30  # below this many articles a group's interval is wide and its normal approximation rough
Z95 = 1.959964
VOICE_CHOICES = ("author", "quoted", "all")  # "all": every span, whoever's words it is in
VOICE_NAMES = {"author": "the author's voice", "quoted": "quoted speech", "all": "all spans"}  # for titles


@dataclass
class CorpusStats:
    """Every table of ``propscan stats``, as lists of row dicts (JSON-ready)."""

    by: str
    articles: int
    words: int
    errors: int
    # the voice of rates, density, histogram, top_spans and trend: "author", "quoted" or "all"
    voice: str
    # group, articles, words, small, spans_per_1000, one rate per technique label, and ci95: the
    # [low, high] interval of each of those rates (None for a group of one article)
    rates: list[dict[str, Any]]
    density: list[dict[str, Any]]  # group, articles, mean, p10, p50, p90
    histogram: list[dict[str, Any]]  # low, high, articles
    top_spans: list[dict[str, Any]]  # technique, text, count (at least min_count)
    trend: list[dict[str, Any]] = field(default_factory=list)  # month, articles, ..., per label
    min_count: int = 2  # the fewest times a span text occurs to be listed in top_spans
    # when both voices are shown (no voice asked for, and the output records voices): per group,
    # articles, words, small, spans_per_1000 and ci95 ({"all", "author", "quoted"} each), density
    # (mean per voice) and quoted_share (of the spans); the histogram rows then also carry
    # "quoted" (articles per bin of quoted density) and the trend rows "by_voice" (rate per voice)
    voices: list[dict[str, Any]] = field(default_factory=list)
    quoted_rates: list[dict[str, Any]] = field(default_factory=list)  # as rates, of quoted speech
    voiced: bool = False  # whether the output records each span's voice

    def techniques(self) -> list[str]:
        """Labels ordered by their overall rate, most used first (zero-rate ones dropped)."""
        totals = {label: sum(row[label] * row["words"] for row in self.rates) for label in LABELS}
        return [label for label in sorted(LABELS, key=lambda k: -totals[k]) if totals[label] > 0]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def corpus_stats(
    directory: str | os.PathLike[str],
    *,
    by: str = "outlet",
    top: int = 5,
    groups: int = 20,
    min_count: int = 2,
    voice: str | None = None,
) -> CorpusStats:
    """The statistics of a batch output directory, grouped ``by`` an articles column (``outlet``,
    ``source``, ...) or a period of ``published`` (``month``, ``year``). ``top`` span texts per
    technique that occur at least ``min_count`` times (a text found once says little about a
    corpus); the ``groups`` largest groups (by articles) are shown, the rest pooled as ``(other)``
    (time periods are never pooled). ``voice``: "author", "quoted" or "all" spans; None: the
    author's, with the quoted ones beside them where a table has room (an output written before
    voices were recorded: all spans)."""
    if top < 1 or min_count < 1:
        raise InputError(f"top and min_count must be at least 1, got {top}, {min_count}")
    if voice is not None and voice not in VOICE_CHOICES:
        raise InputError(f"unknown voice {voice!r}; use one of: {', '.join(VOICE_CHOICES)}")
    db = connect(directory)
    columns = [row[0] for row in db.execute("DESCRIBE articles").fetchall()]
    if voice in ("author", "quoted"):
        check_voices(db, directory)
    recorded = _recorded(db, columns)
    shown = voice or ("author" if recorded else "all")
    compare = voice is None and recorded
    group = _group_expr(by, columns)
    if by not in TIME_GROUPS:  # keep the largest groups, pool the long tail
        db.execute(
            f"CREATE VIEW sized AS SELECT coalesce(CAST({group} AS VARCHAR), '{NONE}') AS g, count(*) AS n "
            "FROM articles GROUP BY 1"
        )
        db.execute(f"CREATE VIEW keep AS SELECT g FROM sized ORDER BY n DESC, g LIMIT {int(groups)}")
        db.execute(
            f"CREATE VIEW grouped AS SELECT *, CASE WHEN g0 IN (SELECT g FROM keep) THEN g0 "
            f"ELSE '(other)' END AS grp FROM (SELECT *, coalesce(CAST({group} AS VARCHAR), '{NONE}') "
            "AS g0 FROM articles)"
        )
    else:
        db.execute(f"CREATE VIEW grouped AS SELECT *, coalesce({group}, '{NONE}') AS grp FROM articles")
    order = "grp" if by in TIME_GROUPS else "count(*) DESC, grp"
    for each in VOICE_CHOICES if compare else (shown,):
        _voiced(db, each)
    total_articles, total_words = db.execute(
        "SELECT count(*), coalesce(sum(words), 0) FROM articles"
    ).fetchone()
    n_errors = db.execute("SELECT count(*) FROM errors").fetchone()[0]
    spoken = "" if shown == "all" else f"WHERE voice = '{shown}'"
    stats = CorpusStats(
        by=by,
        articles=int(total_articles),
        words=int(total_words),
        errors=int(n_errors),
        voice=shown,
        rates=_rates(db, f"grouped_{shown}", "grp", order),
        density=_rows(
            db,
            "SELECT grp AS group, count(*) AS articles, avg(density) AS mean, "
            "quantile_cont(density, 0.1) AS p10, quantile_cont(density, 0.5) AS p50, "
            f"quantile_cont(density, 0.9) AS p90 FROM grouped_{shown} GROUP BY grp ORDER BY {order}",
        ),
        histogram=_histogram(db, shown, compare),
        top_spans=_rows(
            db,
            "SELECT technique, text, n AS count FROM (SELECT technique, lower(text) AS text, count(*) AS n, "
            "row_number() OVER (PARTITION BY technique ORDER BY count(*) DESC, lower(text)) AS k "
            f"FROM spans {spoken} GROUP BY technique, lower(text)) "
            f"WHERE k <= {int(top)} AND n >= {int(min_count)} ORDER BY technique, k",
        ),
        trend=_trend(db, columns, shown, compare),
        min_count=min_count,
        voiced=recorded,
    )
    if compare:
        stats.voices, stats.quoted_rates = _voices(db, order, stats.rates)
    return stats


def _recorded(db: Any, columns: list[str]) -> bool:
    """Whether every article of the output says whose voice its spans are in."""
    if "spans_author" not in columns:
        return False
    return not db.execute("SELECT count(*) FROM articles WHERE spans_author IS NULL").fetchone()[0]


def _voiced(db: Any, voice: str) -> None:
    """The view ``grouped_<voice>``: ``grouped`` with its span counts and density of ``voice``'s
    spans only (the counts per technique from the spans table); "all" keeps every span."""
    if voice == "all":
        db.execute("CREATE VIEW grouped_all AS SELECT * FROM grouped")
        return
    count, density = VOICE_COLUMNS[voice]
    kept = ", ".join(f'coalesce(c."{col}", 0) AS "{col}"' for col in COUNT_COLUMNS.values())
    counted = ", ".join(
        f"count(*) FILTER (WHERE technique = '{label}') AS \"{col}\"" for label, col in COUNT_COLUMNS.items()
    )
    db.execute(
        f"CREATE VIEW grouped_{voice} AS SELECT g.* REPLACE ({count} AS spans, {density} AS density, {kept}) "
        f"FROM grouped g LEFT JOIN (SELECT id, {counted} FROM spans WHERE voice = '{voice}' GROUP BY id) c "
        "ON g.id = c.id"
    )


def _voices(
    db: Any, order: str, author: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per group: the rate (with its interval) and mean density of all spans, the author's
    (``author``: their rates, already computed) and the quoted ones, and the share of spans in
    quoted speech; and the rates of quoted speech."""
    found = {voice: _rates(db, f"grouped_{voice}", "grp", order) for voice in ("all", "quoted")}
    found["author"] = author
    means = {
        voice: dict(db.execute(f"SELECT grp, avg(density) FROM grouped_{voice} GROUP BY grp").fetchall())
        for voice in VOICE_CHOICES
    }
    out = []
    for i, row in enumerate(found["all"]):
        each = {voice: found[voice][i] for voice in VOICE_CHOICES}
        spans = {voice: (each[voice]["spans_per_1000"] or 0.0) for voice in VOICE_CHOICES}
        out.append(
            {
                "group": row["group"],
                "articles": row["articles"],
                "words": row["words"],
                "small": row["small"],
                "spans_per_1000": spans,
                "ci95": {voice: each[voice]["ci95"]["spans_per_1000"] for voice in VOICE_CHOICES},
                "density": {voice: means[voice][row["group"]] for voice in VOICE_CHOICES},
                "quoted_share": spans["quoted"] / spans["all"] if spans["all"] else None,
            }
        )
    return out, found["quoted"]


def _group_expr(by: str, columns: list[str]) -> str:
    if by in TIME_GROUPS:
        if "published" not in columns:
            raise InputError(f"--by {by} needs a 'published' column, which this output lacks")
        return TIME_GROUPS[by]
    hidden = {"row", "meta", "words", "chars", "spans", "density", *COUNT_COLUMNS.values()}
    hidden |= {column for pair in VOICE_COLUMNS.values() for column in pair}
    allowed = [c for c in columns if c not in hidden]
    if by not in allowed:
        choices = ", ".join([*allowed, *TIME_GROUPS])
        raise InputError(f"cannot group by {by!r}; choose one of: {choices}")
    return f'"{by}"'


def _rates(db: Any, view: str, key: str, order: str) -> list[dict[str, Any]]:
    """Pooled rates per group, each with its 95% interval: the ratio estimator's standard error
    sqrt(n / (n - 1) * sum((x_i - r * w_i)^2)) / sum(w_i), articles i as clusters."""
    counts = {"spans_per_1000": "spans", **{label: col for label, col in COUNT_COLUMNS.items()}}
    rates = ", ".join(f'1000.0 * sum({col}) / nullif(sum(words), 0) AS "{k}"' for k, col in counts.items())
    # the errors need each group's rate first: a window over the group gives it per article
    ratio = ", ".join(
        f'sum({col}) OVER g / nullif(sum(words) OVER g, 0) AS "r:{k}"' for k, col in counts.items()
    )
    errors = ", ".join(
        f'1000.0 * sqrt(count(*) / nullif(count(*) - 1, 0) * sum(power({col} - "r:{k}" * words, 2))) '
        f'/ nullif(sum(words), 0) AS "se:{k}"'
        for k, col in counts.items()
    )
    rows = _rows(
        db,
        f"SELECT {key} AS group, count(*) AS articles, sum(words) AS words, {rates}, {errors} "
        f"FROM (SELECT *, {ratio} FROM {view} WINDOW g AS (PARTITION BY {key})) "
        f"GROUP BY {key} ORDER BY {order}",
    )
    for row in rows:
        row["small"] = row["articles"] < SMALL_GROUP
        row["ci95"] = {}
        for k in counts:
            se, rate = row.pop(f"se:{k}"), row[k] or 0.0
            row["ci95"][k] = None if se is None else [max(0.0, rate - Z95 * se), rate + Z95 * se]
    return rows


def _trend(db: Any, columns: list[str], voice: str, compare: bool) -> list[dict[str, Any]]:
    if "published" not in columns:
        return []
    for each in VOICE_CHOICES if compare else (voice,):
        db.execute(
            f"CREATE VIEW dated_{each} AS SELECT *, {TIME_GROUPS['month']} AS month FROM grouped_{each}"
        )
    rows = _rates(db, f"dated_{voice} WHERE month IS NOT NULL", "month", "month")
    means = dict(db.execute(f"SELECT month, avg(density) FROM dated_{voice} GROUP BY month").fetchall())
    others = {
        each: {
            r["group"]: r["spans_per_1000"]
            for r in _rates(db, f"dated_{each} WHERE month IS NOT NULL", "month", "month")
        }
        for each in (VOICE_CHOICES if compare else ())
    }
    for row in rows:
        row["month"] = row.pop("group")
        row["density"] = means[row["month"]]
        if compare:
            row["by_voice"] = {each: others[each][row["month"]] or 0.0 for each in VOICE_CHOICES}
    return rows


def _histogram(db: Any, voice: str, compare: bool) -> list[dict[str, Any]]:
    """Articles per density bin of ``voice``'s spans (and, comparing, of the quoted ones)."""
    bins = {each: _bins(db, f"grouped_{each}") for each in ((voice, "quoted") if compare else (voice,))}
    counts = bins[voice]
    last = int(max(max(b) if b else 0 for b in bins.values()))
    rows = []
    for b in range(last + 1):
        row = {"low": round(b * HISTOGRAM_BIN, 4), "high": round((b + 1) * HISTOGRAM_BIN, 4)}
        row["articles"] = counts.get(b, 0)
        if compare:
            row["quoted"] = bins["quoted"].get(b, 0)
        rows.append(row)
    return rows


def _bins(db: Any, view: str) -> dict[int, int]:
    return {
        int(b): n
        for b, n in db.execute(
            f"SELECT least(floor(density / {HISTOGRAM_BIN}), {int(1 / HISTOGRAM_BIN) - 1}) AS b, count(*) "
            f"FROM {view} GROUP BY b"
        ).fetchall()
    }


def _rows(db: Any, sql: str) -> list[dict[str, Any]]:
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    return [
        {k: (0.0 if v is None and k in LABELS else v) for k, v in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]


__all__ = ["VOICE_CHOICES", "VOICE_NAMES", "CorpusStats", "corpus_stats"]
