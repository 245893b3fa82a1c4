"""Fetch an article page by URL, safely: http(s) only, public addresses only, a time limit, a byte
cap and redirects followed by hand so that every hop is checked.

Why by hand and not ``urllib.request``: a server-side fetcher must not be turned against the
machine it runs on (SSRF). So each hop's host is resolved once, every address it resolves to is
checked, and the connection goes to that checked address (no second DNS lookup that could answer
differently). HTTPS still verifies the certificate against the host name.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import string
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from .._version import __version__
from ..errors import FetchError, InputError
from ..text import clean_text
from .html import extract, require_html_extra
from .records import Record, is_url

MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def fetch_url(
    url: str, *, timeout: float = 10.0, max_bytes: int = 5_000_000, allow_private: bool = False
) -> Record:
    """The main text of the page at ``url`` as a Record (``meta``: ``title``, final ``url``).

    ``timeout`` bounds the whole fetch, redirects included, whatever the peer does: at the
    deadline the connection is shut, even in the middle of a read of headers or body that a slow
    server drips. A page over ``max_bytes`` is refused. Loopback, private, link-local and other
    non-public addresses are refused unless ``allow_private`` (for an intranet deployment).
    Raises FetchError with the 4xx to answer.
    """
    require_html_extra()
    deadline = time.monotonic() + timeout
    url = clean_text(url, "the URL")
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = _parse(current)
        address = _resolve(target, allow_private, deadline)
        status, headers, body = _get(target, address, deadline, max_bytes)
        if status in (301, 302, 303, 307, 308):
            location = headers.get("location")
            if not location:
                raise FetchError(f"{current} redirected (HTTP {status}) without a Location", 424)
            current = urljoin(current, location)
            continue
        if status >= 400:
            raise FetchError(f"{current} answered HTTP {status}; check the address", 424)
        return _page_record(url, current, headers, body)
    raise FetchError(f"{url} redirected more than {MAX_REDIRECTS} times; give the final address", 424)


def check_url(url: str) -> None:
    """Raise FetchError 422 unless ``url`` is a well-formed http(s) URL with a host: the checks
    that need no network, which a server makes before a fetch waits for a thread."""
    _parse(clean_text(url, "the URL"))


def _parse(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"not a valid URL: {url!r} ({exc})", 422) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"only http:// and https:// URLs can be fetched, got {url!r}", 422)
    if not parts.hostname:
        raise FetchError(f"the URL {url!r} names no host", 422)
    try:  # a non-ASCII name is looked up and sent in its ASCII (IDNA) form
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError(f"the URL {url!r} names a host that is not a valid domain name", 422) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # spaces, control and non-ASCII characters percent-encoded; what is already encoded kept
    path = quote(path, safe=string.punctuation)
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def is_public(address: IPAddress) -> bool:
    """Whether fetching from ``address`` is allowed by default: a global unicast address."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def _resolve(target: _Target, allow_private: bool, deadline: float) -> str:
    """The address to connect to; every address the host resolves to must be allowed, so a name
    that mixes public and private answers is refused as a whole."""
    _remaining(deadline, target.host)
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {target.host!r}: {exc}", 424) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise FetchError(
                f"refusing to fetch {target.host!r}: it resolves to a non-public address ({refused[0]}); "
                "propscan only fetches pages from public internet addresses",
                403,
            )
    return str(addresses[0])


def _get(target: _Target, address: str, deadline: float, max_bytes: int) -> tuple[int, dict, bytes]:
    headers = {
        "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
        "User-Agent": f"propscan/{__version__} (+article analysis)",
        "Accept": "text/html,application/xhtml+xml;q=0.9",
        "Accept-Encoding": "identity",
    }
    conn = _Connection(target, address, _remaining(deadline, target.host))
    # every blocking call below is bounded by the socket timeout; the watchdog bounds their sum
    watchdog = threading.Timer(_remaining(deadline, target.host), conn.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("GET", target.path, headers=headers)
        response = conn.getresponse()
        found = {k.lower(): v for k, v in response.getheaders()}
        if response.status in (301, 302, 303, 307, 308) or response.status >= 400:
            return response.status, found, b""
        length = found.get("content-length", "")
        if length.isascii() and length.isdigit() and int(length) > max_bytes:
            raise _too_large(target, max_bytes)
        body = bytearray()
        while not response.isclosed():
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > max_bytes:
                raise _too_large(target, max_bytes)
        if conn.expired.is_set():  # the body ended because the watchdog shut the connection
            raise TimeoutError
        return response.status, found, bytes(body)
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as exc:
        if isinstance(exc, TimeoutError) or conn.expired.is_set():
            raise FetchError(f"fetching {target.host} timed out; try again or paste the text", 408) from None
        if isinstance(exc, ssl.SSLError):
            raise FetchError(f"TLS with {target.host} failed: {exc.reason or exc}", 424) from None
        raise FetchError(f"cannot fetch from {target.host}: {exc}", 424) from None
    finally:
        watchdog.cancel()
        conn.close()


def _page_record(url: str, final: str, headers: dict, body: bytes) -> Record:
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        message = f"{final} is not an HTML page (Content-Type {media_type}); give an article page"
        raise FetchError(message, 415)
    try:
        page = extract(body, url=final)
    except InputError as exc:
        raise FetchError(f"{final}: {exc.message}", 422) from None
    meta = {"url": final} | ({"title": page.title} if page.title else {})
    return Record(url, url, page.text, meta=meta)


def _remaining(deadline: float, host: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"fetching {host} timed out; try again or paste the text", 408)
    return left


def _too_large(target: _Target, max_bytes: int) -> FetchError:
    return FetchError(f"the page at {target.host} is larger than {max_bytes:,} bytes", 413)


class _Connection(http.client.HTTPConnection):
    """An HTTP(S) connection to an already checked address, with TLS verified for the host name,
    that ``expire()`` shuts from another thread: a read blocked on a dripping peer then ends."""

    def __init__(self, target: _Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address, self._tls = address, target.scheme == "https"
        self.expired = threading.Event()
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None  # kept: http.client drops sock once a body is read

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._tls:  # handshake after the socket is known, so that expire() can cut it short too
            sock = ssl.create_default_context().wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
        with self._lock:
            self.sock = self._socket = sock
            if self.expired.is_set():
                raise TimeoutError
        if isinstance(sock, ssl.SSLSocket):
            sock.do_handshake()

    def expire(self) -> None:
        with self._lock:
            self.expired.set()
            if self._socket is not None:
                with contextlib.suppress(OSError):  # the plain socket's shutdown, under TLS too
                    socket.socket.shutdown(self._socket, socket.SHUT_RDWR)


__all__ = ["MAX_REDIRECTS", "check_url", "fetch_url", "is_public", "is_url"]
