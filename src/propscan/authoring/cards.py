"""Card text shared by every model directory propscan writes (trained models and ensembles):
measured scores, calibration and the corpus citation. Torch-free: run-time code may import it."""

from __future__ import annotations

from typing import Any

from ..evaluation.calibrate import BINS
from ..hub.config import ModelConfig
from ..techniques import LABELS

SHORT_TOKENS = ModelConfig.__dataclass_fields__["short_tokens"].default  # texts decoded as short
CITATION = (
    "G. Da San Martino, S. Yu, A. Barrón-Cedeño, R. Petrov, P. Nakov. Fine-Grained Analysis of "
    "Propaganda in News Articles. EMNLP-IJCNLP 2019."
)


def scores_section(val: dict[str, Any]) -> list[str]:
    lines = [
        "## Measured scores (val split, 37 articles, model of this recipe trained on `train` only)",
        "",
        "| task | precision | recall | F1 |",
        "|---|---|---|---|",
        f"| SI | {val['si']['precision']:.4f} | {val['si']['recall']:.4f} | {val['si']['f1']:.4f} |",
        f"| TC (micro-F1) | | | {val['tc']:.4f} |",
        *(
            [f"| TC, blend off (its weight is chosen on val) | | | {val['tc_without_blend']:.4f} |"]
            if "tc_without_blend" in val
            else []
        ),
        f"| FLC | {val['flc']['precision']:.4f} | {val['flc']['recall']:.4f} | {val['flc']['f1']:.4f} |",
        "",
    ]
    unq = val.get("unquantized")
    if unq:
        # int8 figures at the same settings as the fp32 twin (stored when they differ from above)
        same = unq.get("int8_same_settings") or {
            "si": val["si"]["f1"],
            "tc": val["tc"],
            "flc": val["flc"]["f1"],
        }
        lines += [
            f"Unquantized (fp32) twin of the same weights: SI {unq['si']:.4f}, TC {unq['tc']:.4f}, "
            f"FLC {unq['flc']:.4f}; int8 changes them by {same['si'] - unq['si']:+.4f}, "
            f"{same['tc'] - unq['tc']:+.4f}, {same['flc'] - unq['flc']:+.4f}"
            + (f" ({unq['settings']})." if "settings" in unq else "."),
            "",
        ]
    lines += ["| technique | TC F1 | FLC F1 |", "|---|---|---|"]
    for label in LABELS:
        per = val.get("per_technique", {}).get(label)
        if per:
            lines.append(f"| {label} | {per['tc']['f1']:.3f} | {per['flc']['f1']:.3f} |")
    return [*lines, ""]


def calibration_limit(fit: dict | None, val: dict | None = None) -> str:
    if not fit:
        if val and val.get("ece", 1.0) <= 0.05:
            return (
                "- Span scores are not mapped by a calibration fit; on val their ECE is "
                f"{val['ece']:.3f}, so on text like PTC news they are close to the share of spans that "
                "are right. On other genres "
                "the model is more often wrong than its scores say."
            )
        return "- Span scores are not calibrated: they rank spans, but are not the chance that one is right."
    where = (
        "the val articles (see Calibration: 37 articles, so the map is coarse)"
        if "on" in fit
        else "held-out folds of the training articles"
    )
    return (
        f"- Span scores are calibrated on {where}: on text like PTC news they are close to the share of "
        "spans that are right. On other genres the model is more often wrong than its scores say."
    )


def method_phrase(fit: dict) -> str:
    """How a calibration_fit names its map (fits before Platt maps existed were isotonic)."""
    return "a Platt (logistic)" if fit.get("method") == "platt" else "an isotonic"


def spread_phrase(val: dict) -> str:
    """The cross-fitted ECE's spread over random halvings of val, where the report has it."""
    halves = val.get("ece_random_halves")
    if not halves:
        return ""
    return (
        f" Over {halves['n']} random halvings of the val articles the same cross-fitted ECE is "
        f"{halves['mean']:.4f} on average (sd {halves['sd']:.4f}): one split of 37 articles is itself noisy."
    )


def reliability_table(val: dict) -> list[str]:
    """The reliability rows of a val report as a markdown table."""
    return [
        "| score bin | spans | mean score | share right |",
        "|---|---|---|---|",
        *(
            f"| {r['lo']:.1f}-{r['hi']:.1f} | {r['n']} | {r['confidence']:.3f} | {r['accuracy']:.3f} |"
            for r in val.get("reliability", [])
        ),
    ]


