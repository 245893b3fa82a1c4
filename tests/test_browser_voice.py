# ruff: noqa: F811  (the browser fixtures come from test_browser.py and are parameters here)
"""Who is speaking, in a real browser (Chromium, as tests/test_browser.py): quotations set apart
with their speaker on hover, the "author's voice only" toggle and the counts, density and legend
that follow it, and speaker names holding markup shown as text."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from conftest import FakeDetector
from propscan.document import Document, Span
from propscan.io.report import render_report
from propscan.quotes import Quote
from test_browser import PAYLOADS, _analyze, _serve, _techniques, context, live_url, page, shots  # noqa: F401

VOICES_ARTICLE = (
    "Harbour deal passes\n\n“These evil traitors have sold our town,” said Ann Lee, who chairs the "
    "residents group.\nMayor Tom Reed said the deal was no disaster for the town.\n"
    "It is an evil plan, and a disaster for every family."
)


def _stats(page) -> str:
    return page.inner_text("#results .ps-stats")


def _legend(page) -> dict[str, str]:
    found = page.eval_on_selector_all(
        ".ps-toggle", "els => els.map(e => [e.dataset.technique, e.querySelector('.ps-count').textContent])"
    )
    return dict(found)


def test_quotations_are_set_apart_and_name_their_speaker_on_hover(page, live_url, shots):
    page.goto(live_url)
    _analyze(page, VOICES_ARTICLE)
    assert "5 spans shown (3 in quoted speech)" in _stats(page)
    quotes = page.locator("#results .ps-quote")
    assert quotes.count() >= 2 and quotes.first.inner_text() == "These "  # the words before "evil"
    assert page.locator("#results .ps-in-quote").count() == 3  # evil, traitors, disaster
    band = page.eval_on_selector("#results .ps-quote", "e => getComputedStyle(e).backgroundColor")
    assert band not in ("rgba(0, 0, 0, 0)", "transparent")  # visibly set apart
    quotes.first.hover()
    assert page.inner_text(".ps-tooltip") == "Quotation · Ann Lee"
    page.locator("#results .ps-in-quote").nth(2).hover()  # "disaster" in the mayor's reported words
    tip = page.inner_text(".ps-tooltip")
    assert "quoted: Tom Reed" in tip and "Reported speech · Tom Reed" in tip
    page.locator("#results .ps-span:not(.ps-in-quote)").first.hover()
    assert "author's voice" in page.inner_text(".ps-tooltip")
    page.click("#results .ps-list summary")
    voices = page.locator("#results .ps-list tbody tr td:nth-child(3)").all_inner_texts()
    assert voices == ["quoted: Ann Lee", "quoted: Ann Lee", "quoted: Tom Reed", *2 * ["author's voice"]]
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / "page-voices.png"), full_page=True)
    assert page.problems == []


def test_author_voice_only_hides_quoted_spans_and_updates_counts_density_and_legend(page, live_url, shots):
    page.goto(live_url)
    _analyze(page, VOICES_ARTICLE)
    before = _stats(page)
    assert _legend(page) == {
        "Loaded_Language": "2",
        "Name_Calling,Labeling": "1",
        "Exaggeration,Minimisation": "2",
    }
    page.check("#results .ps-author-only")
    assert _techniques(page) == [["Loaded_Language"], ["Exaggeration,Minimisation"]]
    after = _stats(page)
    assert "2 spans shown in the author's voice" in after
    density = [float(text.split("density ")[1].split("%")[0]) for text in (before, after)]
    assert 0 < density[1] < density[0]
    assert _legend(page) == {
        "Loaded_Language": "1",
        "Name_Calling,Labeling": "0",
        "Exaggeration,Minimisation": "1",
    }
    assert page.locator("#results .ps-list tbody tr").count() == 2
    quotes = page.locator("#results .ps-quote").all_inner_texts()  # still set apart, now unmarked
    assert quotes == ["These evil traitors have sold our town,", "the deal was no disaster for the town"]
    page.screenshot(path=str(shots / "page-author-only.png"), full_page=True)
    page.fill(".ps-min-score", "0.8")  # the slider and the toggle combine
    assert _techniques(page) == [["Loaded_Language"]]
    page.uncheck("#results .ps-author-only")
    assert len(_techniques(page)) == 3 and "(2 in quoted speech)" in _stats(page)
    assert page.problems == []


def test_a_speaker_name_holding_markup_is_shown_as_text_and_runs_nothing(page, tmp_path, shots):
    text = "“They are evil,” said Mallory. A plain sentence follows."
    speaker = " ".join(PAYLOADS[:3]) + " \u202eMallory"
    quote = Quote(1, 15, "direct", speaker, 22, 29)
    spans = [Span(10, 14, "Loaded_Language", 0.9, voice="quoted", speaker=speaker)]
    doc = Document(text, spans, {"title": "Speaker attack"}, [quote])
    report = tmp_path / "speaker.html"
    report.write_text(render_report([doc]), encoding="utf-8")
    page.goto(report.as_uri())
    page.wait_for_selector(".ps-span")
    page.locator(".ps-span").hover()
    tip = page.inner_text(".ps-tooltip")
    assert PAYLOADS[0] in tip and PAYLOADS[1] in tip and "[U+202E]Mallory" in tip and "\u202e" not in tip
    page.locator(".ps-quote").first.hover()
    assert "Quotation · " + PAYLOADS[0] in page.inner_text(".ps-tooltip")
    page.click(".ps-list summary")
    assert PAYLOADS[2] in page.inner_text(".ps-list tbody")
    page.wait_for_timeout(300)  # give an injected onerror/onload the chance to fire
    assert page.evaluate("window.__xss") is None and page.problems == []
    assert page.locator("main img, main svg, main iframe, main script").count() == 0
    page.screenshot(path=str(shots / "report-speaker-xss.png"), full_page=True)


def test_a_report_without_voices_has_no_voice_toggle(page, tmp_path, overlap_doc):
    report = tmp_path / "old.html"
    report.write_text(render_report([overlap_doc]), encoding="utf-8")
    page.goto(report.as_uri())
    page.wait_for_selector(".ps-span")
    assert page.locator(".ps-author-only").count() == 0 and page.locator(".ps-quote").count() == 0
    assert "quoted" not in page.inner_text(".ps-stats")


@pytest.fixture(scope="module")
def voice_corpus_url(tmp_path_factory) -> Iterator[str]:
    """A server browsing a batch output whose articles quote people."""
    pytest.importorskip("duckdb", reason="the batch extra is not installed")
    from propscan.batch import run_batch
    from propscan.server import create_app
    from test_voice_corpus import VOICE_ARTICLES

    root = tmp_path_factory.mktemp("voice-corpus")
    rows = [dict(zip(("id", "outlet", "published", "text"), r, strict=True)) for r in VOICE_ARTICLES]
    (root / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_batch([str(root / "feed.jsonl")], root / "out", detector=FakeDetector())
    yield from _serve(create_app(FakeDetector(), corpus=root / "out"))


def test_corpus_browser_filters_by_voice_and_opens_an_article_with_its_quotations(
    page, voice_corpus_url, shots
):
    page.goto(voice_corpus_url + "/corpus")
    page.select_option("select[name=voice]", "author")
    page.select_option("select[name=technique]", "Exaggeration,Minimisation")
    page.click("button[type=submit]")
    page.wait_for_url("**/corpus?*voice=author*")
    assert page.locator("tbody tr").count() == 1  # s1: b2's disaster is the mayor's word
    assert "using exaggeration / minimisation in the author's own words: 1–1 of 1" in page.inner_text("body")
    page.screenshot(path=str(shots / "corpus-voice.png"), full_page=True)
    page.select_option("select[name=voice]", "quoted")
    page.click("button[type=submit]")
    page.wait_for_url("**voice=quoted*")
    page.click("tbody a")
    page.wait_for_selector(".ps-doc")
    assert page.inner_text(".ps-quote") == "the plan was a " and page.locator(".ps-author-only").count() == 1
    page.locator(".ps-in-quote").hover()
    assert "quoted: Tom Reed" in page.inner_text(".ps-tooltip")
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / "corpus-article-voice.png"), full_page=True)
    page.click(".ps-back a")
    page.wait_for_url("**voice=quoted*")
    assert page.input_value("select[name=voice]") == "quoted"
    assert page.problems == []
