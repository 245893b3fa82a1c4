"""Every training option in one place: TrainConfig (each default says why), the named recipes,
and every rule between options. Torch-free, so the CLI checks a command line before it imports
torch, and a new option is added here alone (``propscan train --set NAME=VALUE`` reaches it).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..hub.basepart import SYMMETRIC_LIMIT
from ..hub.weights import BASES


@dataclass(frozen=True)
class TrainConfig:
    base: str = "minilm"
    epochs: int = 5  # with the lighter span loss, 5 epochs: val SI 0.45 (4 epochs, weight 1: 0.39)
    seed: int = 13
    lr: float = 8e-5  # a 6-layer encoder wants a larger rate than BERT-base's 2e-5..5e-5
    head_lr: float = 1e-3  # fresh heads learn faster than the pretrained body
    batch_size: int = 16
    # > 0: batches are cut from runs of this many batches' worth of shuffled windows sorted by
    # length, so short windows (crops, short texts) are not padded to 256 tokens; 0: plain shuffle
    length_buckets: int = 0
    max_tokens: int = 256  # inference uses the same window: positions beyond it are untrained
    train_overlap: int = 128  # training windows overlap by half: every token seen in two contexts
    # The span loss (cross-entropy over 14 classes) dwarfs the token loss; at weight 1 it pulled the
    # shared encoder away from span finding (val SI 0.39); at 0.3 SI is 0.45 and TC unchanged (0.67).
    technique_weight: float = 0.25  # per-technique token channels: an auxiliary task, and a TC view
    span_weight: float = 0.3
    # > 0: each span's share of the span loss is weighted by its technique's frequency^-power (mean
    # weight 1), so rare techniques count more; 0.5 is the usual square-root balancing. 0: off.
    class_weight_power: float = 0.0
    # > 0: the span head also trains on span_jitter_copies copies of each span whose ends moved by
    # up to this many characters (data augmentation; docs/experiments.md row 28). 0: gold spans only.
    span_jitter: int = 0
    span_jitter_copies: int = 2
    # With a teacher and span_jitter: the teacher labels every moved copy too, and the copy trains
    # on the teacher's distribution for it instead of the gold span's (a bigger transfer set).
    jitter_teacher: bool = False
    dropout: float = 0.1  # hidden dropout: cheap, and without it val SI fell (0.40 vs 0.43)
    attention_dropout: float = 0.0  # off: several times faster on CPU
    # bf16 autocast where the hardware runs it natively (AVX-512 BF16 or AMX CPUs, bf16 GPUs): ~2x
    # faster, same val scores; elsewhere (AVX2-only CPUs) training runs in fp32. False: always fp32.
    bf16: bool = True
    threshold: float = 0.4  # used as is for split=all; tuned on val for split=train
    multi_label_threshold: float = 0.5
    single_token_threshold: float = 0.6
    token_blend: float = 0.0
    quantize: bool = True
    # Bits of the int8 weights: 7 (ONNX Runtime's reduce_range, the default since 2026-12-08) makes
    # every CPU compute the same integer products; with 8, CPUs without VNNI (AVX2 alone) saturate
    # some of them and a text's scores move by a few hundredths from one CPU to another.
    weight_bits: int = 7
    # Bottom encoder layers (and embeddings) kept at the base weights. Training then runs them once
    # per window (train.cache) instead of every step, and the shipped model carries only the layers
    # above them: MPNet with 9 of 12 frozen trains in minutes per epoch on 2 cores and ships ~25 MB.
    frozen_layers: int = 0
    # > 0: keep only the base encoder's bottom ``layers`` layers (the top ones are dropped before
    # training), e.g. 4 of MiniLM's 6: a third less work per token at inference. 0 keeps them all.
    layers: int = 0
    # Span scores are calibrated on spans predicted for held-out folds of the training split (each
    # fold's model trained on the others), so every train article is held out once. 2 folds cost
    # one extra training in all; each fold model sees half the data (see docs/experiments.md for
    # how well its scores transfer to the full model: the val ECE). A student (``teacher`` set) is
    # not fold-calibrated: its teacher has seen every held-out fold, so the fold models' held-out
    # spans would look better than new articles' do; its raw scores' val ECE goes in the card.
    calibration_folds: int = 2
    # ... or, where fold models cost too much (MPNet: 2 more trainings of ~40 minutes on 2 cores),
    # fit the map on the model's own val spans and report an ECE cross-fitted over alternate val
    # articles (propscan.evaluation.calibrate.cross_fitted_calibration).
    calibrate_on_val: bool = False
    # Distillation: a model directory (or name) whose technique distribution on each gold span is
    # mixed into the span targets with this weight; "" trains on the gold labels alone.
    teacher: str = ""
    teacher_weight: float = 0.5
    # ... and the teacher's token-head probabilities (per character, averaged over each of the
    # student's tokens) mixed into the token targets with this weight.
    token_teacher_weight: float = 0.5
    # A directory of unlabelled .txt articles, labelled by the teacher (its spans, their technique
    # distributions and its token probabilities, each with weight 1) and trained on beside the
    # corpus; needs a teacher.
    unlabelled: str = ""
    # With a teacher: this many noisy copies of every training article (train/noise.py: 5% of words
    # dropped, 10% replaced by words of the training articles), labelled by the teacher like the
    # unlabelled articles. The copies depend on the articles alone (noise seed NOISE_SEED), not on
    # ``seed``, so student seeds share them and --teacher-cache reuses their labels.
    noisy_copies: int = 0
    # > 0: also train on crops of each article (1 to 3 consecutive lines, i.e. sentences, starting
    # at about this share of its lines), so a sentence, a paragraph or a post analysed on its own
    # gets spans as good as inside its article. Crops stay in their article's fold.
    crops: float = 0.0
    # False: the crops train the token heads alone (where spans are), not the span head (which
    # technique): a crop cuts away context some techniques need (the first of a repetition).
    crops_span_head: bool = True
    # > 0: the crops join only the last this many epochs, so the encoder learns on whole articles
    # first and meets short texts at the end (rows CV13 and CV14 lost TC with crops in every
    # epoch); 0: in every epoch.
    crops_epochs: int = 0
    # A folder of the SemEval-2021 Task 6 span files (shared/extra/semeval2021-task6): its meme
    # texts, mapped to the 14 PTC labels, are trained on beside the articles, in every fold. "" : none.
    semeval2021: str = ""
    # A folder of the Logic/LogicClimate fallacy files (shared/extra/logic-fallacies): up to
    # logic_fallacies_cap sentences per mapped technique (black-and-white, causal oversimplification,
    # whataboutism, bandwagon, authority), each a whole-text span trained on by the span head alone
    # (its other techniques are unlabelled), in every fold. "" : none.
    logic_fallacies: str = ""
    logic_fallacies_cap: int = 100
    fp32_ffn_layers: tuple[int, ...] = ()  # FFN output projections left unquantized (see export)
    # > 0: quantize those projections as well, all but their k largest input channels, which stay
    # fp32 (train/outliers.py); the channels are picked on training windows (_calibration_feeds).
    outlier_channels: int = 0
    # LoRA: every linear layer above the frozen ones keeps its base weight and learns a rank-r update
    # (plus biases and LayerNorms); the shipped model carries only those (lora.npz, a few MB) and the
    # install merges them into the base weights. 0 fine-tunes the weights themselves.
    lora_rank: int = 0
    lora_alpha: float = 32.0  # scale alpha / rank; 32 / 16 = 2
    keep_weights: bool = False  # also save the trained tensors (trainable.pt) beside the model
    # Where the training steps run: "auto" takes a CUDA GPU when torch sees one. Everything else
    # (teacher labelling, export, tuning, calibration) runs on the CPU through ONNX Runtime, as in
    # production. Results of a GPU run are not bit-identical to a CPU run of the same seed.
    device: str = "auto"

    def validate(self, *, teacher_cache: str | Path | None = None) -> None:
        """Refuse options that contradict each other or the base encoder, before any work."""
        if self.weight_bits not in SYMMETRIC_LIMIT:
            raise DataError(f"weight_bits is 7 or 8 (the int8 weights' range), not {self.weight_bits!r}")
        if self.jitter_teacher and not (self.teacher and self.span_jitter):
            raise DataError(
                "--jitter-teacher labels the moved copies of --span-jitter N by the teacher: "
                "give --span-jitter N and --teacher MODEL too"
            )
        if self.noisy_copies < 0:
            raise DataError(
                f"noisy_copies is a number of copies per article (0 or more), not {self.noisy_copies!r}"
            )
        if not self.teacher:
            for name, what in (
                ("noisy_copies", "noisy copies of the articles need a teacher to label them"),
                ("unlabelled", "unlabelled articles need a teacher to label them"),
                ("teacher_weight", "--teacher-weight sets the teacher's share of the span targets"),
                (
                    "token_teacher_weight",
                    "token_teacher_weight sets the teacher's share of the token targets",
                ),
            ):
                if getattr(self, name) != _DEFAULTS[name]:
                    raise DataError(f"{what}: give --teacher MODEL too")
        if teacher_cache is not None and not self.teacher:
            raise DataError("--teacher-cache keeps a teacher's labels: give --teacher MODEL too")
        for name in ("teacher_weight", "token_teacher_weight"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise DataError(
                    f"{name} is a share of the targets between 0 and 1, not {getattr(self, name)!r}"
                )
        if not 0.0 <= self.crops <= 1.0:
            raise DataError(
                f"crops is the share of each article's lines that start a crop, 0 to 1, not {self.crops!r}"
            )
        if not self.crops_span_head and not self.crops:
            raise DataError("crops_span_head=false says how crops train: give --set crops=0.25 too")
        if self.crops_epochs and not self.crops:
            raise DataError("crops_epochs says when crops train: give --set crops=0.25 too")
        if not 0 <= self.crops_epochs <= self.epochs:
            raise DataError(
                f"crops_epochs is how many of the last epochs train on crops, 0 to epochs ({self.epochs}), "
                f"not {self.crops_epochs!r}"
            )
        if self.semeval2021 and not Path(self.semeval2021).is_dir():
            raise DataError(
                f"semeval2021 {self.semeval2021!r} is not a folder: give shared/extra/semeval2021-task6"
            )
        if self.logic_fallacies and not Path(self.logic_fallacies).is_dir():
            raise DataError(
                f"logic_fallacies {self.logic_fallacies!r} is not a folder: give shared/extra/logic-fallacies"
            )
        for name in ("epochs", "batch_size", "max_tokens", "logic_fallacies_cap"):
            if getattr(self, name) < 1:
                raise DataError(f"{name} must be at least 1, not {getattr(self, name)!r}")
        for name in ("technique_weight", "span_weight", "span_jitter", "lr", "head_lr", "class_weight_power"):
            if getattr(self, name) < 0:
                raise DataError(f"{name} must not be negative, not {getattr(self, name)!r}")
        if not (self.device in ("auto", "cpu") or self.device.startswith("cuda")):
            raise DataError(f"--device {self.device!r} is not a training device: use auto, cpu or cuda")
        self._check_layers()

    def _check_layers(self) -> None:
        total = BASES[self.base].layers if self.base in BASES else 0
        if not total:
            return  # an unknown base is refused where it is looked up
        kept = self.layers or total
        if not 0 <= self.layers <= total:
            raise DataError(
                f"--layers {self.layers}: the {self.base} encoder has {total} layers; keep 1 to {total}"
            )
        if self.frozen_layers >= kept:
            raise DataError(
                f"frozen_layers {self.frozen_layers} leaves none of the {kept} kept layers to train; "
                f"freeze fewer than {kept}"
            )
        outside = [i for i in self.fp32_ffn_layers if not 0 <= i < kept]
        if outside:
            raise DataError(
                f"fp32_ffn_layers {outside} are not among the {kept} kept layers (0 to {kept - 1})"
            )


# The named models' recipes: options that differ from TrainConfig's defaults.
RECIPES: dict[str, dict[str, Any]] = {
    "fast": {"base": "minilm"},
    "accurate": {
        "base": "mpnet",
        "lora_rank": 16,
        "epochs": 5,  # val SI 0.474 / TC 0.717; 3 epochs: 0.459 / 0.693 (docs/experiments.md)
        "train_overlap": 64,  # windows overlap by a quarter: 3/4 the steps of half overlap
        "lr": 4e-4,  # adapters start at zero and want a far larger rate than full fine-tuning
        "fp32_ffn_layers": (6, 7, 8, 9, 10),
        "outlier_channels": 8,  # 1.3x the tokens/s of fp32 projections, within noise on val
        "calibrate_on_val": True,
    },
}


_DEFAULTS = {f.name: f.default for f in fields(TrainConfig)}


def recipe_options(name: str) -> dict[str, Any]:
    """The training options of a named model's recipe (fast, accurate)."""
    if name not in RECIPES:
        raise DataError(f"no recipe named {name!r}; choose one of: {', '.join(RECIPES)}")
    return dict(RECIPES[name])


