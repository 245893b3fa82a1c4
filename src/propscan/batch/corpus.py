"""Browse a batch output: search its articles by words, filter them by outlet, technique, voice and
date, sort them, and open one as a Document. The web app's corpus page (``propscan serve --corpus
DIR``) is a front end of this."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..document import VOICES, Document, Span
from ..errors import InputError, require
from ..quotes import find_quotes
from ..techniques import LABELS
from .query import check_voices, connect
from .store import DamagedOutputError, Store

PUBLISHED_DATE = "try_cast(left(published, 10) AS DATE)"  # as `propscan stats` reads dates
MAX_PAGE = 200
MAX_QUERY = 200  # characters of a keyword search
# the orders a list can take; ties broken by input order, so paging is stable
SORTS = {
    "newest": f"{PUBLISHED_DATE} DESC NULLS LAST, row",
    "oldest": f"{PUBLISHED_DATE} ASC NULLS LAST, row",
    "density": "density DESC, row",
    "spans": "spans DESC, row",
}
# a text file's headline is its first line; pages extracted from HTML have a title
_LIST_COLUMNS = (
    "id, coalesce(title, left(split_part(ltrim(text), chr(10), 1), 160)) AS headline, "
    "outlet, published, source, words, spans, density"
)


class ArticleNotFound(InputError):
    code = "E-NOT-FOUND"
    http_status = 404


@dataclass(frozen=True)
class Filters:
    """What to show; None means any. Dates are inclusive ISO dates (``2021-03-05``). ``q`` keeps
    articles whose text or title contains every one of its words, ignoring case (also inside a
    longer word); a phrase in double quotes must appear as it is. ``voice`` ("author" or
    "quoted") keeps articles with a span in that voice, of ``technique`` when one is given: the
    outlet's own words, or someone's quoted or reported speech."""

    outlet: str | None = None
    technique: str | None = None
    since: str | None = None
    until: str | None = None
    q: str | None = None
    voice: str | None = None

    def __post_init__(self) -> None:
        if self.q is not None and len(self.q) > MAX_QUERY:
            raise InputError(f"a search has at most {MAX_QUERY} characters, got {len(self.q)}")
        if self.technique is not None and self.technique not in LABELS:
            raise InputError(f"unknown technique {self.technique!r}; use one of: {', '.join(LABELS)}")
        if self.voice is not None and self.voice not in VOICES:
            raise InputError(f"unknown voice {self.voice!r}; use one of: {', '.join(VOICES)}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    raise InputError(f"{name} must be a date like 2021-03-05, got {value!r}") from None

    def where(self) -> tuple[str, list[Any]]:
        """A SQL condition on ``articles`` and its parameters (values are never pasted into SQL)."""
        clauses: list[str] = ["TRUE"]
        params: list[object] = []
        if self.outlet is not None:
            clauses.append("outlet = ?")
            params.append(self.outlet)
        if self.technique is not None and self.voice is not None:
            clauses.append("id IN (SELECT id FROM spans WHERE technique = ? AND voice = ?)")
            params += [self.technique, self.voice]
        elif self.technique is not None:
            clauses.append("id IN (SELECT id FROM spans WHERE technique = ?)")
            params.append(self.technique)
        elif self.voice is not None:
            clauses.append("id IN (SELECT id FROM spans WHERE voice = ?)")
            params.append(self.voice)
        if self.since is not None:
            clauses.append(f"{PUBLISHED_DATE} >= ?")
            params.append(dt.date.fromisoformat(self.since))
        if self.until is not None:
            clauses.append(f"{PUBLISHED_DATE} <= ?")
            params.append(dt.date.fromisoformat(self.until))
        for term in self.terms():
            # instr on lower(): a plain substring test, so % and _ in a search mean themselves
            clauses.append("(instr(lower(text), ?) > 0 OR instr(lower(coalesce(title, '')), ?) > 0)")
            params += [term, term]
        return " AND ".join(clauses), params

    def terms(self) -> list[str]:
        """The lower-cased words and quoted phrases of ``q``."""
        if not self.q:
            return []
        return [a or b for a, b in re.findall(r'"([^"]+)"|(\S+)', self.q.lower()) if (a or b).strip()]


@dataclass(frozen=True)
class Page:
    """One page of matching articles (newest first) and how many match in all."""

    total: int
    offset: int
    articles: list[dict[str, Any]]  # id, headline, outlet, published, source, words, spans, density


class Corpus:
    """A batch output directory opened for browsing. Safe to share between threads: every query
    runs on its own DuckDB cursor."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.root = Path(directory)
        self._db = connect(self.root)  # checks every part first
        self._failure = require("batch", "duckdb").Error

    def _query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self._db.cursor()
        try:
            result = cursor.execute(sql, params or [])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        except self._failure as exc:  # a part damaged since the browser opened: name it
            Store(self.root).check()
            raise DamagedOutputError(f"reading {self.root} failed: {exc}") from exc
        finally:
            cursor.close()

    def voiced(self) -> bool:
        """Whether every article says whose voice its spans are in (an output written before
        propscan recorded voices does not, and cannot be filtered by voice)."""
        try:
            check_voices(self._db.cursor(), self.root)
        except InputError:
            return False
        return True

    def facets(self) -> dict[str, Any]:
        """What the filters can take: outlets and techniques with article counts, the date range,
        and whether the voice filter can be used (``voices``)."""
        outlets = self._query(
            "SELECT outlet, count(*) AS articles FROM articles WHERE outlet IS NOT NULL "
            "GROUP BY outlet ORDER BY articles DESC, outlet"
        )
        techniques = self._query(
            "SELECT technique, count(DISTINCT id) AS articles FROM spans GROUP BY technique "
            "ORDER BY articles DESC, technique"
        )
        (dates,) = self._query(
            f"SELECT count(*) AS articles, min({PUBLISHED_DATE}) AS first, max({PUBLISHED_DATE}) AS last "
            "FROM articles"
        )
        return {
            "articles": dates["articles"],
            "outlets": outlets,
            "techniques": techniques,
            "first": dates["first"].isoformat() if dates["first"] else None,
            "last": dates["last"].isoformat() if dates["last"] else None,
            "voices": self.voiced(),
        }

    def search(
        self, filters: Filters = Filters(), *, limit: int = 50, offset: int = 0, sort: str = "newest"
    ) -> Page:
        """The articles that match ``filters`` in the order ``sort`` names (``newest`` first, the
        default, or ``oldest``, undated last either way; or most ``density``; or most ``spans``),
        ``limit`` at a time."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InputError(f"limit must be 1 to {MAX_PAGE} and offset 0 or more, got {limit}, {offset}")
        if sort not in SORTS:
            raise InputError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
        if filters.voice is not None:
            check_voices(self._db.cursor(), self.root)
        where, params = filters.where()
        (count,) = self._query(f"SELECT count(*) AS n FROM articles WHERE {where}", params)
        if offset >= count["n"]:  # past the end: an empty page (and no offset too big for SQL)
            return Page(total=int(count["n"]), offset=offset, articles=[])
        rows = self._query(
            f"SELECT {_LIST_COLUMNS} FROM articles WHERE {where} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return Page(total=int(count["n"]), offset=offset, articles=rows)

    def document(self, article_id: str) -> Document:
        """The article ``article_id`` with its spans, as the batch run found them, each with its
        voice and speaker where the run recorded them; the quotations are found again in the
        text (a few milliseconds), since the tables keep only the spans' voices."""
        found = self._query(
            "SELECT id, title, outlet, published, url, source, text FROM articles WHERE id = ?", [article_id]
        )
        if not found:
            raise ArticleNotFound(f"no article with id {article_id!r} in {self.root}")
        article = found[0]
        spans = self._query('SELECT * FROM spans WHERE id = ? ORDER BY start, "end"', [article_id])
        meta = {k: v for k, v in article.items() if k != "text" and v is not None}
        marked = [  # an output written before voices has no voice column: None
            Span(
                s["start"],
                s["end"],
                s["technique"],
                s["score"],
                voice=s.get("voice"),
                speaker=s.get("speaker"),
            )
            for s in spans
        ]
        voiced = all(span.voice is not None for span in marked)
        return Document(article["text"], marked, meta, find_quotes(article["text"]) if voiced else [])


__all__ = ["MAX_PAGE", "SORTS", "ArticleNotFound", "Corpus", "Filters", "Page"]
