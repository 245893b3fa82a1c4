"""The corpus browser of ``propscan serve --corpus DIR``: a page that searches a batch output's
articles by words, filters them by outlet, technique, voice and date, sorts them and opens one in the
highlighted view, and the same data as JSON under ``/v1/corpus``. All querying is
:class:`propscan.batch.corpus.Corpus`; this module only renders. The page is plain HTML with a GET
form (its CSP allows the form to submit to this server), so it needs no script and every view has
a URL."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from ..batch.corpus import SORTS, Corpus, Filters, Page
from ..errors import InputError
from ..io.report import html_text as _e
from ..io.report import render_report
from ..techniques import TECHNIQUES, get

PAGE_SIZE = 50
_CSS = """
body{font:15px/1.5 system-ui,sans-serif;color:#1d1d1f;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}p.lead{color:#555;margin:0 0 1rem}
form{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;background:#f4f5f7;border:1px solid #ddd;
border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem}
label{display:flex;flex-direction:column;font-size:.85rem;color:#444}
select,input,button{font:inherit;padding:.3rem .4rem}button{background:#1a73e8;color:#fff;border:0;
border-radius:6px;padding:.4rem 1rem;cursor:pointer}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;
border-bottom:1px solid #e5e5e5;vertical-align:top}th{font-size:.85rem;color:#555}
td.n{text-align:right;font-variant-numeric:tabular-nums}td.date{white-space:nowrap}
nav{margin:1rem 0;display:flex;gap:1rem}input[type=search]{min-width:16rem}
.error{background:#fde8e8;border:1px solid #f5b5b5;padding:.5rem 1rem;border-radius:6px}
a:focus,button:focus,select:focus,input:focus{outline:3px solid #f4b400;outline-offset:1px}
"""


def add_corpus_routes(app: FastAPI, corpus: Corpus, headers: dict[str, str]) -> None:
    """Add the corpus page (``/corpus``), article pages and the ``/v1/corpus`` API to ``app``."""

    @app.get("/corpus", response_class=HTMLResponse, include_in_schema=False)
    async def corpus_page(
        q: str = "",
        outlet: str = "",
        technique: str = "",
        voice: str = "",
        since: str = "",
        until: str = "",
        sort: str = "newest",
        page: int = 1,
    ) -> HTMLResponse:
        values = {"q": q, "outlet": outlet, "technique": technique, "voice": voice}
        values |= {"since": since, "until": until}
        values["sort"] = "" if sort == "newest" else sort  # the default stays out of URLs
        facets = await run_in_threadpool(corpus.facets)
        try:
            filters = Filters(**{k: v or None for k, v in values.items() if k != "sort"})
            offset = (max(page, 1) - 1) * PAGE_SIZE
            found = await run_in_threadpool(corpus.search, filters, limit=PAGE_SIZE, offset=offset, sort=sort)
        except InputError as exc:
            body = _page(corpus, facets, values, None, exc.message)
            return HTMLResponse(body, status_code=422, headers=headers)
        return HTMLResponse(_page(corpus, facets, values, found, None), headers=headers)

    @app.get("/corpus/articles/{article_id:path}", response_class=HTMLResponse, include_in_schema=False)
    async def article_page(article_id: str, back: str = "") -> HTMLResponse:
        doc = await run_in_threadpool(corpus.document, article_id)
        title = headline(doc.meta.get("title"), doc.text) or article_id
        page = render_report([doc], title=title, back=(_list_url(back), "All articles"))
        return HTMLResponse(page, headers=headers)

    @app.get("/v1/corpus/facets", tags=["corpus"])
    async def corpus_facets() -> dict[str, Any]:
        """Outlets and techniques with their article counts, and the range of publication dates."""
        return await run_in_threadpool(corpus.facets)

    @app.get("/v1/corpus/articles", tags=["corpus"])
    async def corpus_articles(
        q: str | None = None,
        outlet: str | None = None,
        technique: str | None = None,
        voice: str | None = None,
        since: str | None = None,
        until: str | None = None,
        sort: str = "newest",
        limit: int = PAGE_SIZE,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Articles of the corpus whose text or title holds every word of ``q`` and that match the
        filters (dates inclusive, ISO; ``voice``: ``author`` for articles with a span, of
        ``technique`` if given, in the outlet's own words, ``quoted`` for one in quoted speech),
        sorted by ``sort``: newest (the default), oldest, density or spans."""
        filters = Filters(outlet=outlet, technique=technique, since=since, until=until, q=q, voice=voice)
        found = await run_in_threadpool(corpus.search, filters, limit=limit, offset=offset, sort=sort)
        return {"total": found.total, "offset": found.offset, "articles": found.articles}

    @app.get("/v1/corpus/articles/{article_id:path}", tags=["corpus"])
    async def corpus_article(article_id: str) -> JSONResponse:
        """One article of the corpus as Document JSON, with the spans the batch run found."""
        doc = await run_in_threadpool(corpus.document, article_id)
        return JSONResponse(doc.to_dict())


def _page(
    corpus: Corpus, facets: dict[str, Any], values: dict[str, str], found: Page | None, error: str | None
) -> str:
    title = f"propscan corpus: {corpus.root.name}"
    first, last = readable_date(facets["first"]), readable_date(facets["last"])
    span = f"{first} to {last}" if facets["first"] else "no dates"
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<style>{_CSS}</style></head><body>",
        "<nav aria-label='Pages'><a href='/'>Analyze an article</a>"
        "<a href='/techniques'>The techniques</a></nav>",
        f"<h1>{_e(title)}</h1><p class='lead'>{facets['articles']:,} articles, published {_e(span)}. "
        "Open an article to see its spans highlighted.</p>",
        _form(facets, values),
    ]
    if error is not None:
        parts.append(f"<p class='error' role='alert'>{_e(error)}</p>")
    if found is not None:
        parts.append(_results(found, values))
    parts.append("</body></html>")
    return "".join(parts)


def _form(facets: dict[str, Any], values: dict[str, str]) -> str:
    outlets = [("", "All outlets")] + [
        (o["outlet"], f"{o['outlet']} ({o['articles']:,})") for o in facets["outlets"]
    ]
    counts = {t["technique"]: t["articles"] for t in facets["techniques"]}
    techniques = [("", "All techniques")] + [
        (t.label, f"{t.name} ({counts.get(t.label, 0):,})") for t in TECHNIQUES
    ]
    sorts = [("newest", "Newest first"), ("oldest", "Oldest first"), ("density", "Most propaganda")]
    sorts.append(("spans", "Most spans"))
    return (
        "<form method='get' action='/corpus' aria-label='Filter articles'>"
        f"<label>Words in the text<input type='search' name='q' value='{_e(values['q'])}' "
        "placeholder='e.g. harbour \"city council\"'></label>"
        f"<label>Outlet{_select('outlet', outlets, values['outlet'])}</label>"
        f"<label>Technique{_select('technique', techniques, values['technique'])}</label>"
        f"{_select_voice(values['voice']) if facets['voices'] else ''}"
        f"<label>Published from<input type='date' name='since' value='{_e(values['since'])}'></label>"
        f"<label>to<input type='date' name='until' value='{_e(values['until'])}'></label>"
        f"<label>Sort{_select('sort', [s for s in sorts if s[0] in SORTS], values['sort'])}</label>"
        "<button type='submit'>Filter</button> <a href='/corpus'>Clear</a></form>"
    )


def _select_voice(chosen: str) -> str:
    options = [("", "Anyone's words"), ("author", "The author's own words"), ("quoted", "Quoted speech")]
    return f"<label>Voice{_select('voice', options, chosen)}</label>"


def _select(name: str, options: list[tuple[str, str]], chosen: str) -> str:
    items = "".join(
        f"<option value='{_e(v)}'{' selected' if v == chosen else ''}>{_e(text)}</option>"
        for v, text in options
    )
    return f"<select name='{name}'>{items}</select>"


def _results(found: Page, values: dict[str, str]) -> str:
    first, last = found.offset + 1, found.offset + len(found.articles)
    shown = f"{first:,}–{last:,} of {found.total:,}" if found.articles else "none"
    rows = []
    page = found.offset // PAGE_SIZE + 1
    here = urlencode({**{k: v for k, v in values.items() if v}, **({"page": page} if page > 1 else {})})
    for a in found.articles:
        link = f"/corpus/articles/{quote(str(a['id']), safe='')}" + (
            f"?{urlencode({'back': here})}" if here else ""
        )
        rows.append(
            f"<tr><td class='date'>{_e(readable_date(a['published']))}</td><td>{_e(a['outlet'] or '')}</td>"
            f"<td><a href='{_e(link)}'>{_e(a['headline'] or a['id'])}</a></td>"
            f"<td class='n'>{a['words']:,}</td><td class='n'>{a['spans']:,}</td>"
            f"<td class='n'>{a['density']:.0%}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>Published</th><th>Outlet</th><th>Article</th><th>Words</th>"
        f"<th>Spans</th><th>Density</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    links = []
    if page > 1:
        links.append(f"<a href='{_e(_url(values, page - 1))}' rel='prev'>← Previous</a>")
    if last < found.total:
        links.append(f"<a href='{_e(_url(values, page + 1))}' rel='next'>Next →</a>")
    technique = f" using {get(values['technique']).name.lower()}" if values["technique"] else ""
    if values["voice"]:
        used = technique or " with spans"
        technique = used + (
            " in the author's own words" if values["voice"] == "author" else " in quoted speech"
        )
    summary = f"<p aria-live='polite'>Articles{_e(technique)}: {shown}.</p>"
    return summary + table + f"<nav>{''.join(links)}</nav>"


def _url(values: dict[str, str], page: int) -> str:
    return "/corpus?" + urlencode({**{k: v for k, v in values.items() if v}, "page": page})


def _list_url(back: str) -> str:
    """The list an article was opened from: only the browser's own parameters, on this server."""
    known = {"q", "outlet", "technique", "voice", "since", "until", "sort", "page"}
    kept = [(k, v) for k, v in parse_qsl(back) if k in known]
    return "/corpus" + (f"?{urlencode(kept)}" if kept else "")


def readable_date(published: object) -> str:
    """``2021-03-05`` or ``2021-03-05T10:00:00Z`` as "5 Mar 2021"; anything else as it is."""
    if published is None:
        return ""
    text = str(published)
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day.day} {day:%b %Y}"


def headline(title: object, text: str) -> str:
    """An article's title, else its first non-blank line (the headline of news text), shortened."""
    if isinstance(title, str) and title.strip():
        return title.strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= 160 else first[:157].rsplit(" ", 1)[0] + "…"


__all__ = ["PAGE_SIZE", "add_corpus_routes", "headline", "readable_date"]
