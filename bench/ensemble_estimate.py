"""Val scores of a two-model ensemble: an evaluation prototype, not a propscan feature yet.

    python bench/ensemble_estimate.py MODEL_A MODEL_B [W_TOK,W_TC,THRESHOLD ...]

Spans come from A's decoder run on A's token probabilities mixed with B's (B's per-character
probabilities averaged over each of A's tokens, weight W_TOK); a span's technique distribution is
A's averaged with B's (weight W_TC). Both models must have been trained on `train` only. Each
W_TOK,W_TC,THRESHOLD triple prints one line of val SI, TC and FLC F1 (default 0.5,0.5,0.4).
It reaches into Detector internals (_encode, _decode) and runs each model twice per article, so
its speed is not the speed an ensemble model would have.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from propscan import Detector
from propscan.document import Document, Span
from propscan.evaluate import evaluate
from propscan.features import lower
from propscan.techniques import LABELS

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "ptc"


class Ensemble:
    def __init__(self, a: Detector, b: Detector, w_tok: float, w_tc: float, threshold: float) -> None:
        self.a, self.b = a, b
        self.w_tok, self.w_tc, self.threshold = w_tok, w_tc, threshold

    def _tech(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        return (1 - self.w_tc) * self.a.classify_probs(text, spans) + self.w_tc * self.b.classify_probs(
            text, spans
        )

    def analyze_many(
        self, texts: Iterable[str], *, progress: Callable[[int], None] | None = None
    ) -> list[Document]:
        docs = []
        for text in texts:
            other_chars, lowered, found = self.b.char_probs(text), lower(text), []
            for _, out in self.a._encode([text], 8):
                if out is None:
                    break
                if not out.bounds:
                    continue
                other = np.stack([other_chars[s:e].mean(axis=0) for s, e in out.block.offsets.tolist()])
                mixed = (1 - self.w_tok) * out.merged_probs() + self.w_tok * other
                out.merged_probs = lambda m=mixed: m  # type: ignore[method-assign]
                found += self.a._decode(text, lowered, out, self.threshold)
            keys = sorted({(s.start, s.end) for s in found})
            probs = self._tech(text, keys) if keys else []
            spans = [Span(s, e, LABELS[int(p.argmax())], 1.0) for (s, e), p in zip(keys, probs, strict=True)]
            docs.append(Document(text, spans, {}))
        return docs

    def classify(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[str]:
        keys = [(s.start, s.end) if isinstance(s, Span) else tuple(s) for s in spans]
        labels, seen = [], {}
        for key, p in zip(keys, self._tech(text, keys), strict=True):
            rank = seen.get(key, 0)
            seen[key] = rank + 1
            labels.append(LABELS[int(np.argsort(-p)[min(rank, len(LABELS) - 1)])])
        return labels


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model_a")
    parser.add_argument("model_b")
    parser.add_argument("settings", nargs="*", default=["0.5,0.5,0.4"])
    parser.add_argument("--data", default=str(DATA))
    args = parser.parse_args()
    a, b = Detector.load(args.model_a), Detector.load(args.model_b)
    for setting in args.settings:
        w_tok, w_tc, th = (float(x) for x in setting.split(","))
        r = evaluate(Ensemble(a, b, w_tok, w_tc, th), args.data, "val")
        row = {"w_tok": w_tok, "w_tc": w_tc, "threshold": th, "si": r.si.f1, "tc": r.tc, "flc": r.flc.f1}
        print(json.dumps({k: round(v, 4) for k, v in row.items()}), flush=True)


if __name__ == "__main__":
    main()
