"""Load test of `propscan serve` on loopback, against Detector.analyze_many on the same articles.

    python bench/serve.py [--clients 32] [--duration 30] [--max-requests 5000] [--model NAME_OR_PATH]
                          [--articles ../shared/ptc/test-articles]

Starts the server in a child process (real model), waits for /healthz, then runs ``--clients``
threads that each POST real articles to /v1/analyze over a keep-alive connection, back to back,
for ``--duration`` seconds or until ``--max-requests`` requests in all (whichever comes first).
Prints requests, errors, throughput (articles/s) and p50/p99 latency. ``Detector.analyze_many``
over the same articles is measured in this process before the server starts and after it stops
(nothing else of ours running; two runs, since the machine may be shared), and the ratio is taken
to their mean. On a shared machine wall-clock figures move with the neighbours' load, so the
articles per CPU-second of the server process and of analyze_many are printed too: their ratio
says what the server itself costs. Needs the `server` extra (and Linux, for /proc).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ARTICLES = HERE.parent.parent / "shared" / "ptc" / "test-articles"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads included (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(port: int, model: str | None, *extra: str) -> subprocess.Popen[bytes]:
    """``propscan serve`` on loopback in a child process (``extra``: more options), once /healthz
    answers."""
    args = ["serve", "--port", str(port), *(["--model", model] if model else []), *extra]
    code = "import sys; from propscan.cli import main; sys.argv = ['propscan', *sys.argv[1:]]; main()"
    quiet = subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=quiet, stderr=quiet)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
    proc.kill()
    raise SystemExit("the server did not answer /healthz within 120 s")


def load(port: int, texts: list[str], clients: int, duration: float, max_requests: int) -> dict:
    bodies = [json.dumps({"text": t}).encode() for t in texts]
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": 0}
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + duration

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < deadline:
            with lock:
                if state["next"] >= max_requests:
                    return
                i = state["next"]
                state["next"] += 1
            t0 = time.perf_counter()
            try:
                headers = {"Content-Type": "application/json"}
                conn.request("POST", "/v1/analyze", bodies[i % len(bodies)], headers)
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == 200 and json.loads(payload)["text"] == texts[i % len(texts)]
            except (OSError, http.client.HTTPException, ValueError) as exc:
                ok, payload = False, str(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            dt = time.perf_counter() - t0
            with lock:
                if ok:
                    state["ok"] += 1
                    latencies.append(dt)
                else:
                    state["errors"] += 1
                    errors.append(payload[:200].decode("utf-8", "replace"))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return {
        "requests": state["ok"] + state["errors"],
        "ok": state["ok"],
        "errors": state["errors"],
        "first_errors": errors[:3],
        "wall_s": wall,
        "throughput": state["ok"] / wall,
        "p50_s": statistics.median(latencies) if latencies else float("nan"),
        "p99_s": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def baseline(texts: list[str], model: str | None) -> tuple[float, float]:
    """(articles/s, articles per CPU-second) of one analyze_many call over ``texts``."""
    import propscan

    det = propscan.Detector.load(model)
    det.analyze_many(texts[:8])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    det.analyze_many(texts)
    return len(texts) / (time.perf_counter() - t0), len(texts) / (time.process_time() - c0)


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (the bound in time)")
    parser.add_argument("--max-requests", type=int, default=5000, help="the bound in requests")
    parser.add_argument("--model", default=None)
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    args = parser.parse_args()

    paths = sorted(args.articles.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no .txt articles in {args.articles}")
    texts = [p.read_text("utf-8") for p in paths]
    print(f"{len(texts)} articles from {args.articles}, {args.clients} clients, {args.duration:.0f} s")

    before, before_cpu = baseline(texts, args.model)
    port = free_port()
    server = start_server(port, args.model)
    try:
        load(port, texts[:8], min(args.clients, 8), 3.0, 16)  # warm-up: first batches, allocations
        cpu0 = cpu_seconds(server.pid)
        result = load(port, texts, args.clients, args.duration, args.max_requests)
        server_cpu = cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait(30)

    print(f"requests        {result['requests']} ({result['ok']} ok, {result['errors']} errors)")
    for error in result["first_errors"]:
        print(f"  error: {error}")
    print(f"wall            {result['wall_s']:.1f} s")
    print(f"throughput      {result['throughput']:.2f} articles/s")
    print(f"latency p50     {result['p50_s']:.2f} s")
    print(f"latency p99     {result['p99_s']:.2f} s")
    after, after_cpu = baseline(texts, args.model)
    base, base_cpu = (before + after) / 2, (before_cpu + after_cpu) / 2
    per_cpu = result["ok"] / server_cpu
    print(f"analyze_many    {base:.2f} articles/s (before {before:.2f}, after {after:.2f})")
    print(f"ratio           {result['throughput'] / base:.2f} (server / analyze_many, wall clock)")
    print(f"per CPU-second  server {per_cpu:.2f}, analyze_many {base_cpu:.2f} articles")
    print(f"ratio           {per_cpu / base_cpu:.2f} (server / analyze_many, per CPU-second)")


if __name__ == "__main__":
    main()
