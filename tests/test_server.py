"""The REST API and the page, through FastAPI's TestClient: a fake detector and a fake fetcher, so
no model and no network."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FakeDetector
from propscan.errors import FetchError, InputError, install_line
from propscan.io.readers import Record
from propscan.server import Limits, create_app
from propscan.server.batcher import MicroBatcher

PAGE = """<!doctype html><html><head><title>Harbour deal</title></head><body>
<article><h1>Harbour deal</h1><p>The council's evil plan will ruin every family in this town,
critics said on Monday, and they promised to fight it at every meeting until the spring vote.</p>
<p>Officials replied that the harbour works were long overdue and that the money had been set
aside years ago for exactly this purpose, and called the critics traitors.</p></article></body></html>"""


class FakeFetch:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, url: str, *, allow_private: bool = False) -> Record:
        self.calls.append((url, allow_private))
        if "private" in url:
            raise FetchError(f"{url} points at a private address", 403)
        if "slow" in url:
            raise FetchError(f"{url} did not answer within 10 s", 408)
        return Record("page", url, "Those evil traitors.", meta={"title": "A page", "url": url + "#final"})


@pytest.fixture
def fetch() -> FakeFetch:
    return FakeFetch()


@pytest.fixture
def client(fetch: FakeFetch):
    limits = Limits(max_body_bytes=50_000, max_text_chars=1_000, max_batch_texts=3)
    with TestClient(create_app(FakeDetector(), fetch=fetch, limits=limits)) as c:
        yield c


def _error(response, status: int, code: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]["message"]


def test_analyze_text_returns_document_json_and_honours_the_threshold(client):
    body = client.post("/v1/analyze", json={"text": "They are evil traitors."}).json()
    assert set(body) == {"text", "spans", "meta", "quotes"}
    assert [(s["start"], s["end"], s["technique"]) for s in body["spans"]] == [
        (9, 13, "Loaded_Language"),
        (14, 22, "Name_Calling,Labeling"),
    ]
    strict = client.post("/v1/analyze", json={"text": "They are evil traitors.", "min_score": 0.85}).json()
    assert [s["text"] for s in strict["spans"]] == ["evil"]
    old = client.post("/v1/analyze", json={"text": "They are evil traitors.", "threshold": 0.85}).json()
    assert [s["text"] for s in old["spans"]] == ["evil"]  # the deprecated name of token_threshold


def test_analyze_gives_quotations_and_every_span_its_voice_and_speaker(client):
    text = "“They are evil traitors,” said Ann Lee. The plan is a disaster."
    body = client.post("/v1/analyze", json={"text": text}).json()
    assert [(s["text"], s["voice"], s["speaker"]) for s in body["spans"]] == [
        ("evil", "quoted", "Ann Lee"),
        ("traitors", "quoted", "Ann Lee"),
        ("disaster", "author", None),
    ]
    (quote,) = body["quotes"]
    assert text[quote["start"] : quote["end"]] == "They are evil traitors," and quote["kind"] == "direct"
    assert text[quote["speaker_start"] : quote["speaker_end"]] == "Ann Lee"
    batch = client.post("/v1/analyze/batch", json={"texts": [text]}).json()
    assert batch["documents"][0]["quotes"] == body["quotes"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"voice", "speaker"} <= set(schema["SpanOut"]["properties"]) and "quotes" in schema["DocumentOut"][
        "properties"
    ]


def test_analyze_html_extracts_title_and_main_text(client):
    body = client.post("/v1/analyze", json={"html": PAGE}).json()
    assert body["meta"]["title"] == "Harbour deal"
    assert "<" not in body["text"] and "evil plan" in body["text"]
    assert {s["text"] for s in body["spans"]} == {"evil", "traitors"}


def test_analyze_url_uses_the_fetcher_and_keeps_title_and_final_url(client, fetch):
    body = client.post("/v1/analyze", json={"url": "https://news.example/a"}).json()
    assert fetch.calls == [("https://news.example/a", False)]
    assert body["meta"]["title"] == "A page" and body["meta"]["url"] == "https://news.example/a#final"
    assert len(body["spans"]) == 2


@pytest.mark.parametrize(("url", "status"), [("https://private.example", 403), ("https://slow.example", 408)])
def test_fetch_errors_keep_their_4xx_status(client, url, status):
    assert url in _error(client.post("/v1/analyze", json={"url": url}), status, "E-FETCH")


@pytest.mark.parametrize(
    ("url", "status"),
    [("ftp://example.com/a", 422), ("http://127.0.0.1:8000/", 403), ("http://[::1]/", 403), ("http://", 422)],
)
def test_the_real_fetcher_refuses_bad_and_loopback_urls_without_a_connection(url, status):
    with TestClient(create_app(FakeDetector())) as c:  # the default fetcher: io.url.fetch_url
        _error(c.post("/v1/analyze", json={"url": url}), status, "E-FETCH")


def test_private_urls_are_allowed_only_when_the_app_says_so(fetch):
    with TestClient(create_app(FakeDetector(), fetch=fetch, allow_private_urls=True)) as c:
        c.post("/v1/analyze", json={"url": "https://intranet.example"})
    assert fetch.calls == [("https://intranet.example", True)]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"text": "unclosed', "not valid JSON"),
        (b"[1, 2]", "valid dictionary"),
        (b"{}", "exactly one of"),
        (b'{"text": "a", "url": "https://x.example"}', "exactly one of"),
        (b'{"text": 5}', "text"),
        (b'{"text": "a", "threshold": 1.5}', "threshold"),
        (b'{"text": "a", "min_score": 1.5}', "min_score"),
        (b'{"text": "a", "token_threshold": 0}', "token_threshold"),
        (b'{"text": "a", "threshold": 0.5, "token_threshold": 0.5}', "not both"),
        (b'{"text": "a", "colour": "red"}', "colour"),
    ],
)
def test_malformed_requests_get_422_with_a_message(client, body, needle):
    response = client.post("/v1/analyze", content=body, headers={"content-type": "application/json"})
    assert needle in _error(response, 422)


def test_bodies_over_the_limit_get_413_whether_declared_or_streamed(client):
    big = json.dumps({"text": "x" * 60_000}).encode()
    assert "50,000 bytes" in _error(client.post("/v1/analyze", content=big), 413, "E-TOO-LARGE")

    def chunks():  # no Content-Length: the cap must hold while the body streams in
        yield b'{"text": "'
        for _ in range(10):
            yield b"y" * 10_000
        yield b'"}'

    _error(client.post("/v1/analyze", content=chunks()), 413, "E-TOO-LARGE")


def test_a_bug_answers_json_500_not_a_traceback():
    class Broken(FakeDetector):
        def analyze_many(self, texts, **kwargs):
            raise RuntimeError("boom")

    with TestClient(create_app(Broken()), raise_server_exceptions=False) as c:
        response = c.post("/v1/analyze", json={"text": "x"})
    assert "internal error" in _error(response, 500, "E-INTERNAL") and "boom" not in response.text


def test_texts_over_the_character_cap_and_batches_over_the_count_get_413(client):
    assert "1,000" in _error(client.post("/v1/analyze", json={"text": "a" * 1_001}), 413, "E-TOO-LARGE")
    for body in ({"texts": ["a"] * 4}, {"articles": [{"text": "a"}] * 4}):
        assert "limit of 3" in _error(client.post("/v1/analyze/batch", json=body), 413, "E-TOO-MANY")


def test_batch_returns_documents_in_order(client):
    texts = ["evil", "", "a disaster"]
    body = client.post("/v1/analyze/batch", json={"texts": texts}).json()
    assert [d["text"] for d in body["documents"]] == texts
    assert [len(d["spans"]) for d in body["documents"]] == [1, 0, 1]
    assert client.post("/v1/analyze/batch", json={"texts": []}).json() == {"documents": [], "errors": []}


def test_batch_of_articles_takes_text_url_and_html_and_keeps_going_past_a_bad_one(fetch):
    articles = [
        {"url": "https://news.example/a"},
        {"url": "https://private.example/b"},
        {"html": PAGE},
        {"html": "<html><body></body></html>"},
        {"text": "a disaster"},
    ]
    with TestClient(create_app(FakeDetector(), fetch=fetch)) as client:
        body = client.post("/v1/analyze/batch", json={"articles": articles}).json()
    docs = body["documents"]
    assert [d is None for d in docs] == [False, True, False, True, False]
    assert docs[0]["meta"]["title"] == "A page" and docs[2]["meta"]["title"] == "Harbour deal"
    assert [len(d["spans"]) for d in docs if d] == [2, 2, 1]
    assert [(e["index"], e["status"], e["code"]) for e in body["errors"]] == [
        (1, 403, "E-FETCH"),
        (3, 422, "E-INPUT"),
    ]
    assert "private address" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"texts": ["a"], "articles": [{"text": "a"}]},
        {"articles": [{"text": "a", "url": "https://x.example"}]},
    ],
)
def test_batch_needs_exactly_one_list_of_well_formed_articles(client, body):
    assert "exactly one of" in _error(client.post("/v1/analyze/batch", json=body), 422)


def test_classify_labels_spans_in_input_order_with_probabilities(tiny_detector):
    text = "They are evil traitors, all of them."
    with TestClient(create_app(tiny_detector)) as c:
        body = c.post(
            "/v1/classify", json={"text": text, "spans": [[14, 22], {"start": 9, "end": 13}]}
        ).json()
        assert [(s["start"], s["text"]) for s in body["spans"]] == [(14, "traitors"), (9, "evil")]
        assert all(0.0 < s["score"] <= 1.0 for s in body["spans"])
        assert [s["technique"] for s in body["spans"]] == tiny_detector.classify(text, [(14, 22), (9, 13)])
        assert "does not fit" in _error(c.post("/v1/classify", json={"text": "ab", "spans": [[0, 9]]}), 422)


def test_model_techniques_and_health_describe_the_server(tiny_detector):
    with TestClient(create_app(tiny_detector)) as c:
        model = c.get("/v1/model").json()
        assert model["name"] == tiny_detector.config.name and model["version"] == tiny_detector.config.version
        assert "model.onnx" in model["checksums"] and model["card"]
        assert "path" not in model  # the server's file layout is not the client's business
        techniques = c.get("/v1/techniques").json()
        assert len(techniques) == 14 and {"label", "name", "definition", "example", "color"} <= set(
            techniques[0]
        )
        assert c.get("/healthz").json() == {"status": "ok", "model": tiny_detector.name}
        paths = c.get("/openapi.json").json()["paths"]
        assert {"/v1/analyze", "/v1/analyze/batch", "/v1/classify", "/v1/techniques", "/v1/model"} <= set(
            paths
        )


def test_report_endpoint_renders_documents_and_rejects_bad_ones(client):
    doc = client.post("/v1/analyze", json={"text": "They are evil."}).json()
    response = client.post("/v1/report", json={"documents": [doc]})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "window.Propscan" in response.text and "They are evil." in response.text
    bad = {"text": "ab", "spans": [{"start": 0, "end": 9, "technique": "Doubt"}]}
    _error(client.post("/v1/report", json={"documents": [bad]}), 422, "E-SPAN")


def test_page_inlines_the_shared_renderer_and_fetches_nothing_from_other_hosts(client):
    response = client.get("/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert 'id="analyze-form"' in page and "window.Propscan" in page and ".ps-span" in page
    assert "/*" + "REPORT_JS*/" not in page and "http://" not in page
    assert (
        json.loads(page.split('id="propscan-config">')[1].split("</script>")[0])["limits"]["max_batch_texts"]
        == 3
    )


def test_unknown_paths_and_methods_answer_json_errors(client):
    _error(client.get("/v1/nothing"), 404)
    _error(client.get("/v1/analyze"), 405)


class _GatedDetector(FakeDetector):
    """Blocks in its first analyze_many call until released, so later jobs pile up in the queue."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def analyze_many(self, texts, **kwargs):
        texts = list(texts)
        if not self.batches:
            self.entered.set()
            self.release.wait(5)
        if any("boom" in t for t in texts):
            self.batches.append(len(texts))
            raise InputError("boom")
        return super().analyze_many(texts, **kwargs)


