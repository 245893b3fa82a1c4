"""Quality by cross-validation over all training articles, and decisions between two recipes.

    python bench/quality.py --folds 5 [--recipe fast|accurate] [--set NAME=VALUE ...] --output DIR
    python bench/quality.py --compare BASELINE CANDIDATE   (run directories or cv_report.json files)

The first form trains K fold models of the recipe (each on the other folds' articles; resumable:
rerun to continue), scores each fold with settings and score map chosen on the other folds only,
and prints mean ± sd over folds of SI, TC micro- and macro-F1, FLC, ECE and sentence-mode SI,
F1 per technique, and the settings chosen on all folds. It is `propscan evaluate --folds K`.

The second form compares two finished runs of the same K fold by fold (the folds hold the same
articles): the mean difference, its standard error, and a verdict only where the difference is at
least two standard errors. A smaller difference is no decision. Needs the `train` extra for the
first form.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "ptc"
FIGURES = ("si", "tc", "macro_tc", "flc", "ece", "sentence_si", "sentence_gap")
LOWER_IS_BETTER = {"ece", "sentence_gap"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--recipe", choices=("fast", "accurate"), default="fast")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--output", type=Path, default=Path("runs/cv"))
    parser.add_argument("--technique-bias", action="store_true", help="also fit per-technique offsets")
    parser.add_argument("--short-threshold", action="store_true", help="also choose a short-text threshold")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BASELINE", "CANDIDATE"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return

    from rich.console import Console

    from propscan.cli.tables import cv_tables
    from propscan.train import cross_validate, recipe_options
    from propscan.train.config import make_options, parse_setting

    options = make_options(recipe_options(args.recipe), dict(parse_setting(s) for s in args.settings))
    report = cross_validate(
        args.data,
        args.folds,
        args.output,
        technique_bias=args.technique_bias,
        short_threshold=args.short_threshold,
        **options,
    )
    Console(highlight=False).print(*cv_tables(report))
    print("settings chosen on all folds:", json.dumps(report["settings"]))


def compare(baseline: Path, candidate: Path) -> None:
    """Fold-by-fold differences of two cross-validation runs, with a 2-SE verdict."""
    a, b = (_report(d) for d in (baseline, candidate))
    if a["folds"] != b["folds"]:
        raise SystemExit(
            f"{baseline} has {a['folds']} folds, {candidate} {b['folds']}: compare runs of one K"
        )
    print(f"{candidate} minus {baseline}, {a['folds']} folds (paired by fold)")
    print(f"{'figure':14s} {'baseline':>9s} {'candidate':>9s} {'diff':>8s} {'se':>7s}  verdict")
    for key in FIGURES:
        if key not in a["summary"] or key not in b["summary"]:
            continue
        diffs = [
            _value(fb, key) - _value(fa, key) for fa, fb in zip(a["per_fold"], b["per_fold"], strict=True)
        ]
        mean = statistics.fmean(diffs)
        se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else float("inf")
        better = mean < 0 if key in LOWER_IS_BETTER else mean > 0
        if max(abs(d) for d in diffs) < 1e-12:
            verdict = "same"  # identical in every fold (the change does not touch this figure)
        elif abs(mean) >= 2 * se:
            verdict = "better" if better else "worse"
        else:
            verdict = "no decision (< 2 se)"
        print(
            f"{key:14s} {a['summary'][key]['mean']:9.4f} {b['summary'][key]['mean']:9.4f} "
            f"{mean:+8.4f} {se:7.4f}  {verdict}"
        )


def _report(path: Path) -> dict:
    """The cv_report.json of a run directory, or that file itself."""
    file = path / "cv_report.json" if path.is_dir() else path
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(
            f"{file} is not a cross-validation report ({exc}): give a run directory of "
            "'propscan evaluate --folds K --output DIR' or its cv_report.json"
        ) from None


def _value(fold: dict, key: str) -> float:
    if key == "sentence_gap":
        return float(fold["si"]["f1"] - fold["sentence_si"]["f1"])
    value = fold[key]
    return float(value["f1"] if isinstance(value, dict) else value)


if __name__ == "__main__":
    main()