def calibration_section(config: ModelConfig, val: dict) -> list[str]:
    fit = config.calibration_fit
    if "ece" not in val:
        return []
    if not fit:
        return [
            "## Calibration",
            "",
            "A span's score should be the probability that it is right: that a gold span of the same "
            "technique overlaps it. This model's scores (mean token probability x technique "
            "probability) are not mapped by a calibration fit; "
            + (
                "it was distilled from a teacher that has seen every fold of `train`, so fold models "
                "could not measure it fairly. "
                if config.train.get("teacher")
                else ""
            )
            + f"Expected calibration error of these raw scores on val ({BINS} equal-width bins): "
            f"**{val['ece']:.4f}**. Reliability plot: [reliability.svg](reliability.svg).",
            "",
            *reliability_table(val),
            "",
        ]
    lines = [
        "## Calibration",
        "",
        "A span's score is the probability that it is right: that a gold span of the same technique "
        "overlaps it. Raw scores (mean token probability x technique probability) are mapped by "
        + (
            f"an isotonic fit on {fit['spans']} spans predicted for held-out articles by "
            f"{fit['folds']} models of this recipe, each trained on the rest of `train` "
            f"(folds of 1/{fit['folds']}) "
            f"({fit['share_right']:.0%} of those spans were right)."
            if "folds" in fit
            else f"{method_phrase(fit)} fit on the {fit['spans']} spans the train-split model of this recipe "
            f"predicted for val ({fit['share_right']:.0%} right): fold models of this recipe cost too much "
            "on a CPU. The ECE below is therefore cross-fitted: each half of the val articles (alternate "
            "articles) is scored by the map fitted on the other half." + spread_phrase(val)
        ),
        "",
        f"Expected calibration error on val ({BINS} equal-width bins): **{val['ece']:.4f}** "
        f"(raw scores: {val.get('ece_uncalibrated', float('nan')):.4f}). Reliability plot: "
        "[reliability.svg](reliability.svg).",
        "",
        "| score bin | spans | mean score | share right |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['lo']:.1f}-{r['hi']:.1f} | {r['n']} | {r['confidence']:.3f} | {r['accuracy']:.3f} |"
        for r in val.get("reliability", [])
    ]
    return [*lines, ""]


CV_FIGURES = {
    "si": "SI F1",
    "tc": "TC micro-F1",
    "macro_tc": "TC macro-F1 (mean over techniques)",
    "flc": "FLC F1",
    "ece": "ECE of the calibrated scores",
    "ece_raw": "ECE of the raw scores",
    "sentence_si": "SI F1, each line analysed alone",
    "sentence_gap": "SI gap (whole article - line by line)",
}


def cv_section(report: dict[str, Any], n_articles: int | None = None) -> list[str]:
    """The measured-scores and calibration sections of a model shipped from a cross-validation."""
    k = report["folds"]
    where = f" over all {n_articles} articles" if n_articles else ""
    lines = [
        f"## Measured scores ({k}-fold cross-validation{where}, mean ± sd over folds)",
        "",
        f"Each fold is scored by a model of this recipe trained on the other {k - 1} folds' articles. Its "
        "decision settings were chosen, and its span scores calibrated, on the other folds' predictions "
        "only, so no figure below was tuned on the articles it is measured on. The shipped model is "
        "trained on every article with the settings and score map chosen on all folds.",
        "",
        "| figure | mean | sd |",
        "|---|---|---|",
    ]
    for key, name in CV_FIGURES.items():
        if key in report["summary"]:
            stats = report["summary"][key]
            lines.append(f"| {name} | {stats['mean']:.4f} | {stats['sd']:.4f} |")
    lines += ["", "| technique | TC F1 | FLC F1 |", "|---|---|---|"]
    for label in LABELS:
        per = report["per_technique"].get(label)
        if per:
            lines.append(
                f"| {label} | {per['tc']['mean']:.3f} ± {per['tc']['sd']:.3f} "
                f"| {per['flc']['mean']:.3f} ± {per['flc']['sd']:.3f} |"
            )
    fit = report["calibration_fit"]
    settings = report["settings"]
    bias = settings.get("technique_bias")
    lines += [
        "",
        "## Decision settings and calibration",
        "",
        f"Chosen on the out-of-fold predictions of all {k} folds: token probability "
        f"{settings['threshold']}, lone-token runs {settings['single_token_threshold']}, token-channel "
        f"blend {settings['token_blend']}, extra technique labels from probability "
        f"{settings['multi_label_threshold']}"
        + (
            "; per-technique log offsets on the technique distribution "
            + ", ".join(f"{label} {b:+g}" for label, b in zip(LABELS, bias, strict=True) if b)
            if bias
            else ""
        )
        + (
            f"; a text of at most {SHORT_TOKENS} tokens (a few sentences) is decoded with token "
            f"probability {settings['short_threshold']}, chosen on lines analysed alone"
            if settings.get("short_threshold") is not None
            else ""
        )
        + ".",
        "",
        "A span's score is the probability that it is right (a gold span of the same technique overlaps "
        f"it): raw scores are mapped by an isotonic fit on the {fit['spans']} out-of-fold spans of the "
        f"{k} fold models ({fit['share_right']:.0%} of them right). The ECE above is cross-fitted: each "
        f"fold's spans were mapped by a fit on the other folds' spans ({BINS} equal-width bins; pooled "
        f"over all folds: {report['ece_pooled']:.4f}).",
        "",
    ]
    return lines


__all__ = [
    "CITATION",
    "calibration_limit",
    "calibration_section",
    "cv_section",
    "method_phrase",
    "reliability_table",
    "scores_section",
    "spread_phrase",
]
