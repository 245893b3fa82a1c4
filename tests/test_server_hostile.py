"""The server against hostile input: bad bodies get 422 (never 400 or 500), every response carries
the security headers, a loopback server checks the Host header, a classify call is bounded, and
URL fetches have a hard deadline and threads of their own."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FakeDetector
from propscan.errors import FetchError
from propscan.io.records import Record
from propscan.server import Limits, create_app

JSON = {"content-type": "application/json"}
PAGE = (
    "<html><body><article><p>"
    + "The council plan is fine and good for all the people of the town. " * 5
    + "\ud800 and the evil tail of the page is kept.</p></article></body></html>"
)


class Classifier(FakeDetector):
    """A FakeDetector with classify_spans, as the server calls it."""

    def classify_spans(self, text, spans):
        from propscan.document import Span

        return [
            Span(s, e, label, 0.5) for (s, e), label in zip(spans, self.classify(text, spans), strict=True)
        ]


@pytest.fixture
def client():
    with TestClient(create_app(Classifier()), raise_server_exceptions=False) as c:
        yield c


def _error(response, status: int, code: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    if code is not None:
        assert body["code"] == code
    return body["message"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"text": "\xff\xfe bad bytes"}', "not valid UTF-8"),
        (b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (b'{"text": "x", "threshold": ' + b"9" * 5_000 + b"}", "4,300 digits"),
    ],
)
def test_bodies_that_cannot_be_decoded_get_422_not_400(client, body, needle):
    assert needle in _error(client.post("/v1/analyze", content=body, headers=JSON), 422, "E-REQUEST")


@pytest.mark.parametrize(
    "span",
    [
        b'{"start": Infinity, "end": 2, "technique": "Doubt"}',
        b'{"start": 1.9, "end": 2, "technique": "Doubt"}',
        b'{"start": true, "end": 2, "technique": "Doubt"}',
        b'{"start": 0, "end": 2, "technique": "Doubt", "score": NaN}',
    ],
)
def test_report_refuses_spans_that_are_not_integers_with_422(client, span):
    body = b'{"documents": [{"text": "abc", "spans": [' + span + b"]}]}"
    _error(client.post("/v1/report", content=body, headers=JSON), 422, "E-SPAN")


def test_report_and_analysis_of_text_with_lone_surrogates_answer_200_with_u_fffd(client):
    body = b'{"documents": [{"text": "a\\ud800bc evil", "spans": [], "meta": {"id": "\\udfff"}}]}'
    response = client.post("/v1/report", content=body, headers=JSON)
    assert response.status_code == 200 and "a\ufffdbc evil" in response.text
    one = client.post("/v1/analyze", content=b'{"text": "evil \\ud800 traitors"}', headers=JSON).json()
    assert one["text"] == "evil \ufffd traitors" and [s["text"] for s in one["spans"]] == ["evil", "traitors"]
    many = client.post("/v1/analyze/batch", content=b'{"texts": ["ok", "\\udfff"]}', headers=JSON).json()
    assert [d["text"] for d in many["documents"]] == ["ok", "\ufffd"]
    deep = b'{"documents": [{"text": "a", "meta": ' + b'{"a": ' * 900 + b"1" + b"}" * 900 + b"}]}"
    _error(client.post("/v1/report", content=deep, headers=JSON), 422)


def test_html_with_a_lone_surrogate_is_analysed_whole(client):
    body = client.post("/v1/analyze", json={"html": PAGE.replace("\ud800", "@@")}).json()
    whole = body["text"]
    raw = '{"html": "' + PAGE.replace("\ud800", "\\ud800").replace('"', '\\"') + '"}'
    body = client.post("/v1/analyze", content=raw.encode(), headers=JSON).json()
    assert body["text"].endswith("evil tail of the page is kept.") and len(body["text"]) == len(whole) - 1


def test_classify_refuses_more_spans_than_the_limit_with_413():
    app = create_app(Classifier(), limits=Limits(max_classify_spans=10))
    with TestClient(app) as c:
        ok = c.post("/v1/classify", json={"text": "evil " * 5, "spans": [[0, 4]] * 10})
        assert ok.status_code == 200 and len(ok.json()["spans"]) == 10
        too_many = c.post("/v1/classify", json={"text": "evil " * 5, "spans": [[0, 4]] * 11})
        assert "limit of 10" in _error(too_many, 413, "E-TOO-MANY")


def test_corpus_paging_far_past_the_end_is_an_empty_page_not_a_500(corpus_dir):
    with TestClient(create_app(FakeDetector(), corpus=corpus_dir), raise_server_exceptions=False) as c:
        body = c.get("/v1/corpus/articles", params={"offset": "99999999999999999999"}).json()
        assert body["articles"] == [] and body["total"] == 4
        assert c.get("/corpus", params={"page": "99999999999999999999"}).status_code == 200
        assert c.get("/corpus", params={"page": ""}).status_code == 422


SECURITY = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def test_every_response_carries_the_security_headers(client):
    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    client.app.state.propscan.detector.analyze_many = boom
    responses = [
        client.get("/docs"),
        client.get("/redoc"),
        client.get("/openapi.json"),
        client.get("/healthz"),
        client.get("/"),
        client.get("/nowhere"),
        client.post("/v1/analyze", json={}),
        client.post("/v1/analyze", content=b"x" * 3_000_000, headers=JSON),
        client.post("/v1/analyze", json={"text": "crash"}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 404, 422, 413, 500]
    for response in responses:
        assert SECURITY.items() <= dict(response.headers).items(), response.request.url
    assert "script-src" in responses[4].headers["content-security-policy"]  # the page keeps its own


def test_a_loopback_server_answers_only_its_own_host_names(corpus_dir):
    from propscan.server.guards import allowed_hosts

    hosts = allowed_hosts("127.0.0.1", ["propscan.lan"])
    app = create_app(FakeDetector(), corpus=corpus_dir, allowed_hosts=hosts)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/v1/corpus/articles").status_code == 200
        for good in ("localhost:8000", "127.0.0.1", "[::1]:8000", "PROPSCAN.lan:80"):
            assert c.get("/healthz", headers={"host": good}).status_code == 200, good
        for bad in ("attacker.example", "attacker.example:8000", "127.0.0.1.attacker.example", ""):
            response = c.get("/v1/corpus/articles", headers={"host": bad})
            assert "--allowed-host" in _error(response, 400, "E-HOST"), bad
            assert response.headers["x-content-type-options"] == "nosniff"


def test_host_checking_is_on_for_loopback_binds_and_configurable(monkeypatch):
    import propscan.server
    from propscan.cli import app
    from propscan.server.guards import allowed_hosts

    assert allowed_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "[::1]"]
    assert allowed_hosts("::1", ["x.lan"]) == ["localhost", "127.0.0.1", "[::1]", "x.lan"]
    assert allowed_hosts("0.0.0.0") is None and allowed_hosts("0.0.0.0", ["a.example"]) == ["a.example"]

    made = []
    monkeypatch.setattr(propscan.server, "create_app", lambda **k: made.append(k) or object())
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    result = CliRunner().invoke(app, ["serve", "--allowed-host", "news.lan", "--allowed-host", "b.lan"])
    assert result.exit_code == 0, result.output
    assert made[0]["allowed_hosts"] == ["localhost", "127.0.0.1", "[::1]", "news.lan", "b.lan"]


@pytest.fixture
def dripping_server():
    """A loopback server that sends its headers (or, at /body, its body) one byte every 50 ms."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                request = conn.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9999\r\n\r\n"
                if b"/body" in request:
                    conn.sendall(head)
                    head = b"<p>" + b"x" * 9996
                for byte in head:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(0.05)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    sock.close()


