"""Throughput and memory of `propscan batch`, local and on Ray, against Detector.analyze_many, in one run.

    python bench/batch.py [--articles 2000] [--memory 2000,8000] [--memory-chars 600] [--model M]

Builds a JSONL corpus by replicating the PTC articles (../shared/ptc, train and test) under new
ids, with an outlet and a publication date each, and then, each in a fresh process:

1. `Detector.analyze_many` over all the texts (default batch): the baseline;
2. `run_batch` with the local engine, 1 process (all cores) and 2 processes (1 thread each);
3. `run_batch` with the Ray engine (a local Ray on this machine's cores), 1 and 2 actors;

and prints articles/s of each, Ray's overhead against local at equal cores, local's ratio to the
baseline, and whether every engine wrote the same tables. Batch times are wall time of the whole
run_batch call: staging, model load, Ray start-up, analysis and Parquet writing.

Memory: peak RSS of a local batch run over 2,000 and 8,000 articles. These corpora are cut to
their first --memory-chars characters per article to keep the bench short; what could grow with
the corpus is per-article state, which depends on the number of articles, not their length.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PTC = HERE.parent.parent / "shared" / "ptc"
OUTLETS = ("Harbour Herald", "Northern Star", "Daily Bugle", "The Planet", "Evening Post")

_BASELINE = r"""
import json, resource, sys, time
import propscan
det = propscan.Detector.load(None if sys.argv[1] == "-" else sys.argv[1])
texts = [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")]
det.analyze_many(texts[:5])  # warm-up
t0 = time.perf_counter()
det.analyze_many(texts)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_BATCH = r"""
import json, resource, sys, time
from propscan.batch import run_batch
model = None if sys.argv[1] == "-" else sys.argv[1]
t0 = time.perf_counter()
result = run_batch([sys.argv[2]], sys.argv[3], model=model, engine=sys.argv[4], workers=int(sys.argv[5]))
dt = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": dt, "rss_mb": rss, "articles": result.articles, "errors": result.errors}))
"""


def build_corpus(path: Path, n: int, max_chars: int | None = None) -> int:
    """Write ``n`` articles to ``path`` as JSONL; returns the number of distinct source articles."""
    files = sorted((PTC / "train-articles").glob("*.txt")) + sorted((PTC / "test-articles").glob("*.txt"))
    if not files:
        sys.exit(f"no PTC articles under {PTC}")
    texts = [p.read_text("utf-8") for p in files]
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = texts[i % len(texts)]
            record = {
                "id": f"{files[i % len(files)].stem}-{i}",
                "text": text[:max_chars] if max_chars else text,
                "outlet": rng.choice(OUTLETS),
                "published": f"20{rng.randint(18, 19)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(texts)


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def tables(directory: Path) -> dict[str, list]:
    import pyarrow.parquet as pq

    names = ("articles", "spans", "errors")
    return {t: sorted(map(repr, pq.read_table(directory / t).to_pylist())) for t in names}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--memory", default="2000,8000", help="corpus sizes for peak RSS ('' to skip)")
    parser.add_argument("--memory-chars", type=int, default=600)
    parser.add_argument("--model", default="-", help="model name or directory (default: shipped)")
    parser.add_argument("--skip", default="", help="comma-separated runs to skip: baseline,local,ray")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="propscan-bench-"))
    corpus = work / "corpus.jsonl"
    distinct = build_corpus(corpus, args.articles)
    print(f"corpus: {args.articles} articles ({distinct} distinct PTC articles replicated with new ids)")
    n = args.articles
    rate: dict[str, float] = {}
    if "baseline" not in skip:
        base = child(_BASELINE, args.model, str(corpus))
        rate["analyze_many"] = n / base["seconds"]
        print(f"Detector.analyze_many (in memory, default batch): {rate['analyze_many']:.2f} articles/s")
    runs = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2)]
    for engine, workers in runs:
        if engine in skip:
            continue
        out = work / f"out-{engine}-{workers}"
        result = child(_BATCH, args.model, str(corpus), str(out), engine, str(workers))
        key = f"{engine}/{workers}"
        rate[key] = n / result["seconds"]
        what = "processes" if engine == "local" else "Ray actors"
        print(
            f"batch --engine {engine} --workers {workers} ({what}): {rate[key]:.2f} articles/s "
            f"({result['seconds']:.1f} s, {result['articles']} articles, "
            f"driver peak RSS {result['rss_mb']:.0f} MB)"
        )
    outs = [work / f"out-{e}-{w}" for e, w in runs if e not in skip]
    if len(outs) > 1:
        first = tables(outs[0])
        same = all(tables(o) == first for o in outs[1:])
        print(f"identical tables across {', '.join(o.name[4:] for o in outs)}: {same}")
    local_keys = [k for k in ("local/1", "local/2") if k in rate]
    if local_keys:
        best = max(local_keys, key=rate.get)
        print(f"local engine default: 1 process; faster here: {best} ({rate[best]:.2f} articles/s)")
        if "analyze_many" in rate:
            print(f"local/1 / analyze_many: {rate['local/1'] / rate['analyze_many']:.1%}")
        for key in ("ray/1", "ray/2"):
            if key in rate:
                overhead = 1 - rate[key] / rate["local/1"]
                print(f"Ray overhead, {key} vs local/1 (same cores): {overhead:+.1%}")
    for size in filter(None, args.memory.split(",")):
        small = work / f"memory-{size}.jsonl"
        build_corpus(small, int(size), args.memory_chars)
        t0 = time.perf_counter()
        result = child(_BATCH, args.model, str(small), str(work / f"mem-{size}"), "local", "1")
        print(
            f"peak RSS, local batch of {size} articles (first {args.memory_chars} chars each): "
            f"{result['rss_mb']:.0f} MB ({time.perf_counter() - t0:.0f} s)"
        )
    print(f"(work files in {work})")


if __name__ == "__main__":
    main()
