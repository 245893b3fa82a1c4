"""The model card written beside every ensemble."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engine.detector import Detector
from ..evaluation.calibrate import BINS
from ..hub.config import ModelConfig
from ..hub.weights import BASES
from .cards import CITATION, cv_section, method_phrase, reliability_table, scores_section, spread_phrase


def _license(det: Detector) -> str:
    base = BASES.get(det.config.base or "")
    return base.license if base else "see its card"


def _trained_on(det: Detector) -> str:
    train = det.config.train
    split = {"all": "all training articles (train + val)", "train": "`train` only"}.get(
        det.config.trained_on or "", "?"
    )
    if train.get("teacher"):
        split += f", distilled from `{train['teacher']}`"
        if train.get("unlabelled"):
            split += " with unlabelled articles"
    return split


def _speed(config: ModelConfig) -> list[str]:
    scores = config.scores
    if "articles_per_s" not in scores:
        return []
    return ["## Speed", "", f"{scores['articles_per_s']} articles/s ({scores.get('speed_note', '')}).", ""]


def ensemble_card(
    config: ModelConfig,
    members: Sequence[Detector],
    val: dict[str, Any] | None,
    cv: dict[str, Any] | None = None,
) -> str:
    spec = config.ensemble
    assert spec is not None, "an ensemble card needs an ensemble config"
    wt, wc = spec.token_weight, spec.technique_weight
    lines = [
        f"# {config.name} {config.version}",
        "",
        "Finds spans that use one of the 14 propaganda techniques of the Propaganda Techniques Corpus",
        "(PTC) in English news articles, and names the technique of each span, with two models together.",
        "",
        "## Members",
        "",
        "| role | model | base encoder (license) | trained on | recorded as |",
        "|---|---|---|---|---|",
    ]
    for role, det, entry in zip(("decodes", "second"), members, spec.members, strict=True):
        lines.append(
            f"| {role} | {det.name} | `{det.config.base_model or '?'}` ({_license(det)}) "
            f"| {_trained_on(det)} | `{entry.model}` |"
        )
    lines += [
        "",
        "Each member's own card (in its directory) gives its training data, command and license; the",
        "ensemble refuses to load if a member's files (its card and plot aside) are no longer the ones",
        "recorded here.",
        "",
        "## How the members combine",
        f"- Token probabilities: the first member's, mixed with weight {wt} with the second's (carried "
        "through character offsets onto the first member's tokens); runs of tokens above "
        f"{config.threshold} (gaps of up to {config.bridge_tokens} tokens closed; a lone token needs "
        f"{config.single_token_threshold}) become spans.",
        f"- Technique distribution of a span: the members' distributions averaged with weight {wc} on "
        f"the second; extra labels from probability {config.multi_label_threshold}.",
        "- A span's raw score is the mean mixed token probability times the technique probability; the "
        "calibration map (see Calibration) turns it into a probability.",
        "",
    ]
    if cv:
        lines += cv_section(cv)
    elif val:
        lines += scores_section(val)
        fit = config.calibration_fit
        lines += [
            "## Calibration",
            "",
            (
                "A span's score is the probability that it is right (a gold span of the same technique "
                f"overlaps it): raw scores are mapped by {method_phrase(fit)} fit on the "
                f"{fit['spans']} spans the train-split twin of this ensemble predicted for val "
                f"({fit['share_right']:.0%} right). "
                "Training fold models of both members, as the single models do, costs too much on CPU; "
                "so the ECE below is cross-fitted: each half of the val articles (alternate articles) "
                "scored by the map fitted on the other half."
                f" ECE ({BINS} equal-width bins): **{val['ece']:.4f}** (raw scores: "
                f"{val.get('ece_uncalibrated', float('nan')):.4f})."
                + spread_phrase(val)
                + " Reliability plot: [reliability.svg](reliability.svg)."
                if fit
                else f"Not calibrated. Expected calibration error of the raw scores on val ({BINS} "
                f"equal-width bins): **{val['ece']:.4f}**."
            ),
            "",
            *reliability_table(val),
            "",
        ]
    else:
        lines += ["## Measured scores", "", "None: build the ensemble with `--data` or `--reference`.", ""]
    lines += [
        "## Limitations",
        "- As for its members: English news only; rare techniques are found least reliably; `val` (37 "
        "articles) is easier than the official benchmark.",
        "- It runs both encoders: its speed is about that of the slower member plus the faster one.",
        "",
        *_speed(config),
        "## Build command",
        "```",
        f"propscan ensemble {' '.join(m.model for m in spec.members)} --output ENSEMBLE_DIR "
        f"--token-weight {wt} --technique-weight {wc} --threshold {config.threshold} "
        "[--data ../shared/ptc | --reference TRAIN_SPLIT_ENSEMBLE]",
        "```",
        "",
        f"Corpus: {CITATION}",
        "",
    ]
    return "\n".join(lines)
