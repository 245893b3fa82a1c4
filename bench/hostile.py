"""Hostile load on `propscan serve` over loopback: good articles mixed with every kind of bad request
and slow-drip URLs, against the same good load without them.

    python bench/hostile.py [--good-clients 16] [--bad-clients 6] [--drip-clients 10] [--duration 30]
                            [--model NAME_OR_PATH] [--articles ../shared/ptc/test-articles]

Starts a slow-drip HTTP server on loopback (it sends its headers one byte every 0.3 s, for a
minute) and `propscan serve --allow-private-urls --corpus DIR` in a child process (real model;
DIR is a small batch output made first, so the corpus routes are attacked too). Then three runs of
``--duration`` seconds each:

1. baseline: ``--good-clients`` threads POST the 90 test articles to /v1/analyze, back to back;
2. hostile: the same good clients, plus ``--bad-clients`` threads sending every kind of bad
   request of the hostile-input issue in turn (lone surrogates, Infinity and 1.9 offsets, bodies
   that are not UTF-8, nested 100,000 deep or holding 5,000-digit numbers, 20,000 spans to
   classify, a foreign Host header, corpus paging past the end, an oversized body, ...) and
   ``--drip-clients`` threads each asking /v1/analyze to fetch a slow-drip URL (32 clients in all
   by default);
3. baseline again (the machine may be shared: the two baselines bracket the hostile run).

During the hostile run a prober GETs /healthz every 0.2 s. Prints the 5xx count (must be 0), the
status of every kind of bad request, the p99 latency of the good requests against the baselines
(target: within 1.5x), the slowest health check (target: under 100 ms), and the machine's load:
the CPU-seconds that other processes used while each run went on. Needs the `server` and `batch`
extras (and Linux, for /proc).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from serve import DEFAULT_ARTICLES, cpu_seconds, free_port, start_server

# (name, method, path, headers, body, the statuses that are right for it)
Request = tuple[str, str, str, dict[str, str], bytes | None, frozenset[int]]
JSON = {"Content-Type": "application/json"}


def post(name: str, path: str, body: bytes, statuses: set[int], headers: dict[str, str] = JSON) -> Request:
    return name, "POST", path, headers, body, frozenset(statuses)


def get(name: str, path: str, statuses: set[int], headers: dict[str, str] | None = None) -> Request:
    return name, "GET", path, headers or {}, None, frozenset(statuses)


def bad_requests() -> list[Request]:
    """Every kind of bad (or merely hostile) request of the issue, with the answers that are right."""

    def report(span: str) -> bytes:
        return (
            b'{"documents": [{"text": "abc", "spans": [{"end": 2, "technique": "Doubt", '
            + span.encode()
            + b"}]}]}"
        )

    deep = b"[" * 100_000 + b"]" * 100_000
    words = "The council plan is fine and good for all the people of the town. " * 5
    page = f"<html><body><article><p>{words} \ud800 the evil tail is kept.</p></article></body></html>"
    spans = json.dumps({"text": "evil traitors " * 10, "spans": [[0, 4]] * 20_000}).encode()
    too_big = {**JSON, "Content-Length": "3000000"}  # declared, never sent
    return [
        post("surrogate text", "/v1/analyze", b'{"text": "evil \\ud800 traitors"}', {200}),
        post("surrogate batch", "/v1/analyze/batch", b'{"texts": ["ok", "\\udfff"]}', {200}),
        post("surrogate html", "/v1/analyze", json.dumps({"html": page}).encode(), {200}),
        post("report Infinity", "/v1/report", report('"start": Infinity'), {422}),
        post("report 1.9", "/v1/report", report('"start": 1.9'), {422}),
        post("report true", "/v1/report", report('"start": true'), {422}),
        post("report surrogate", "/v1/report", b'{"documents": [{"text": "a\\ud800b", "spans": []}]}', {200}),
        post("body not UTF-8", "/v1/analyze", b'{"text": "\xff\xfe"}', {422}),
        post("body 100,000 deep", "/v1/analyze", b'{"text": ' + deep + b"}", {422}),
        post(
            "5,000-digit number", "/v1/analyze", b'{"text": "x", "threshold": ' + b"9" * 5_000 + b"}", {422}
        ),
        post("malformed JSON", "/v1/analyze", b'{"text": "unclosed', {422}),
        post("20,000 spans", "/v1/classify", spans, {413}),
        post("body over 2 MB", "/v1/analyze", b"", {413}, too_big),
        post("URL not http", "/v1/analyze", b'{"url": "ftp://example.com/a"}', {422}),
        get("foreign Host", "/v1/corpus/articles", {400}, {"Host": "attacker.example"}),
        get("offset 10^20", "/v1/corpus/articles?offset=99999999999999999999", {200}),
        get("page 10^20", "/corpus?page=99999999999999999999", {200}),
        get("page empty", "/corpus?page=", {422}),
        get("unknown path", "/v1/nowhere", {404}),
    ]


class Tally:
    """Statuses and latencies per kind of request, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter[int | str]] = {}
        self.latencies: dict[str, list[float]] = {}

    def add(self, kind: str, status: int | str, seconds: float) -> None:
        with self.lock:
            self.statuses.setdefault(kind, Counter())[status] += 1
            self.latencies.setdefault(kind, []).append(seconds)

    def count(self, test: Callable[[int | str], bool]) -> int:
        return sum(n for c in self.statuses.values() for status, n in c.items() if test(status))


