"""The label-free short-text threshold (`propscan short-threshold`) checked by cross-validation.

    python bench/short.py RUN [--texts DIR] [--data DIR]

For each fold model of a cross-validation run made with --short-threshold: the threshold the
label-free rule chooses on unlabelled articles (default: the corpus's test-articles), and the
sentence-mode SI of the fold's held-out articles at it and at the threshold chosen on the other
folds' labelled lines (the run's own), paired by fold. About 3 minutes per fold on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from dataclasses import replace
from pathlib import Path

from propscan.authoring.short_texts import choose_short_threshold, read_texts
from propscan.engine.detector import Detector
from propscan.evaluation.folds import Fold, Settings, sentence_mode
from propscan.io.ptc import fold_of, load_split

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "ptc"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", type=Path, help="a run of propscan evaluate --folds K --short-threshold")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--texts", type=Path, help="unlabelled .txt articles (default: DATA/test-articles)")
    args = parser.parse_args()
    if not (args.run / "cv_report.json").is_file():
        parser.error(f"{args.run} has no cv_report.json: give a run of propscan evaluate --folds K")
    report = json.loads((args.run / "cv_report.json").read_text("utf-8"))
    texts = read_texts(args.texts or args.data / "test-articles")
    articles = load_split(args.data, "all")
    k_folds = len(report["per_fold"])
    rule, labelled = [], []
    for figures in report["per_fold"]:
        k = figures["fold"]
        chosen = figures["settings"]
        settings = Settings(
            chosen["threshold"],
            chosen["single_token_threshold"],
            chosen["token_blend"],
            chosen["multi_label_threshold"],
        )
        detector = Detector.load(args.run / f"fold{k}")
        held = Fold.of(k, detector, [a for a in articles if fold_of(a.id, k_folds) == k])
        detector.config = held.configured(settings)  # the fold's own settings for the rule too
        choice = choose_short_threshold(detector, texts)
        at_rule = sentence_mode([held], replace(settings, short_threshold=choice.value))[0].f1
        at_labelled = sentence_mode([held], replace(settings, short_threshold=chosen.get("short_threshold")))[
            0
        ].f1
        rule.append(at_rule)
        labelled.append(at_labelled)
        shares = " ".join(f"{v}:{s:.3f}" for v, s in choice.line_shares.items())
        print(
            f"fold {k}: whole {choice.article_share:.3f}, lines alone {shares}; rule {choice.value} -> "
            f"sentence SI {at_rule:.4f}; labelled lines {chosen.get('short_threshold')} -> {at_labelled:.4f}",
            flush=True,
        )
    diff = [a - b for a, b in zip(rule, labelled, strict=True)]
    se = statistics.stdev(diff) / math.sqrt(len(diff))
    print(
        f"sentence SI: rule {statistics.fmean(rule):.4f} ± {statistics.stdev(rule):.4f}, labelled "
        f"{statistics.fmean(labelled):.4f} ± {statistics.stdev(labelled):.4f}; rule - labelled "
        f"{statistics.fmean(diff):+.4f} (se {se:.4f})"
    )


if __name__ == "__main__":
    main()