def test_batcher_merges_queued_requests_into_one_call_and_isolates_failures():
    detector = _GatedDetector()
    batcher = MicroBatcher(detector, max_texts=32)
    first = batcher.submit(["evil"])
    assert detector.entered.wait(5)
    later = [batcher.submit([f"text {i} evil"]) for i in range(4)]
    bad = batcher.submit(["boom"])
    detector.release.set()
    assert len(first.result(5)[0].spans) == 1
    assert [f.result(5)[0].text for f in later] == [f"text {i} evil" for i in range(4)]
    with pytest.raises(InputError, match="boom"):
        bad.result(5)
    batcher.close()
    # first alone; then the 5 queued jobs in one call, which failed; then each retried alone
    assert detector.batches == [1, 5, 1, 1, 1, 1, 1]


def test_serve_command_passes_its_options_to_the_server(monkeypatch):
    import propscan.server
    from propscan.cli import app

    calls = []
    monkeypatch.setattr(propscan.server, "serve", lambda *a, **k: calls.append((a, k)))
    result = CliRunner().invoke(app, ["serve", "--port", "9001", "--allow-private-urls", "--model", "m"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        app, ["serve", "--cors-origin", "https://a.example", "--cors-origin", "https://b"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [
        (("127.0.0.1", 9001), {"model": "m", "allow_private_urls": True}),
        (
            ("127.0.0.1", 8000),
            {"model": None, "allow_private_urls": False, "cors_origins": ["https://a.example", "https://b"]},
        ),
    ]


def test_only_listed_origins_may_call_the_api_from_a_browser():
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
    with TestClient(create_app(FakeDetector(), cors_origins=["https://app.example"])) as c:
        assert c.options("/v1/analyze", headers=preflight).headers["access-control-allow-origin"] == (
            "https://app.example"
        )
        other = c.options("/v1/analyze", headers={**preflight, "origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(FakeDetector())) as c:  # the default: no cross-origin calls
        response = c.post("/v1/analyze", json={"text": "x"}, headers={"origin": "https://app.example"})
        assert "access-control-allow-origin" not in response.headers


def test_missing_server_extra_names_the_install_line():
    code = (
        "import sys; sys.modules['fastapi'] = None\n"
        "try:\n    import propscan.server\nexcept Exception as e:\n    print(type(e).__name__, e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("MissingExtraError") and install_line("server") in out


@pytest.mark.slow
def test_the_shipped_model_served_gives_what_the_library_gives():
    from pathlib import Path

    from propscan import Detector

    text = (Path(__file__).parent.parent / "examples" / "sample_article.txt").read_text("utf-8")
    detector = Detector.load()
    with TestClient(create_app(detector)) as c:
        served = c.post("/v1/analyze", json={"text": text}).json()
        assert c.get("/v1/model").json()["checksums"] == detector.info()["checksums"]
    assert served == detector.analyze(text).to_dict() and served["spans"]


def test_api_docs_pages_use_assets_served_by_this_server(client):
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        scripts = re.findall(r'src="([^"]+\.js)"', page.text)
        assert scripts and all(s.startswith("/") for s in scripts), scripts  # no CDN
        for script in scripts:
            asset = client.get(script)
            assert asset.status_code == 200 and len(asset.content) > 100_000
