"""Speed of propscan against a plain transformers token-classification pipeline, in one run.

    python bench/speed.py [--model fast|accurate|PATH] [--articles ../shared/ptc/test-articles]
                          [--no-pipeline] [--no-huge] [--rounds N] [--against SRC]

Targets on a 2-core laptop-class CPU: fast >= 15 articles/s, accurate >= 2 articles/s.

Prints articles/s and tokens/s of Detector.analyze_many over the articles, cold-start time (a new
process: import, load and verify the model, analyze one sentence), peak RSS of a process that
analyzes every article and of one that analyzes a 10 MB text, a machine reference (the shipped
`fast` encoder's tokens/s on a fixed synthetic batch, before and after, so that runs on a
differently loaded machine can be compared), and the same throughput for
transformers' pipeline("token-classification") on an encoder of the same architecture and depth
(the model's recorded `layers`; torch, fp32, all cores), as a ratio. The pipeline needs the
`train` extra. The 10 MB text takes about half an hour with `accurate`: --no-huge skips it.

It also prints what finding quotations and span voices costs (engine.attribution.attribute, the
step every Document goes through at the end of analyze): in each of --rounds rounds,
Detector.analyze_many over the articles, then attribute over its Documents, interleaved so that
both see the same load; the share is attribute's time over analyze_many's time without it.
Target: at most 5% of `fast`'s analyze time.

It also prints the bare encoder's speed over the same windows (no tokenizing, decoding or
attribution; not for an ensemble), end to end as a share of it, and how many tokens the encoder
sees per token of text.

--against SRC compares this checkout with another one's `src` directory (a git worktree of an
earlier commit, say) side by side: --rounds rounds, each a new process per side in alternating
order that loads the model, warms up and times analyze_many over the articles; it prints each
side's median articles/s with its range and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ARTICLES = HERE.parent.parent / "shared" / "ptc" / "test-articles"
TARGETS = {"fast": 15.0, "accurate": 2.0}  # articles/s on this project's 2-core reference machine
ATTRIBUTION_TARGET = 0.05  # quotation finding may add at most 5% to fast's analyze time

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import propscan
det = propscan.Detector.load(sys.argv[1] if sys.argv[1] != "-" else None)
det.analyze("They are traitors.")
cold = time.perf_counter() - t0
mode = sys.argv[2]
if mode == "corpus":
    from pathlib import Path
    texts = [p.read_text("utf-8") for p in sorted(Path(sys.argv[3]).glob("*.txt"))]
    det.analyze_many(texts)
elif mode == "throughput":
    from pathlib import Path
    texts = [p.read_text("utf-8") for p in sorted(Path(sys.argv[3]).glob("*.txt"))]
    det.analyze_many(texts[:5])
    t1 = time.perf_counter()
    det.analyze_many(texts)
    print(json.dumps({"articles_per_s": len(texts) / (time.perf_counter() - t1)}), file=sys.stderr)
elif mode == "huge":
    from pathlib import Path
    texts = [p.read_text("utf-8") for p in sorted(Path(sys.argv[3]).glob("*.txt"))]
    text = "\n".join(texts)
    text = (text * (10_000_000 // len(text) + 1))[:10_000_000]
    t1 = time.perf_counter()
    doc = det.analyze(text)
    print(json.dumps({"huge_s": time.perf_counter() - t1, "huge_spans": len(doc.spans)}), file=sys.stderr)
print(json.dumps({"cold_s": cold, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(model: str, mode: str, articles: Path, src: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else None
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, model, mode, str(articles)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - t0
    for line in out.stderr.splitlines():
        if line.startswith("{"):
            result.update(json.loads(line))
    return result


def propscan_throughput(det: object, texts: list[str]) -> tuple[float, float]:
    det.analyze_many(texts[:5])  # warm-up
    n_tokens = sum(len(det.model.tokenizer.encode(t, add_special_tokens=False).ids) for t in texts)
    t0 = time.perf_counter()
    det.analyze_many(texts)
    dt = time.perf_counter() - t0
    return len(texts) / dt, n_tokens / dt


def encoder_share(det: object, texts: list[str], n_tokens: int) -> tuple[float, float] | None:
    """(tokens the encoder sees per token of text, bare encoder seconds): the windows the scorer
    cuts, run through the encoder alone (no tokenizing, decoding or attribution), best of 3."""
    from propscan.engine.scorer import ModelScorer
    from propscan.engine.windows import Window, pack

    if not isinstance(det.scorer, ModelScorer):  # an ensemble: two encoders, not one to compare
        return None
    model = det.model
    inputs = [
        pack([Window(block, lo, hi)], model.cls_id, model.sep_id, model.pad_id)
        for text in texts
        for block, bounds, _ in det.scorer.windows(text)
        for lo, hi in bounds
    ]
    seen = sum(ids.shape[1] for ids, _ in inputs)
    list(model.forward_each(inputs[:8]))  # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        list(model.forward_each(inputs))
        best = min(best, time.perf_counter() - t0)
    return seen / n_tokens, best


def attribution_share(det: object, texts: list[str], rounds: int) -> list[tuple[float, float]]:
    """(analyze_many seconds, attribute seconds) per round, interleaved: each round analyses the
    articles (attribution included, as always), then times attribute alone over the results."""
    from propscan.engine.attribution import attribute

    det.analyze_many(texts[:5])  # warm-up
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        docs = det.analyze_many(texts)
        t1 = time.perf_counter()
        for doc in docs:
            attribute(doc)
        out.append((t1 - t0, time.perf_counter() - t1))
    return out


def cpu_line() -> str:
    """The CPU and the instruction sets int8 and bf16 speed hang on (Linux; elsewhere "unknown"):
    without VNNI, int8 matrix products run at a fraction of their speed, so a figure means little
    without the CPU it was measured on."""
    try:
        info = Path("/proc/cpuinfo").read_text("utf-8")
    except OSError:
        return f"unknown ({os.cpu_count()} cores)"
    first_cpu = info.split("\n\n", 1)[0]
    pairs = (line.split(":", 1) for line in first_cpu.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in pairs}
    model = fields.get("model name", "?")
    flags = set(fields.get("flags", "").split())
    sets = ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile"]
    have = [f for f in sets if f in flags] or ["none of " + ", ".join(sets)]
    from propscan.engine.model import cores

    return f"{model}, {cores()} cores usable; {' '.join(have)}"


def machine_reference() -> float:
    """tokens/s of the shipped `fast` encoder alone on a fixed synthetic batch (8 x 256 tokens, two
    threads, best of 3): the same work in every session, so figures taken on differently loaded
    machines can be compared (this machine's speed has changed by 1.5-3x between sessions)."""
    import numpy as np
    import onnxruntime as ort

    import propscan

    path = Path(propscan.Detector.load("fast").info()["path"]) / "model.onnx"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    ids = np.random.default_rng(0).integers(1000, 20000, (8, 256)).astype(np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    session.run(None, feed)
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(4):
            session.run(None, feed)
        best = max(best, 4 * ids.size / (time.perf_counter() - t0))
    return best


def side_by_side(model: str, articles: Path, other: Path, rounds: int) -> None:
    """This checkout against ``other`` (a src directory), new processes in alternating order."""
    here = HERE.parent / "src"
    runs: dict[str, list[float]] = {"this": [], "other": []}
    for r in range(rounds):
        order = [("this", here), ("other", other)]
        for name, src in order if r % 2 == 0 else order[::-1]:
            runs[name].append(child(model, "throughput", articles, src)["articles_per_s"])
    medians = {}
    for name, values in runs.items():
        values.sort()
        medians[name] = values[len(values) // 2]
        where = here if name == "this" else other
        print(
            f"{name} ({where}): median {medians[name]:.2f} articles/s "
            f"(range {values[0]:.2f}-{values[-1]:.2f}, {rounds} rounds)"
        )
    print(f"ratio this / other (medians): {medians['this'] / medians['other']:.2f}x")


def pipeline_throughput(
    texts: list[str], n_tokens: int, max_tokens: int, base: str, layers: int | None
) -> tuple[float, float] | None:
    try:
        import torch
        from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer, pipeline

        from propscan.train.base import base_dir
    except ImportError:
        return None
    torch.manual_seed(0)
    src = base_dir(base)
    config = AutoConfig.from_pretrained(str(src), num_labels=15)
    if layers:
        config.num_hidden_layers = layers  # the same depth as the model: its first `layers` layers
    model = AutoModelForTokenClassification.from_pretrained(str(src), config=config).eval()
    tok = AutoTokenizer.from_pretrained(str(src), model_max_length=max_tokens)
    pipe = pipeline(
        "token-classification", model=model, tokenizer=tok, device=-1, aggregation_strategy="simple"
    )
    pipe(texts[:2], stride=32)  # warm-up
    t0 = time.perf_counter()
    pipe(texts, stride=32, batch_size=8)
    dt = time.perf_counter() - t0
    return len(texts) / dt, n_tokens / dt


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=None, help="fast (default), accurate, or a model directory")
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    parser.add_argument("--no-pipeline", action="store_true", help="skip the transformers comparison")
    parser.add_argument("--no-huge", action="store_true", help="skip the 10 MB text's peak RSS")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the interleaved timings")
    parser.add_argument("--against", type=Path, help="another checkout's src directory, timed side by side")
    args = parser.parse_args()
    texts = [p.read_text("utf-8") for p in sorted(args.articles.glob("*.txt"))]
    if not texts:
        sys.exit(f"no .txt articles in {args.articles}")
    import propscan

    det = propscan.Detector.load(args.model)
    n_tokens = sum(len(det.model.tokenizer.encode(t, add_special_tokens=False).ids) for t in texts)
    model_arg = args.model or "-"
    if args.against is not None:
        if not (args.against / "propscan" / "__init__.py").is_file():
            sys.exit(f"--against {args.against}: not a src directory holding propscan")
        side_by_side(model_arg, args.articles, args.against, args.rounds)
        return
    print(f"model: {det.name} ({det.info()['path']})")
    print(f"CPU: {cpu_line()}")
    print(
        f"articles: {len(texts)} from {args.articles}, "
        f"{n_tokens} tokens ({n_tokens / len(texts):.0f}/article)"
    )

    cold = min((child(model_arg, "cold", args.articles) for _ in range(3)), key=lambda r: r["cold_s"])
    print(
        f"cold start (import + load + verify + first analyze): {cold['cold_s']:.2f} s "
        f"(whole process {cold['wall_s']:.2f} s)"
    )
    corpus = child(model_arg, "corpus", args.articles)
    print(f"peak RSS analyzing all {len(texts)} articles: {corpus['rss_mb']:.0f} MB")
    if not args.no_huge:
        huge = child(model_arg, "huge", args.articles)
        print(
            f"peak RSS analyzing one 10 MB text: {huge['rss_mb']:.0f} MB "
            f"({huge['huge_s']:.0f} s, {huge['huge_spans']} spans)"
        )

    before = machine_reference()
    runs = [propscan_throughput(det, texts) for _ in range(3)]
    after = machine_reference()
    aps, tps = max(runs)
    target = TARGETS.get(args.model or "fast")
    verdict = f" (target >= {target}: {'met' if aps >= target else 'MISSED'})" if target else ""
    print(f"propscan: {aps:.1f} articles/s, {tps:.0f} tokens/s (best of 3){verdict}")
    print(
        f"machine reference (shipped fast encoder, synthetic 8x256 batch): {before:.0f} tokens/s "
        f"before, {after:.0f} after"
    )
    bare = encoder_share(det, texts, n_tokens)
    if bare is None:
        print("bare encoder: skipped for an ensemble")
    else:
        print(
            f"bare encoder over the same windows: {len(texts) / bare[1]:.1f} articles/s; end to end is "
            f"{100 * bare[1] * aps / len(texts):.0f}% of its speed; the encoder sees "
            f"{bare[0]:.2f} tokens per token of text ([CLS], [SEP] and window overlaps)"
        )
    rounds = attribution_share(det, texts, args.rounds)
    shares = sorted(attr / (total - attr) for total, attr in rounds)
    median = shares[len(shares) // 2]
    per_round = ", ".join(f"{attr * 1000:.0f} ms of {total:.1f} s" for total, attr in rounds)
    met = "met" if median <= ATTRIBUTION_TARGET else "MISSED"
    print(
        f"quotations and span voices (attribute): median {100 * median:.1f}% added to analyze "
        f"(range {100 * shares[0]:.1f}-{100 * shares[-1]:.1f}% over {len(rounds)} interleaved rounds: "
        f"{per_round}; {1000 * min(a for _, a in rounds) / len(texts):.2f} ms per article at best) "
        f"(target <= {100 * ATTRIBUTION_TARGET:.0f}%: {met})"
    )
    if args.no_pipeline:
        return
    layers = det.config.train.get("layers")
    base = pipeline_throughput(texts, n_tokens, det.config.max_tokens, det.config.base or "minilm", layers)
    if base is None:
        print("transformers pipeline: skipped (pip install 'propscan[train]' to compare)")
        return
    print(
        f"transformers pipeline (torch fp32, same architecture, {layers or 'all'} layers, same window): "
        f"{base[0]:.2f} articles/s, "
        f"{base[1]:.0f} tokens/s"
    )
    print(f"ratio propscan / pipeline: {aps / base[0]:.1f}x")


if __name__ == "__main__":
    main()
