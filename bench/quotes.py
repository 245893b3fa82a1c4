"""Quality and speed of the quotation finder on the hand-labelled set, against a plain baseline.

    python bench/quotes.py [--data ../shared/ptc] [--gold bench/data/quotes_gold.jsonl]
                           [--split bench/data/quotes_split.json] [--spans gold|model] [--misses]

For the labelled articles (the dev part the rules were developed on, the held-out part labelled
after the rules were frozen, and all) it prints:

- direct and indirect quotation precision / recall / F1 with the SI formula of the PTC README
  (partial credit by character overlap, overlapping spans merged per article first);
- speaker accuracy on direct quotations: each gold direct quote is paired with the predicted
  quote (of either kind) that overlaps it most; it is right when the two speakers match
  (case and accents ignored, and one name's words a subset of the other's: "Paul" matches
  "Rand Paul"; both None matches). A gold quote that no prediction overlaps counts as wrong;
  the accuracy on the quotes that were found is printed beside it;
- span voice accuracy: for the gold propaganda spans of those articles (train-task-si.labels),
  or the shipped detector's spans with --spans model, the share whose voice ("author" or
  "quoted") from the predicted quotations equals the voice from the gold quotations;
- the same for a baseline that takes the text between straight or curly double quotation marks
  on one line as a direct quotation with no speaker (and finds no indirect speech);
- the mean and max milliseconds per article of find_quotes over all training articles.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from propscan.evaluation.metrics import PRF, si_score
from propscan.io.ptc import read_article
from propscan.quotes import Quote, find_quotes, voice_of

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "ptc"
DEFAULT_GOLD = HERE / "data" / "quotes_gold.jsonl"
DEFAULT_SPLIT = HERE / "data" / "quotes_split.json"
_BASELINE = re.compile(r"\"([^\"\n]+)\"|“([^”\n]+)”")

Finder = Callable[[str], list[Quote]]


def baseline(text: str) -> list[Quote]:
    """Every straight or curly double-quoted stretch of one line, speaker unknown."""
    out = []
    for match in _BASELINE.finditer(text):
        group = 1 if match.group(1) is not None else 2
        out.append(Quote(match.start(group), match.end(group), "direct"))
    return out


def name_tokens(name: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", name.lower().replace("’", "'"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return {w.removesuffix("'s") for w in re.findall(r"\w+(?:'\w+)*", folded)}


def same_speaker(pred: str | None, gold: str | None) -> bool:
    if pred is None or gold is None:
        return pred is None and gold is None
    p, g = name_tokens(pred), name_tokens(gold)
    return bool(p) and bool(g) and (p <= g or g <= p)


def scores(
    ids: Sequence[str],
    gold: dict[str, list[Quote]],
    pred: dict[str, list[Quote]],
    spans: dict[str, list[tuple[int, int]]],
) -> dict[str, object]:
    by_kind = {}
    for kind in ("direct", "indirect"):
        predicted = {i: [(q.start, q.end) for q in pred[i] if q.kind == kind] for i in ids}
        expected = {i: [(q.start, q.end) for q in gold[i] if q.kind == kind] for i in ids}
        by_kind[kind] = si_score(predicted, expected)
    right = found = total = 0  # a gold quote no prediction overlaps is counted, and wrong
    for i in ids:
        for quote in (q for q in gold[i] if q.kind == "direct"):
            total += 1
            overlaps = [(min(quote.end, q.end) - max(quote.start, q.start), q) for q in pred[i]]
            overlap, best = max(overlaps, key=lambda o: o[0], default=(0, None))
            if overlap > 0 and best is not None:
                found += 1
                right += same_speaker(best.speaker, quote.speaker)
    voice_same = voice_total = 0
    for i in ids:
        for start, end in spans.get(i, []):
            voice_total += 1
            voice_same += voice_of(start, end, pred[i])[0] == voice_of(start, end, gold[i])[0]
    return {
        "direct": by_kind["direct"],
        "indirect": by_kind["indirect"],
        "speaker": right / total if total else 0.0,
        "speaker_found": right / found if found else 0.0,
        "direct_gold": total,
        "voice": voice_same / voice_total if voice_total else 0.0,
        "spans": voice_total,
    }


def _prf(r: PRF) -> str:
    return f"P {r.precision:.3f}  R {r.recall:.3f}  F1 {r.f1:.3f}"


def report(title: str, r: dict[str, object]) -> None:
    print(f"  {title}")
    print(f"    direct    {_prf(r['direct'])}")  # type: ignore[arg-type]
    print(f"    indirect  {_prf(r['indirect'])}")  # type: ignore[arg-type]
    print(
        f"    speaker accuracy {r['speaker']:.3f} over {r['direct_gold']} gold direct quotes "
        f"({r['speaker_found']:.3f} on those found)"
    )
    print(f"    span voice accuracy {r['voice']:.3f} over {r['spans']} spans")


def si_spans(data: Path, ids: set[str]) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {i: [] for i in ids}
    for line in (data / "train-task-si.labels").read_text("utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) == 3 and cols[0] in ids:
            spans[cols[0]].append((int(cols[1]), int(cols[2])))
    return spans


def model_spans(texts: dict[str, str]) -> dict[str, list[tuple[int, int]]]:
    from propscan import Detector

    detector = Detector.load()
    return {i: [(s.start, s.end) for s in detector.analyze(t).spans] for i, t in texts.items()}


def timing(data: Path) -> tuple[float, float, float, int, float]:
    """Mean, median and max ms per article of find_quotes (best of 3 runs per article), the mean
    article length, and the mean cost per 4,000 characters."""
    times, chars = [], []
    for path in sorted((data / "train-articles").glob("article*.txt")):
        text = read_article(path)
        best = min(_timed(text) for _ in range(3))
        times.append(best * 1000)
        chars.append(len(text))
    per_4k = 4000 * sum(times) / sum(chars)
    return statistics.mean(times), statistics.median(times), max(times), round(statistics.mean(chars)), per_4k


def _timed(text: str) -> float:
    t0 = time.perf_counter()
    find_quotes(text)
    return time.perf_counter() - t0


def misses(
    ids: Sequence[str], texts: dict[str, str], gold: dict[str, list[Quote]], pred: dict[str, list[Quote]]
) -> None:
    """Gold quotes the finder missed or gave another speaker, and predictions gold lacks."""
    for i in ids:
        text = texts[i]
        print(f"--- {i}")
        for g in gold[i]:
            over = [q for q in pred[i] if q.kind == g.kind and q.start < g.end and q.end > g.start]
            if not over:
                print(f"  MISS {g.kind[0]} {text[g.start : g.end][:90]!r} [{g.speaker}]")
            elif g.kind == "direct":
                best = max(over, key=lambda q: min(q.end, g.end) - max(q.start, g.start))
                if not same_speaker(best.speaker, g.speaker):
                    print(f"  SPKR {text[g.start : g.end][:60]!r} gold {g.speaker} pred {best.speaker}")
        for q in pred[i]:
            if not any(g.kind == q.kind and g.start < q.end and g.end > q.start for g in gold[i]):
                print(f"  EXTRA {q.kind[0]} {text[q.start : q.end][:90]!r} [{q.speaker}]")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--split", type=Path, default=DEFAULT_SPLIT, help="JSON {part: [ids]}")
    parser.add_argument("--spans", choices=("gold", "model"), default="gold")
    parser.add_argument("--misses", action="store_true", help="list misses and extras per article")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()

    gold: dict[str, list[Quote]] = {}
    for line in args.gold.read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            gold[record["id"]] = [Quote.from_dict(q) for q in record["quotes"]]
    ids = list(gold)
    parts: dict[str, list[str]] = {}
    if args.split.is_file():
        parts = {k: [i for i in v if i in gold] for k, v in json.loads(args.split.read_text("utf-8")).items()}
    parts["all"] = ids
    texts = {i: read_article(args.data / "train-articles" / f"article{i}.txt") for i in ids}
    for i in ids:
        for q in gold[i]:
            if q.end > len(texts[i]):
                raise SystemExit(f"gold quote [{q.start}, {q.end}) of article {i} ends past its text")
    spans = si_spans(args.data, set(ids)) if args.spans == "gold" else model_spans(texts)

    finders: dict[str, Finder] = {"find_quotes": find_quotes, "baseline (double quotes only)": baseline}
    for name, finder in finders.items():
        pred = {i: finder(texts[i]) for i in ids}
        print(f"\n{name} ({args.spans} propaganda spans for voice)")
        for part, part_ids in parts.items():
            report(f"{part}: {len(part_ids)} articles", scores(part_ids, gold, pred, spans))
        if args.misses and finder is find_quotes:
            misses(ids, texts, gold, pred)

    if not args.no_timing:
        mean, median, worst, chars, per_4k = timing(args.data)
        print(
            f"\nfind_quotes timing over the training articles (mean {chars} characters): "
            f"mean {mean:.2f} ms, median {median:.2f} ms, max {worst:.2f} ms per article; "
            f"{per_4k:.2f} ms per 4,000 characters"
        )


if __name__ == "__main__":
    main()
