"""URL fetching against a real HTTP server on loopback (allowed only via allow_private or a patched
address policy); no test touches the network."""

import ipaddress
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from propscan.errors import FetchError
from propscan.io import url as url_module
from propscan.io.readers import read_inputs
from propscan.io.url import fetch_url, is_public

ARTICLE = (
    b"<html><head><title>Harbour vote</title></head><body><article><h1>Harbour vote</h1>"
    b"<p>The council's reckless plan will ruin every family in this town, critics said on Monday, "
    b"and they promised to fight it at every meeting until the vote in the spring.</p>"
    b"</article></body></html>"
)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        routes = {
            "/article": (200, "text/html; charset=utf-8", ARTICLE),
            "/pdf": (200, "application/pdf", b"%PDF-1.4"),
            "/big": (200, "text/html", b"<p>" + b"x" * 5000 + b"</p>"),
            "/missing": (404, "text/html", b"gone"),
            "/empty": (200, "text/html", b"<html><body></body></html>"),
        }
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path.startswith("/redirect"):
            target = self.path.split("to=", 1)[1]
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
            return
        status, ctype, body = routes.get(self.path, (200, "text/html", ARTICLE))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client that timed out: a broken pipe, expected
        pass


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetches_title_main_text_and_final_url(server):
    record = fetch_url(f"{server}/redirect?to=/article", allow_private=True)
    assert record.ok and record.id == f"{server}/redirect?to=/article"
    assert "reckless plan will ruin every family" in record.text
    assert record.meta == {"url": f"{server}/article", "title": "Harbour vote"}


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/pdf", 415, "not an HTML page"),
        ("/big", 413, "larger than 1,000 bytes"),
        ("/missing", 424, "HTTP 404"),
        ("/empty", 422, "no article text"),
        ("/slow", 408, "timed out"),
    ],
)
def test_bad_pages_raise_fetch_errors_with_the_status_to_answer(server, path, status, words):
    with pytest.raises(FetchError, match=words) as info:
        fetch_url(f"{server}{path}", allow_private=True, timeout=0.5, max_bytes=1000)
    assert info.value.http_status == status


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1/",
        "http://localhost:8000/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://169.254.169.254/",
    ],
)
def test_loopback_private_and_link_local_addresses_are_refused_by_default(address):
    with pytest.raises(FetchError, match="non-public address") as info:
        fetch_url(address)
    assert info.value.http_status == 403


@pytest.mark.parametrize("bad", ["ftp://example.com/a", "javascript:alert(1)", "https://", "http://x:99999/"])
def test_urls_that_are_not_http_or_malformed_are_422(bad):
    with pytest.raises(FetchError) as info:
        fetch_url(bad)
    assert info.value.http_status == 422


def test_a_redirect_to_a_disallowed_address_is_refused_before_connecting(server, monkeypatch):
    # policy for this test: 127.0.0.1 (the server) counts as public, 127.0.0.2 does not
    monkeypatch.setattr(url_module, "is_public", lambda a: a == ipaddress.ip_address("127.0.0.1"))
    port = server.rsplit(":", 1)[1]
    with pytest.raises(FetchError, match=r"non-public address \(127\.0\.0\.2\)") as info:
        fetch_url(f"{server}/redirect?to=http://127.0.0.2:{port}/article")
    assert info.value.http_status == 403


def test_public_address_policy():
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    for private in [
        "127.0.0.1",
        "10.0.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ]:
        assert not is_public(ipaddress.ip_address(private)), private


def test_read_inputs_turns_refused_urls_into_error_records_and_goes_on(tmp_path):
    (tmp_path / "a.txt").write_text("after", encoding="utf-8")
    records = list(read_inputs(["http://127.0.0.1/x", tmp_path / "a.txt"]))
    assert not records[0].ok and "non-public" in records[0].error
    assert records[1].text == "after"
