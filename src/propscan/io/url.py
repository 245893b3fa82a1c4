"""Fetch an article page by URL, safely: http(s) only, public addresses only, a time limit, a byte
cap and redirects followed by hand so that every hop is checked.

Why by hand and not ``urllib.request``: a server-side fetcher must not be turned against the
machine it runs on (SSRF). So each hop's host is resolved once, every address it resolves to is
checked, and the connection goes to that checked address (no second DNS lookup that could answer
differently). HTTPS still verifies the certificate against the host name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .._version import __version__
from ..errors import FetchError, InputError
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

    ``timeout`` bounds the whole fetch, redirects included; a page over ``max_bytes`` is refused.
    Loopback, private, link-local and other non-public addresses are refused unless
    ``allow_private`` (for an intranet deployment). Raises FetchError with the 4xx to answer.
    """
    require_html_extra()
    deadline = time.monotonic() + timeout
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
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


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
    try:
        conn.request("GET", target.path, headers=headers)
        sock = conn.sock  # http.client drops conn.sock once the body is read to its end
        response = conn.getresponse()
        found = {k.lower(): v for k, v in response.getheaders()}
        if response.status in (301, 302, 303, 307, 308) or response.status >= 400:
            return response.status, found, b""
        length = found.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise _too_large(target, max_bytes)
        body = bytearray()
        while not response.isclosed():
            sock.settimeout(_remaining(deadline, target.host))  # bounds a slow drip, not each read
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > max_bytes:
                raise _too_large(target, max_bytes)
        return response.status, found, bytes(body)
    except TimeoutError:
        raise FetchError(f"fetching {target.host} timed out; try again or paste the text", 408) from None
    except ssl.SSLError as exc:
        raise FetchError(f"TLS with {target.host} failed: {exc.reason or exc}", 424) from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"cannot fetch from {target.host}: {exc}", 424) from None
    finally:
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
    """An HTTP(S) connection to an already checked address, with TLS verified for the host name."""

    def __init__(self, target: _Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address, self._tls = address, target.scheme == "https"

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock = sock


__all__ = ["MAX_REDIRECTS", "fetch_url", "is_public", "is_url"]
