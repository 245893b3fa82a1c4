"""The web page and the HTML report in a real browser: headless Debian Chromium driven by Playwright.

The server runs on loopback with a fake detector and a fake fetcher. Screenshots go to
$PROPSCAN_SCREENSHOTS when set (to look at them), else to the test's temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CheckedDetector, FakeDetector
from propscan.document import Document, Span
from propscan.errors import FetchError
from propscan.io.readers import Record
from propscan.io.report import render_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("CI"):  # .ci/run installs it: a missing one is a CI bug
    raise RuntimeError("Chromium is missing in CI; .ci/run should have installed it with apt-get")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed: the browser tests need Debian's chromium (sudo apt-get install "
        "chromium; .ci/run installs it)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra (playwright) is not installed")
pytest.importorskip("uvicorn", reason="the server extra is not installed")

# flags for a sandboxed CI machine with no display, GPU or network
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTICLE = (
    "Harbour deal passes\n\nThe council passed the evil harbour deal on Monday. Critics called the "
    "members traitors and warned of a disaster for every family in town."
)
# each payload sets window.__xss or opens a dialog if it ever runs
PAYLOADS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    '<svg onload="window.__xss = 3"></svg>',
    '<a href="javascript:window.__xss = 4">click</a>',
    "</script><script>alert(5)</script>",
    "\u202eevil\u202c <!-- \u2028 \u2029 -->",
    '"><iframe srcdoc="<script>parent.__xss = 6</script>">',
]
XSS_TEXT = "Those evil traitors. " + " ".join(PAYLOADS) + " A disaster."


def _fetch(url: str, *, allow_private: bool = False) -> Record:
    if "private" in url:
        raise FetchError(f"{url} points at a private address; propscan does not fetch those", 403)
    return Record("page", url, ARTICLE, meta={"title": "Fetched <b>page</b>", "url": url})


def _serve(app) -> Iterator[str]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    from propscan.server import create_app

    yield from _serve(create_app(CheckedDetector(), fetch=_fetch))


@pytest.fixture(scope="module")
def corpus_url(tmp_path_factory) -> Iterator[str]:
    """A server browsing a batch output of five articles, two to a page."""
    pytest.importorskip("duckdb", reason="the batch extra is not installed")
    from propscan.batch import run_batch
    from propscan.server import corpus as corpus_module
    from propscan.server import create_app

    root = tmp_path_factory.mktemp("corpus")
    rows = [
        ("b1", "Bugle", "2021-01-05", "Evil harbour deal\nThe evil plan of the traitors."),
        ("b2", "Bugle", "2021-02-10T08:00:00Z", "Calm day\nA quiet day in the harbour."),
        ("b3", "Bugle", "2021-03-01", "Storm\nA disaster for the harbour, evil and sad."),
        ("s1", "Star", "2021-02-11", "Market news\nPrices rose in the harbour market."),
        ("s2", "Star", "2021-04-02", "Traitors\nThey called the council traitors."),
    ]
    feed = root / "feed.jsonl"
    feed.write_text(
        "".join(
            json.dumps(dict(zip(("id", "outlet", "published", "text"), r, strict=True))) + "\n" for r in rows
        )
    )
    run_batch([str(feed)], root / "out", detector=FakeDetector())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpus_module, "PAGE_SIZE", 2)
        yield from _serve(create_app(FakeDetector(), corpus=root / "out"))


@pytest.fixture(scope="module")
def context():
    with sync_api.sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS, accept_downloads=True
        )
        yield ctx
        ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.problems = []  # script errors and dialogs: any dialog means injected code ran
    page.on("pageerror", lambda exc: page.problems.append(f"error: {exc}"))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    page.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("PROPSCAN_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def _techniques(page, selector: str = ".ps-span") -> list[list[str]]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.techniques.split(' '))")


def _analyze(page, text: str) -> None:
    page.fill("#text", text)
    page.click("#analyze")
    page.wait_for_selector("#results .ps-span")


def test_page_highlights_a_pasted_article_and_the_legend_toggles_techniques(page, live_url, shots):
    page.goto(live_url)
    _analyze(page, ARTICLE)
    everything = [["Loaded_Language"], ["Name_Calling,Labeling"], ["Exaggeration,Minimisation"]]
    assert _techniques(page) == everything
    legend = page.locator(".ps-toggle")
    assert legend.count() == 3 and "Loaded language1" in legend.first.inner_text().replace("\n", "")
    assert "3 spans found" in page.inner_text("#status")
    page.screenshot(path=str(shots / "page.png"), full_page=True)

    page.click('.ps-toggle[data-technique="Loaded_Language"]')
    assert _techniques(page) == [["Name_Calling,Labeling"], ["Exaggeration,Minimisation"]]
    assert page.get_attribute('.ps-toggle[data-technique="Loaded_Language"]', "aria-pressed") == "false"
    page.click('.ps-toggle[data-technique="Loaded_Language"]')
    assert len(_techniques(page)) == 3

    page.fill(".ps-min-score", "0.75")  # the fake scores: evil 0.9, traitors 0.8, disaster 0.7
    assert _techniques(page) == [["Loaded_Language"], ["Name_Calling,Labeling"]]
    assert page.problems == []


def test_page_spans_are_keyboard_reachable_and_explain_themselves(page, live_url):
    page.goto(live_url)
    _analyze(page, ARTICLE)
    page.focus("#analyze")
    for _ in range(10):  # Tab from the button reaches the first highlighted span
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('ps-span')"):
            break
    assert page.evaluate("document.activeElement.textContent") == "evil"
    tip = page.locator(".ps-tooltip")
    assert tip.is_visible() and "Loaded language" in tip.inner_text() and "score 0.90" in tip.inner_text()
    page.keyboard.press("Escape")
    assert not tip.is_visible()


def test_page_downloads_json_and_report_and_shows_errors(page, live_url, tmp_path):
    page.goto(live_url)
    page.click("#analyze")
    assert "Paste the text" in page.inner_text("#error")
    _analyze(page, ARTICLE)
    with page.expect_download() as info:
        page.click("#download-json")
    doc = json.loads(Path(info.value.path()).read_text("utf-8"))
    assert doc["text"] == ARTICLE and len(doc["spans"]) == 3
    with page.expect_download() as info:
        page.click("#download-html")
    assert "window.Propscan" in Path(info.value.path()).read_text("utf-8")

    page.click("#tab-url")
    page.fill("#url", "https://private.example/")
    page.click("#analyze")
    page.wait_for_selector("#error:not([hidden])")
    assert "private address" in page.inner_text("#error")
    page.fill("#url", "https://news.example/a")
    page.click("#analyze")
    page.wait_for_selector("#results h2:has-text('Fetched')")  # no eval: the page's CSP forbids it
    assert page.inner_text("#results h2") == "Fetched <b>page</b>"  # the title shown as text


def test_page_uploads_an_html_file(page, live_url, tmp_path):
    path = tmp_path / "story.html"
    path.write_text(  # a saved page in its own charset, not UTF-8
        '<html><head><meta charset="windows-1252"><title>Story</title></head><body><article><p>The '
        "evil plan of the council was passed on Monday evening after a long debate in the café "
        "about the harbour and its future, critics said.</p></article></body></html>",
        encoding="cp1252",
    )
    page.goto(live_url)
    page.click("#tab-file")
    page.set_input_files("#file", str(path))
    page.click("#analyze")
    page.wait_for_selector("#results .ps-span")
    shown = page.inner_text("#results .ps-text")
    assert "<" not in shown and "café" in shown and _techniques(page) == [["Loaded_Language"]]


def test_page_shows_attack_payloads_as_text_and_runs_none(page, live_url, shots):
    page.goto(live_url)
    _analyze(page, XSS_TEXT)
    page.wait_for_timeout(300)  # give an injected onerror/onload the chance to fire
    assert page.evaluate("window.__xss") is None and page.problems == []
    shown = page.inner_text("#results .ps-text")
    for payload in PAYLOADS[:5] + PAYLOADS[6:]:
        assert payload in shown
    assert "[U+202E]evil[U+202C]" in shown and "\u202e" not in shown
    assert page.locator("#results img, #results svg, #results iframe, #results script").count() == 0
    page.screenshot(path=str(shots / "page-xss.png"), full_page=True)


def test_static_report_has_contents_stacked_overlaps_toggles_and_no_injected_code(
    page, tmp_path, shots, overlap_doc
):
    evil = XSS_TEXT.index("evil")
    attack = Document(
        XSS_TEXT,
        [Span(evil, evil + 4, "Loaded_Language", 0.9), Span(0, len(XSS_TEXT), "Doubt", 0.3)],
        {"title": PAYLOADS[1] + " title", "url": "javascript:window.__xss = 7"},
    )
    report = tmp_path / "report.html"
    report.write_text(render_report([overlap_doc, attack]), encoding="utf-8")
    page.goto(report.as_uri())
    page.wait_for_selector(".ps-span")
    assert page.locator(".ps-toc li").count() == 2
    assert _techniques(page, "#" + page.get_attribute(".ps-doc", "id") + " .ps-span") == [
        ["Loaded_Language"],
        ["Loaded_Language", "Name_Calling,Labeling"],  # the overlap: one segment, both techniques
    ]
    shadow = page.eval_on_selector_all(".ps-span", "els => getComputedStyle(els[1]).boxShadow")
    assert shadow.count("inset") == 2  # two stacked underlines, neither hidden
    page.locator(".ps-span").nth(1).hover()
    tip = page.inner_text(".ps-tooltip")
    assert "Loaded language" in tip and "Name calling / labeling" in tip and "score 0.60" in tip
    page.screenshot(path=str(shots / "report.png"), full_page=True)

    page.click(".ps-list >> nth=0 >> summary")  # the span table, in words
    rows = page.locator(".ps-doc >> nth=0 >> .ps-list tbody tr")
    assert [r.split("\t") for r in rows.all_inner_texts()] == [
        [" Loaded language", "0.60", "evil traitors"],
        [" Name calling / labeling", "0.90", "traitors"],
    ]
    page.click('.ps-toggle[data-technique="Name_Calling,Labeling"]')
    assert all("Name_Calling,Labeling" not in t for t in _techniques(page))
    assert rows.count() == 1
    assert page.evaluate("window.__xss") is None and page.problems == []
    assert page.locator("a[href^='javascript']").count() == 0
    assert PAYLOADS[1] in page.inner_text(".ps-doc:nth-of-type(2) h2")
    page.emulate_media(media="print")
    assert not page.locator(".ps-controls").is_visible()
    assert page.locator(".ps-span").first.is_visible()


def test_spacy_view_shows_attack_payloads_as_text_and_runs_none(page, tmp_path, shots):
    spacy = pytest.importorskip("spacy", reason="the spacy extra is not installed")
    from propscan.spacy_component import render

    doc = spacy.blank("en")(XSS_TEXT)
    evil, img = XSS_TEXT.index("evil"), XSS_TEXT.index("<img")
    doc.spans["propaganda"] = [
        doc.char_span(evil, evil + 4, label="Loaded_Language", alignment_mode="expand"),
        doc.char_span(img, img + len(PAYLOADS[1]), label="Doubt", alignment_mode="expand"),
    ]
    view = tmp_path / "spacy.html"
    view.write_text(render(doc, page=True), encoding="utf-8")
    page.goto(view.as_uri())
    page.wait_for_timeout(300)  # give an injected onerror/onload the chance to fire
    assert page.evaluate("window.__xss") is None and page.problems == []
    assert page.locator("img, svg, iframe, a[href^='javascript']").count() == 0
    shown = page.inner_text("body")
    assert "evil" in shown and "onerror" in shown
    page.screenshot(path=str(shots / "spacy.png"), full_page=True)


def test_corpus_browser_filters_pages_opens_an_article_and_goes_back(page, corpus_url, shots):
    page.goto(corpus_url + "/")
    page.click("#corpus-link")  # the web page links the browser it serves
    page.wait_for_url("**/corpus")
    assert page.locator("tbody tr").count() == 2 and "1–2 of 5" in page.inner_text("body")
    page.fill("input[name=q]", "harbour")
    page.select_option("select[name=outlet]", "Bugle")
    page.select_option("select[name=sort]", "spans")
    page.click("button[type=submit]")  # the Filter button: its GET form must be allowed to submit
    page.wait_for_url("**/corpus?*q=harbour*")
    assert page.locator("tbody tr").count() == 2 and "1–2 of 3" in page.inner_text("body")
    assert page.locator("tbody tr td.date").first.inner_text() == "5 Jan 2021"  # b1: most spans
    page.screenshot(path=str(shots / "corpus.png"), full_page=True)
    page.click("a[rel=next]")
    page.wait_for_url("**page=2*")
    assert page.locator("tbody tr").count() == 1 and "3–3 of 3" in page.inner_text("body")
    assert page.input_value("input[name=q]") == "harbour"  # the filters stay on the next page
    page.click("tbody a")
    page.wait_for_selector(".ps-doc")
    assert page.title() == "Calm day" and page.locator("h1").inner_text() == "Calm day"
    assert page.inner_text(".ps-doc .ps-muted").startswith("Bugle · 10 Feb 2021")  # a readable date
    assert "No propaganda techniques found" in page.inner_text("body")
    page.screenshot(path=str(shots / "corpus-article.png"), full_page=True)
    page.click(".ps-back a")  # the page's own link back keeps the list as it was
    page.wait_for_url("**/corpus?*")
    assert "q=harbour" in page.url and "sort=spans" in page.url and "page=2" in page.url
    page.go_back()
    page.go_back()  # and the browser's back button works too
    page.wait_for_url("**page=2*")
    assert page.locator("tbody tr").count() == 1
    assert page.problems == []


def test_page_example_button_analyzes_the_sample_article_and_shows_warnings(page, live_url, shots):
    page.goto(live_url)
    page.click("#example")
    page.wait_for_selector("#results .ps-doc")
    assert "Harbour" in page.input_value("#text")  # the sample is in the box, to edit or read
    assert "Council Rams Through" in page.inner_text("#results h2")
    page.fill(
        "#text", "Die Regierung hat gestern beschlossen, die Steuern zu erhöhen, was viele Bürger empört."
    )
    page.click("#analyze")
    page.wait_for_selector("#results .ps-warning")
    banner = page.inner_text("#results .ps-warning")
    assert "German" in banner and "English news only" in banner and "short text" in banner
    page.screenshot(path=str(shots / "page-warning.png"), full_page=True)
    assert page.problems == []


def test_page_clears_the_previous_result_when_a_new_request_fails(page, live_url):
    page.goto(live_url)
    _analyze(page, ARTICLE)
    assert page.locator("#results .ps-span").count() == 3
    page.click("#tab-url")
    page.fill("#url", "https://private.example/")
    page.click("#analyze")
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#results *").count() == 0  # no old result under the new error
    assert page.is_disabled("#download-json") and page.is_disabled("#download-html")


def test_techniques_page_reads_well(page, live_url, shots):
    page.goto(live_url)
    page.click("a[href='/techniques']")
    page.wait_for_selector(".tq-item")
    assert page.locator(".tq-item").count() == 14 and "How to read" in page.inner_text("body")
    page.screenshot(path=str(shots / "techniques.png"), full_page=True)
    assert page.problems == []