def send(
    port: int, request: Request, conn: http.client.HTTPConnection | None, timeout: float
) -> tuple[int | str, http.client.HTTPConnection | None]:
    """(status or the connection error's name, the connection to reuse or None)."""
    _, method, path, headers, body, _ = request
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if "Content-Length" in headers and not body:  # declares more than the cap; sends nothing
            conn.putrequest(method, path)
            for key, value in headers.items():
                conn.putheader(key, value)
            conn.endheaders()
        else:
            conn.request(method, path, body, headers)
        response = conn.getresponse()
        response.read()
        if response.getheader("connection", "").lower() == "close" or "Content-Length" in headers:
            conn.close()
            return response.status, None
        return response.status, conn
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return type(exc).__name__, None


def run(port: int, duration: float, groups: list[tuple[int, list[Request], float]], tally: Tally) -> float:
    """``groups`` of (clients, the requests each sends in turn, the client timeout) for ``duration``
    seconds; returns the wall time."""
    deadline = time.monotonic() + duration

    def client(requests: list[Request], offset: int, timeout: float) -> None:
        conn, i = None, offset
        while time.monotonic() < deadline:
            request = requests[i % len(requests)]
            i += 1
            t0 = time.perf_counter()
            status, conn = send(port, request, conn, timeout)
            tally.add(request[0], status, time.perf_counter() - t0)

    threads = [
        threading.Thread(target=client, args=(requests, k * 7, timeout))
        for clients, requests, timeout in groups
        for k in range(clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def drip_server() -> tuple[socket.socket, int]:
    """A loopback server that sends a response's headers one byte every 0.3 s, for a minute."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"x" * 200 + b"\r\n\r\n"
                for byte in head:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.3)
            except OSError:
                pass

    def accept() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return sock, sock.getsockname()[1]


def health_prober(port: int, stop: threading.Event, seen: list[float], failures: list[str]) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                failures.append(str(response.status))
        except (OSError, http.client.HTTPException) as exc:
            failures.append(type(exc).__name__)
        seen.append(time.perf_counter() - t0)
        stop.wait(0.2)


class Run:
    """One run: the requests' tally, its wall time, the health checks made meanwhile, and the
    CPU-seconds other processes used on the machine meanwhile, with the load average after."""

    def __init__(
        self, tally: Tally, wall: float, health: list[float], failures: list[str], others: float
    ) -> None:
        self.tally, self.wall, self.health, self.failures, self.others = tally, wall, health, failures, others
        self.load = os.getloadavg()[0]


def measured(
    port: int, server_pid: int, duration: float, groups: list[tuple[int, list[Request], float]]
) -> Run:
    """``run`` with the health prober beside it and the machine's other load measured."""
    tally, health, failures, stop = Tally(), [], [], threading.Event()
    prober = threading.Thread(target=health_prober, args=(port, stop, health, failures))
    prober.start()
    busy0, own0 = busy_cpu_seconds(), cpu_seconds(server_pid) + time.process_time()
    if groups:
        wall = run(port, duration, groups, tally)
    else:
        t0 = time.perf_counter()
        time.sleep(duration)
        wall = time.perf_counter() - t0
    stop.set()
    prober.join()
    others = busy_cpu_seconds() - busy0 - (cpu_seconds(server_pid) + time.process_time() - own0)
    return Run(tally, wall, health, failures, max(0.0, others))


def busy_cpu_seconds() -> float:
    """CPU-seconds the whole machine spent busy since boot (Linux /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")


def make_corpus(texts: list[str], model: str | None) -> Path:
    """A small batch output for --corpus: four articles cut to 2,000 characters."""
    from propscan.batch import run_batch

    folder = Path(tempfile.mkdtemp(prefix="propscan-hostile-"))
    feed = folder / "feed.jsonl"
    rows = [
        {"id": f"a{i}", "outlet": "Bench", "published": "2021-01-0" + str(i + 1), "text": t[:2_000]}
        for i, t in enumerate(texts[:4])
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_batch([str(feed)], folder / "out", model=model)
    return folder / "out"


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--good-clients", type=int, default=16)
    parser.add_argument("--bad-clients", type=int, default=6)
    parser.add_argument("--drip-clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each of the three runs")
    parser.add_argument("--model", default=None)
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    args = parser.parse_args()

    texts = [p.read_text("utf-8") for p in sorted(args.articles.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no .txt articles in {args.articles}")
    total = args.good_clients + args.bad_clients + args.drip_clients
    print(
        f"{len(texts)} articles; {args.good_clients} good + {args.bad_clients} bad + {args.drip_clients} "
        f"slow-drip clients = {total}, {args.duration:.0f} s per run; {os.cpu_count()} CPUs"
    )
    corpus = make_corpus(texts, args.model)
    drip, drip_port = drip_server()
    port = free_port()
    server = start_server(port, args.model, "--allow-private-urls", "--corpus", str(corpus))
    good = [
        ("good", "POST", "/v1/analyze", JSON, json.dumps({"text": t}).encode(), frozenset({200}))
        for t in texts
    ]
    drips = [
        (
            "slow-drip URL",
            "POST",
            "/v1/analyze",
            JSON,
            json.dumps({"url": f"http://127.0.0.1:{drip_port}/{i}"}).encode(),
            frozenset({408, 429}),
        )
        for i in range(args.drip_clients)
    ]
    bad = bad_requests()
    expected = {r[0]: r[5] for r in [*good, *bad, *drips]}
    results: dict[str, Run] = {}
    try:
        run(port, 3.0, [(min(8, args.good_clients), good[:8], 120)], Tally())  # warm-up
        for name in ("idle", "baseline", "hostile", "baseline again"):
            groups = [] if name == "idle" else [(args.good_clients, good, 120.0)]
            if name == "hostile":  # one slow-drip URL per drip client, each asked again and again
                groups += [(args.bad_clients, bad, 120.0), *[(1, [d], 60.0) for d in drips]]
            results[name] = measured(port, server.pid, args.duration if groups else 5.0, groups)
    finally:
        server.terminate()
        server.wait(30)
        drip.close()

    for name, r in results.items():
        ok, latencies = r.tally.statuses.get("good", Counter())[200], r.tally.latencies.get("good", [])
        median = statistics.median(latencies) if latencies else float("nan")
        good_part = f"good: {ok} ok, p50 {median:.2f} s, p99 {p99(latencies):.2f} s; " if latencies else ""
        print(
            f"{name:15} {good_part}healthz max {1000 * max(r.health):.0f} ms; wall {r.wall:.1f} s; other "
            f"processes used {r.others:.0f} of {r.wall * (os.cpu_count() or 1):.0f} CPU-seconds "
            f"(load average {r.load:.1f})"
        )
    hostile = results["hostile"]
    print("bad requests (kind: statuses; * = an answer other than the expected one)")
    for kind, counts in hostile.tally.statuses.items():
        if kind == "good":
            continue
        wrong = any(status not in expected[kind] for status in counts)
        shown = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items(), key=str))
        print(f"  {'*' if wrong else ' '} {kind:20} {shown}")
    fivexx = sum(r.tally.count(lambda s: isinstance(s, int) and s >= 500) for r in results.values())
    fivexx += sum(1 for r in results.values() for f in r.failures if f.startswith("5"))
    errors = sum(r.tally.count(lambda s: isinstance(s, str)) for r in results.values())
    base = (
        p99(results["baseline"].tally.latencies["good"])
        + p99(results["baseline again"].tally.latencies["good"])
    ) / 2
    hostile_p99 = p99(hostile.tally.latencies["good"])
    health = hostile.health
    slowest = max(health) if health else float("nan")
    print(f"5xx responses   {fivexx} (must be 0); connection errors {errors}")
    print(
        f"p99 good        {hostile_p99:.2f} s with bad requests, {base:.2f} s without (mean of the two "
        f"baselines): {hostile_p99 / base:.2f}x (target: within 1.5x)"
    )
    verdict = "under" if slowest < 0.1 else "NOT under"
    print(
        f"healthz         {len(health)} checks in the hostile run, max {1000 * slowest:.0f} ms, "
        f"p99 {1000 * p99(health):.0f} ms, failures {len(hostile.failures)}: {verdict} 100 ms"
    )
    sys.exit(0 if fivexx == 0 else 1)


if __name__ == "__main__":
    main()
