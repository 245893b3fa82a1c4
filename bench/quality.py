"""Quality on the val split: train the shipped recipe on `train` only, score SI / TC / FLC on val.

    python bench/quality.py [--recipe fast|accurate] [--data ../shared/ptc] [--seeds 13] [--output DIR]

Each seed trains a model on the 334 `train` articles (thresholds tuned on val, as the recipe does),
then prints val precision / recall / F1 for SI and FLC, TC micro-F1, F1 per technique and what int8
quantization cost. Several seeds print the spread. Finally it prints the figures stated in the
shipped model's card (the same recipe, trained on `train` only). The shipped model itself was
trained on all 371 articles, val included, so scoring it on val would measure training data; that
number is printed only as a sanity check and is not a quality figure. Needs the `train` extra.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "ptc"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--recipe", choices=("fast", "accurate"), default="fast")
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13])
    parser.add_argument("--output", type=Path, default=Path("runs/quality"))
    parser.add_argument("--skip-train", action="store_true", help="re-score models already in --output")
    args = parser.parse_args()

    from propscan import Detector
    from propscan.evaluation.evaluate import evaluate
    from propscan.train import recipe_options, train

    options = recipe_options(args.recipe)
    if args.epochs:
        options["epochs"] = args.epochs

    results = []
    for seed in args.seeds:
        out = args.output / f"seed{seed}"
        if not args.skip_train:
            t0 = time.time()
            train(args.data, "train", out, **{**options, "seed": seed})
            print(f"seed {seed}: trained in {(time.time() - t0) / 60:.1f} min")
        report = json.loads((out / "val_report.json").read_text("utf-8"))
        results.append(report)
        _print(f"seed {seed} on val (model trained on train only)", report)

    if len(results) > 1:
        for task, get in (
            ("SI", lambda r: r["si"]["f1"]),
            ("TC", lambda r: r["tc"]),
            ("FLC", lambda r: r["flc"]["f1"]),
        ):
            values = [get(r) for r in results]
            print(
                f"{task} F1 over {len(values)} seeds: mean {statistics.mean(values):.4f}, "
                f"stdev {statistics.stdev(values):.4f}, min {min(values):.4f}, max {max(values):.4f}"
            )

    shipped = Detector.load(args.recipe)
    card = (shipped.model.directory / "MODEL_CARD.md").read_text("utf-8")
    start = card.find("## Measured scores")
    print(f"\nshipped model {shipped.name}: its card states\n{card[start : card.find('| technique', start)]}")
    sanity = evaluate(shipped, args.data, "val")
    print(
        f"sanity only (val articles were in its training data): SI {sanity.si.f1:.4f}, "
        f"TC {sanity.tc:.4f}, FLC {sanity.flc.f1:.4f}"
    )


def _print(title: str, r: dict) -> None:
    print(f"\n{title}")
    print(f"  SI   P {r['si']['precision']:.4f}  R {r['si']['recall']:.4f}  F1 {r['si']['f1']:.4f}")
    print(f"  TC   micro-F1 {r['tc']:.4f}")
    print(f"  FLC  P {r['flc']['precision']:.4f}  R {r['flc']['recall']:.4f}  F1 {r['flc']['f1']:.4f}")
    if "ece" in r:
        print(f"  ECE  {r['ece']:.4f} calibrated ({r.get('ece_uncalibrated', float('nan')):.4f} raw scores)")
    unq = r.get("unquantized")
    if unq:  # int8 at the fp32 twin's settings when those differ from the final ones
        same = unq.get("int8_same_settings") or {"si": r["si"]["f1"], "tc": r["tc"], "flc": r["flc"]["f1"]}
        print(
            f"  int8 vs fp32: SI {same['si'] - unq['si']:+.4f}, TC {same['tc'] - unq['tc']:+.4f}, "
            f"FLC {same['flc'] - unq['flc']:+.4f}" + (f" ({unq['settings']})" if "settings" in unq else "")
        )
    print("  per technique (TC F1 / FLC F1):")
    for label, per in r["per_technique"].items():
        print(f"    {label:38s} {per['tc']['f1']:.3f} / {per['flc']['f1']:.3f}")


if __name__ == "__main__":
    main()