def make_options(recipe: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """A recipe's options overridden by ``given``. Keeping fewer ``layers`` drops the recipe's
    fp32 layers above them too (unless ``given`` names its own ``fp32_ffn_layers``)."""
    options = {**recipe, **given}
    layers = given.get("layers")
    if layers and "fp32_ffn_layers" not in given and options.get("fp32_ffn_layers"):
        options["fp32_ffn_layers"] = tuple(i for i in options["fp32_ffn_layers"] if i < layers)
    return options


def config_from(options: Mapping[str, Any]) -> TrainConfig:
    """TrainConfig of ``options``; an unknown name is a DataError listing the known ones."""
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise DataError(
            f"unknown training option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return TrainConfig(**options)


def parse_setting(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` of ``--set`` -> (name, value typed like the option's default): numbers,
    true/false, comma-separated integers for tuples, JSON for anything else."""
    name, sep, raw = text.partition("=")
    name = name.strip().replace("-", "_")
    spec = {f.name: f for f in fields(TrainConfig)}.get(name)
    if not sep or spec is None:
        raise DataError(
            f"--set takes NAME=VALUE with NAME a training option, not {text!r}; "
            "see 'propscan train --options'"
        )
    default = spec.default if spec.default is not dataclasses.MISSING else None
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return name, raw.lower() in ("true", "1")
        if isinstance(default, int):
            return name, int(raw)
        if isinstance(default, float):
            return name, float(raw)
        if isinstance(default, str):
            return name, raw
        if isinstance(default, tuple):
            return name, tuple(int(x) for x in raw.split(",") if x.strip())
        return name, json.loads(raw)
    except ValueError:
        kind = type(default).__name__
        raise DataError(f"--set {name}={raw}: {name} takes a {kind} (default {default!r})") from None


def describe_options() -> list[tuple[str, str]]:
    """(name, default) of every training option, in definition order: ``propscan train --options``."""
    return [(f.name, repr(f.default)) for f in fields(TrainConfig)]


__all__ = [
    "RECIPES",
    "TrainConfig",
    "config_from",
    "describe_options",
    "make_options",
    "parse_setting",
    "recipe_options",
]