@pytest.mark.parametrize("path", ["/headers", "/body"])
def test_a_fetch_ends_at_its_deadline_however_slowly_the_peer_drips(dripping_server, path):
    pytest.importorskip("trafilatura")
    from propscan.io.url import fetch_url

    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out") as caught:
        fetch_url(dripping_server + path, timeout=0.6, allow_private=True)
    assert caught.value.http_status == 408
    assert time.monotonic() - start < 0.6 + 0.4


def test_slow_fetches_never_hold_the_threads_of_classify_the_page_and_healthz():
    release = threading.Event()

    def slow_fetch(url: str, *, allow_private: bool = False) -> Record:
        release.wait(10)
        return Record(url, url, "Those evil traitors.")

    app = create_app(Classifier(), fetch=slow_fetch, fetch_workers=4)
    with TestClient(app) as c, ThreadPoolExecutor(45) as pool:
        stuck = [
            pool.submit(c.post, "/v1/analyze", json={"url": f"https://slow.example/{i}"}) for i in range(45)
        ]
        time.sleep(0.5)  # every fetch started or queued
        start = time.monotonic()
        assert c.get("/healthz").status_code == 200
        assert c.get("/").status_code == 200
        classified = c.post("/v1/classify", json={"text": "evil traitors", "spans": [[0, 4]]})
        assert classified.status_code == 200
        waited = time.monotonic() - start
        release.set()
        statuses = [f.result(timeout=30).status_code for f in stuck]
    assert waited < 1.0
    assert statuses == [200] * 45


def test_a_fetch_that_waits_too_long_for_a_thread_gets_429():
    release = threading.Event()

    def slow_fetch(url: str, *, allow_private: bool = False) -> Record:
        release.wait(10)
        return Record(url, url, "Those evil traitors.")

    app = create_app(Classifier(), fetch=slow_fetch, fetch_workers=1)
    app.state.propscan.fetch.wait = 0.3
    with TestClient(app) as c, ThreadPoolExecutor(2) as pool:
        first = pool.submit(c.post, "/v1/analyze", json={"url": "https://a.example"})
        time.sleep(0.1)
        second = c.post("/v1/analyze", json={"url": "https://b.example"})
        start = time.monotonic()
        malformed = c.post("/v1/analyze", json={"url": "ftp://c.example/a"})  # needs no thread
        assert time.monotonic() - start < 0.25
        release.set()
        assert first.result(timeout=10).status_code == 200
    assert "being fetched already" in _error(second, 429, "E-FETCH")
    assert "only http:// and https://" in _error(malformed, 422, "E-FETCH")
