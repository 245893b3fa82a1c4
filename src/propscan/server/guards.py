"""What guards every request and response, below the routers: the Host check of a server bound to
loopback, the security headers of every response, and the pool that URL fetches run in.

* **Host check.** A server on loopback is reachable from web pages in the user's browser through
  DNS rebinding: a page on ``attacker.example`` re-points its own name at 127.0.0.1 and then reads
  the API as a same-origin page. Such requests carry ``Host: attacker.example``, so a loopback
  server answers only the host names it was told (``localhost``, ``127.0.0.1``, ``[::1]`` and
  ``--allowed-host``); any other Host gets a 400.
* **Headers.** Every response, JSON, the page, ``/docs`` and ``/redoc`` included, says
  ``X-Content-Type-Options: nosniff`` and the other headers of :data:`SECURITY_HEADERS`.
* **Fetches.** URL fetches run on threads of their own, at most ``workers`` at a time, so pages
  that answer slowly never hold the threads that classify, the web page and ``/healthz`` use. A
  fetch that waits longer than ``wait`` seconds for a free thread gets a 429.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import FetchError
from ..io.records import Record

Fetch = Callable[..., Record]  # fetch(url, *, allow_private: bool) -> Record, like io.url.fetch_url

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether a bind address (``127.0.0.1``, ``::1``, ``localhost``) listens on loopback only."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind: str, extra: Sequence[str] = ()) -> list[str] | None:
    """The Host names a server bound to ``bind`` answers: the loopback names (and ``bind``) plus
    ``extra`` on loopback; elsewhere ``extra`` alone, or None (any host) when none is given."""
    if is_loopback(bind):
        own = f"[{bind.strip('[]')}]" if ":" in bind else bind
        return list(dict.fromkeys([*LOOPBACK_NAMES, own, *extra]))
    return list(extra) or None


class HostCheck:
    """ASGI middleware: a request whose Host header names none of ``hosts`` gets a JSON 400.
    ``"*"`` among the hosts allows any."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = {_host_name(h) for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "*" in self.hosts:
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        if _host_name(header) not in self.hosts:
            shown = header[:100] or "(none)"
            message = (
                f"this server does not answer to the host {shown!r}; open it as "
                f"http://{sorted(self.hosts)[0]}, or start it with --allowed-host NAME"
            )
            await send_json(send, 400, "E-HOST", message)
            return
        await self.app(scope, receive, send)


def _host_name(host: str) -> str:
    """``host`` without its port, lower-cased; IPv6 addresses keep their brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class SecurityHeaders:
    """ASGI middleware: SECURITY_HEADERS on every response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


async def send_json(send: Send, status: int, code: str, message: str) -> None:
    """A JSON error response sent straight from ASGI middleware."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FetchPool:
    """Runs ``fetch`` on ``workers`` threads of its own; a fetch waits at most ``wait`` seconds
    for one to be free, then gets FetchError 429. The fetcher's own deadline (10 s for
    ``io.url.fetch_url``) bounds how long each holds its thread."""

    def __init__(self, fetch: Fetch, *, allow_private: bool, workers: int = 8, wait: float = 10.0) -> None:
        self.fetch, self.allow_private, self.workers, self.wait = fetch, allow_private, workers, wait
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="propscan-fetch")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(workers)

    async def __call__(self, url: str) -> Record:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # one per event loop (tests start a loop per client)
            self._loop, self._slots = loop, asyncio.Semaphore(self.workers)
        slots = self._slots
        try:
            await asyncio.wait_for(slots.acquire(), self.wait)
        except TimeoutError:
            raise FetchError(
                f"{self.workers} pages are being fetched already; try again in a few seconds", 429
            ) from None
        try:
            call = functools.partial(self.fetch, url, allow_private=self.allow_private)
            return await loop.run_in_executor(self._executor, call)
        finally:
            slots.release()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


__all__ = [
    "LOOPBACK_NAMES",
    "SECURITY_HEADERS",
    "Fetch",
    "FetchPool",
    "HostCheck",
    "SecurityHeaders",
    "allowed_hosts",
    "is_loopback",
    "send_json",
]
