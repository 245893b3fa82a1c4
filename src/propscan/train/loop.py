"""Fine-tune the encoder on PTC, export it, and (on the train split) tune thresholds on val.

Read top to bottom: config, data, model, loop, export, tuning.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..calibration import Calibrator, reliability_svg
from ..document import Document
from ..errors import DataError
from ..io.ptc import Article, load_split
from ..model import ModelConfig
from ..techniques import LABELS
from ..weights import read_safetensors
from ..windows import load_tokenizer
from .base import BASES, BaseModel, base_dir
from .cache import attach_frozen_states
from .card import model_card
from .data import IGNORE, Example, batches, build_examples, jitter_views
from .export import write_config, write_model_dir
from .model import Net, NetConfig, load_encoder
from .noise import NOISE_SEED, noisy_copies
from .teacher import teacher_outputs


@dataclass
class TrainConfig:
    base: str = "minilm"
    epochs: int = 5  # with the lighter span loss, 5 epochs: val SI 0.45 (4 epochs, weight 1: 0.39)
    seed: int = 13
    lr: float = 8e-5  # a 6-layer encoder wants a larger rate than BERT-base's 2e-5..5e-5
    head_lr: float = 1e-3  # fresh heads learn faster than the pretrained body
    batch_size: int = 16
    max_tokens: int = 256  # inference uses the same window: positions beyond it are untrained
    train_overlap: int = 128  # training windows overlap by half: every token seen in two contexts
    # The span loss (cross-entropy over 14 classes) dwarfs the token loss; at weight 1 it pulled the
    # shared encoder away from span finding (val SI 0.39); at 0.3 SI is 0.45 and TC unchanged (0.67).
    technique_weight: float = 0.25  # per-technique token channels: an auxiliary task, and a TC view
    span_weight: float = 0.3
    # > 0: the span head also trains on span_jitter_copies copies of each span whose ends moved by
    # up to this many characters (data augmentation; docs/experiments.md row 28). 0: gold spans only.
    span_jitter: int = 0
    span_jitter_copies: int = 2
    # With a teacher and span_jitter: the teacher labels every moved copy too, and the copy trains
    # on the teacher's distribution for it instead of the gold span's (a bigger transfer set).
    jitter_teacher: bool = False
    dropout: float = 0.1  # hidden dropout: cheap, and without it val SI fell (0.40 vs 0.43)
    attention_dropout: float = 0.0  # off: several times faster on CPU
    bf16: bool = True  # CPU autocast: ~2x faster, same val scores
    threshold: float = 0.4  # used as is for split=all; tuned on val for split=train
    multi_label_threshold: float = 0.5
    single_token_threshold: float = 0.6
    token_blend: float = 0.0
    quantize: bool = True
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
    # articles (propscan.evaluate.cross_fitted_calibration).
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


# Modules that training and calibration import only when they reach them (after the epochs:
# export, quantization, evaluation, speed). They are loaded before any work, so that a source tree
# changed during an hour of training (a checkout, a pull) cannot end the run with a mix of old and
# new code. tests/test_train.py checks that every function-level import of propscan.train is here.
LATE_MODULES = (
    "hashlib",
    "tempfile",
    "onnx",
    "onnx.external_data_helper",
    "onnx.helper",
    "onnx.numpy_helper",
    "onnxruntime",
    "onnxruntime.quantization",
    "onnxruntime.transformers",
    "onnxruntime.transformers.optimizer",
    "transformers.utils",
    "transformers.utils.logging",
    "rich.progress",
    "propscan",
    "propscan.calibration",
    "propscan.detector",
    "propscan.ensemble",
    "propscan.errors",
    "propscan.evaluate",
    "propscan.io.ptc",
    "propscan.model",
    "propscan.registry",
    "propscan.speed",
    "propscan.windows",
    "propscan.train.loop",
)


def load_late_modules() -> None:
    """Import every module in LATE_MODULES now (see there why)."""
    import importlib

    for name in LATE_MODULES:
        importlib.import_module(name)


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


def train(
    data_dir: str | Path,
    split: str,
    output: str | Path,
    *,
    reference: str | Path | None = None,
    teacher_cache: str | Path | None = None,
    log: Any = print,
    **options: Any,
) -> Path:
    """Train on ``split`` ("train" or "all") of a PTC-like corpus and write a model directory to
    ``output``. On "train", decision thresholds are tuned on "val", scores are calibrated on folds
    of train, and val scores go in the card. On "all", ``reference`` (a model directory trained on
    "train") supplies thresholds, calibration and the val scores of the same recipe.
    ``teacher_cache``: a directory where the teacher's labels are kept and reused between runs
    with the same teacher and articles (teacher.py), e.g. for several student seeds."""
    unknown = set(options) - set(TrainConfig.__dataclass_fields__)
    if unknown:
        raise DataError(f"unknown training option(s): {', '.join(sorted(unknown))}")
    cfg = TrainConfig(**options)
    if split not in ("train", "all"):
        raise DataError(f"train on split 'train' or 'all', not {split!r}")
    _device(cfg.device)  # refuse a device torch cannot use before any work
    load_late_modules()
    _check_layers(cfg)
    if cfg.jitter_teacher and not (cfg.teacher and cfg.span_jitter):
        raise DataError(
            "--jitter-teacher labels the moved copies of --span-jitter N by the teacher: "
            "give --span-jitter N and --teacher MODEL too"
        )
    if cfg.noisy_copies < 0:
        raise DataError(
            f"noisy_copies is a number of copies per article (0 or more), not {cfg.noisy_copies!r}"
        )
    if cfg.noisy_copies and not cfg.teacher:
        raise DataError("noisy copies of the articles need a teacher to label them: give --teacher MODEL too")
    for name in ("teacher_weight", "token_teacher_weight"):
        if not 0.0 <= getattr(cfg, name) <= 1.0:
            raise DataError(f"{name} is a share of the targets between 0 and 1, not {getattr(cfg, name)!r}")
    if teacher_cache is not None and not cfg.teacher:
        raise DataError("--teacher-cache keeps a teacher's labels: give --teacher MODEL too")
    if reference and not (Path(reference) / "val_report.json").is_file():
        raise DataError(f"--reference {reference} is not a model directory trained with --split train")
    out = Path(output)
    data = _prepare(cfg, data_dir, split, log, teacher_cache)
    net = data.make_net()
    _fit(net, data.examples, data.special["pad"], cfg, log)

    ref = _reference(reference) if reference else None  # read now: it may be re-tuned meanwhile
    if ref:
        cfg = replace(cfg, **{k: ref[k] for k in _TUNED})
    model_cfg = ModelConfig(
        name=f"propscan-{cfg.base}",
        version="0.2.0",
        labels=LABELS,
        max_tokens=cfg.max_tokens,
        threshold=cfg.threshold,
        multi_label_threshold=cfg.multi_label_threshold,
        single_token_threshold=cfg.single_token_threshold,
        token_blend=cfg.token_blend,
        extra={
            "pad_id": data.special["pad"],
            "cls_id": data.special["cls"],
            "sep_id": data.special["sep"],
            "hidden": data.base.hidden,
            "base": cfg.base,
            "base_model": data.base.name,
            "base_sha256": data.base.safetensors_sha256,
            "train": {"split": split, **asdict(cfg)},
        },
    )
    card_args = {"split": split, "n_articles": len(data.articles), "cfg": cfg, "base": data.base}
    write_model_dir(
        net,
        out,
        data.src / "tokenizer.json",
        model_cfg,
        model_card(model_cfg, **card_args),
        data.base.heads,
        cfg.quantize,
        read_safetensors(data.src / "model.safetensors") if cfg.frozen_layers or cfg.lora_rank else None,
        tuple(cfg.fp32_ffn_layers),
        cfg.outlier_channels,
        _calibration_feeds(data.per_doc, data.special["pad"]) if cfg.outlier_channels else (),
    )
    if cfg.keep_weights:
        trained = {n: p.detach().clone() for n, p in net.named_parameters() if p.requires_grad}
        torch.save(trained, out / "trainable.pt")
    if split == "train":
        model_cfg, val = _tune(out, data_dir, model_cfg, log)
        if cfg.quantize:
            val["unquantized"] = _unquantized_scores(net, out, data.src, model_cfg, data.base, data_dir)
        write_config(out, model_cfg, model_card(model_cfg, val=val, **card_args))
        (out / "val_report.json").write_text(json.dumps(val, indent=2) + "\n", "utf-8")
        if cfg.calibrate_on_val or (cfg.calibration_folds > 1 and not cfg.teacher):
            calibrate(out, data_dir, log=log, data=data)
        elif cfg.teacher:
            log("not fold-calibrated: the teacher has seen every fold (see TrainConfig.calibration_folds)")
    elif ref:
        model_cfg = replace(model_cfg, extra={**model_cfg.extra, **ref["extra"]})
        _finish(out, model_cfg, ref["val"], data_dir, card_args)
    log(f"model written to {out}")
    return out


@dataclass
class _Data:
    base: BaseModel
    src: Path
    special: dict[str, int]  # cls, sep, pad token ids
    articles: list[Article]
    per_doc: list[list[Example]]  # each article's training windows
    make_net: Callable[[], Net]  # a fresh net of the recipe (frozen states already attached)
    extra: list[Example] = field(default_factory=list)  # teacher-labelled windows, in every fold

    @property
    def examples(self) -> list[Example]:
        return [e for group in self.per_doc for e in group] + self.extra


def _prepare(
    cfg: TrainConfig, data_dir: str | Path, split: str, log: Any, teacher_cache: str | Path | None = None
) -> _Data:
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    base = BASES[cfg.base]
    src = base_dir(cfg.base, log=log)
    tokenizer = load_tokenizer(str(src / "tokenizer.json"))
    special = {k: tokenizer.token_to_id(getattr(base, f"{k}_token")) for k in ("cls", "sep", "pad")}
    articles = load_split(data_dir, split)
    if cfg.unlabelled and not cfg.teacher:
        raise DataError("unlabelled articles need a teacher to label them: give --teacher MODEL too")
    pseudo = _unlabelled_docs(cfg.unlabelled) if cfg.unlabelled else []
    pseudo += noisy_copies([a.text for a in articles], cfg.noisy_copies, NOISE_SEED)

    def views(doc: Document, n: int) -> dict[tuple[int, int], list[tuple[int, int]]]:
        return jitter_views(doc, cfg.span_jitter, cfg.span_jitter_copies, cfg.seed * 100_003 + n)

    # the moved copies of each gold span, for the teacher to label (jitter_teacher)
    moved = (
        [
            sorted({v for vs in views(a.to_document(), n).values() for v in vs[1:]})
            for n, a in enumerate(articles)
        ]
        if cfg.jitter_teacher
        else None
    )
    teacher = (
        teacher_outputs(cfg.teacher, articles, pseudo, log, teacher_cache, extra=moved)
        if cfg.teacher
        else None
    )
    t0 = time.time()

    def windows(doc: Document, n: int, span_weight: float, token_weight: float) -> list[Example]:
        return build_examples(
            [doc],
            tokenizer,
            cfg.max_tokens,
            cfg.train_overlap,
            special["cls"],
            special["sep"],
            [teacher.spans[n]] if teacher else None,
            span_weight,
            [teacher.chars[n]] if teacher else None,
            token_weight,
            span_jitter=cfg.span_jitter,
            jitter_copies=cfg.span_jitter_copies,
            seed=cfg.seed * 100_003 + n,
            jitter_teacher=cfg.jitter_teacher,
        )

    per_doc = [
        windows(a.to_document(), n, cfg.teacher_weight, cfg.token_teacher_weight)
        for n, a in enumerate(articles)
    ]
    extra = [
        e
        for n, doc in enumerate(teacher.pseudo if teacher else [], len(articles))
        for e in windows(doc, n, 1.0, 1.0)
    ]

    def make_net() -> Net:
        return Net(
            load_encoder(str(src), cfg.dropout, cfg.attention_dropout, cfg.layers),
            NetConfig(
                n_labels=len(LABELS),
                hidden=base.hidden,
                frozen_layers=cfg.frozen_layers,
                lora_rank=cfg.lora_rank,
                lora_alpha=cfg.lora_alpha,
            ),
        )

    data = _Data(base, src, special, articles, per_doc, make_net, extra)
    examples = data.examples
    n_noisy = len(articles) * cfg.noisy_copies
    labelled = (f" + {len(pseudo) - n_noisy} unlabelled" if len(pseudo) > n_noisy else "") + (
        f" + {n_noisy} noisy copies" if n_noisy else ""
    )
    log(
        f"{len(articles)} articles{labelled} -> {len(examples)} windows, "
        f"{sum(len(e.ids) for e in examples)} tokens ({time.time() - t0:.1f}s)"
    )
    if cfg.frozen_layers:
        attach_frozen_states(make_net(), examples, base.safetensors_sha256, special["pad"], log)
    return data


def _check_layers(cfg: TrainConfig) -> None:
    """Refuse layer settings that do not fit the base encoder, before any work."""
    total = BASES[cfg.base].layers if cfg.base in BASES else 0
    if not total:
        return  # an unknown base is refused where it is looked up
    kept = cfg.layers or total
    if not 0 <= cfg.layers <= total:
        raise DataError(
            f"--layers {cfg.layers}: the {cfg.base} encoder has {total} layers; keep 1 to {total}"
        )
    if cfg.frozen_layers >= kept:
        raise DataError(
            f"frozen_layers {cfg.frozen_layers} leaves none of the {kept} kept layers to train; "
            f"freeze fewer than {kept}"
        )
    outside = [i for i in cfg.fp32_ffn_layers if not 0 <= i < kept]
    if outside:
        raise DataError(f"fp32_ffn_layers {outside} are not among the {kept} kept layers (0 to {kept - 1})")


def _unlabelled_docs(directory: str) -> list[str]:
    """The texts of the .txt files in ``directory`` (sorted by name)."""
    from ..io.ptc import read_article

    files = sorted(Path(directory).glob("*.txt"))
    if not files:
        raise DataError(
            f"--unlabelled {directory}: no .txt articles there; give a folder of plain-text articles"
        )
    return [read_article(f) for f in files]


def calibrate(
    model_dir: str | Path,
    data_dir: str | Path,
    *,
    folds: int | None = None,
    on_val: bool | None = None,
    log: Any = print,
    data: Any = None,
) -> Path:
    """Calibrate the span scores of a model trained with split "train": train ``folds`` models of
    its recipe on folds of train, fit the isotonic map on the spans they predict for their held-out
    articles, store it in the model's config, and measure ECE on val. With ``on_val`` (or a recipe
    with ``calibrate_on_val``) a Platt map is fitted on the model's own val spans instead, and the
    ECE is cross-fitted over alternate val articles (see ``evaluate.cross_fitted_calibration``)."""
    from ..detector import Detector
    from ..evaluate import cross_fitted_calibration, evaluate

    load_late_modules()
    out = Path(model_dir)
    config, val = _read_train_model(out)
    options = {k: v for k, v in config["train"].items() if k in TrainConfig.__dataclass_fields__}
    cfg = TrainConfig(**options)
    if folds is not None:
        cfg = replace(cfg, calibration_folds=folds, calibrate_on_val=False)
    if on_val is not None:
        cfg = replace(cfg, calibrate_on_val=on_val)
    if not cfg.calibrate_on_val and cfg.calibration_folds < 2:
        raise DataError(f"calibration needs at least 2 folds, got {cfg.calibration_folds}")
    model_cfg = ModelConfig.from_json(config)
    extra = {
        k: v for k, v in model_cfg.extra.items() if k not in ("calibration", "calibration_fit", "scores")
    }
    chosen = {"calibration_folds": cfg.calibration_folds, "calibrate_on_val": cfg.calibrate_on_val}
    model_cfg = replace(model_cfg, extra={**extra, "train": {**config["train"], **chosen}})
    # the map is fitted on raw scores: the detector runs without the stored one (swapped in memory,
    # so that nothing on disk changes until the new map, report and card are written together)
    det = Detector.load(out)
    det.config = model_cfg
    if cfg.calibrate_on_val:
        raw = evaluate(det, data_dir, "val").to_dict()
        calibration, measured = cross_fitted_calibration(det, data_dir, raw)
        keys = ("ece", "ece_uncalibrated", "ece_random_halves", "reliability", "reliability_uncalibrated")
        val = {**val, **{k: measured[k] for k in keys}}
        n_articles = len(data.articles) if data else len(load_split(data_dir, "train"))
    else:
        if "ece" not in val or "calibration" in config:  # raw ECE of a report that lacks it or is stale
            raw = evaluate(det, data_dir, "val")
            val["ece"], val["reliability"] = raw.ece, list(raw.reliability)
        data = data or _prepare(cfg, data_dir, "train", log)
        calibration = _calibrate(data, out, model_cfg, cfg, log)
        det.config = replace(model_cfg, extra={**model_cfg.extra, **calibration})
        calibrated = evaluate(det, data_dir, "val")
        val["ece_uncalibrated"], val["reliability_uncalibrated"] = val["ece"], val["reliability"]
        val["ece"], val["reliability"] = calibrated.ece, list(calibrated.reliability)
        n_articles = len(data.articles)
    model_cfg = replace(model_cfg, extra={**model_cfg.extra, **calibration})
    log(f"val ECE {val['ece_uncalibrated']:.4f} uncalibrated -> {val['ece']:.4f} calibrated")
    (out / "val_report.json").write_text(json.dumps(val, indent=2) + "\n", "utf-8")
    card_args = {"split": "train", "n_articles": n_articles, "cfg": cfg, "base": BASES[cfg.base]}
    measured = config.get("scores") or {}  # calibration leaves the network, and so its speed, alone
    speed = {k: measured[k] for k in ("articles_per_s", "speed_note") if k in measured}
    _finish(out, model_cfg, val, data_dir, card_args, speed if len(speed) == 2 else None)
    return out


def _finish(
    out: Path,
    model_cfg: ModelConfig,
    val: dict,
    data_dir: str | Path,
    card_args: dict,
    speed: dict | None = None,
) -> None:
    """Measure speed (unless ``speed`` carries an earlier measurement of the same network), then
    write config, card and reliability plot."""
    model_cfg = _with_scores(model_cfg, val, out, data_dir, speed)
    write_config(out, model_cfg, model_card(model_cfg, val=val, **card_args))
    if val.get("reliability"):
        title = f"val: ECE {val['ece']:.3f} ({val.get('n_articles', '?')} articles)"
        (out / "reliability.svg").write_text(reliability_svg(val["reliability"], title), "utf-8")


def _fit(net: Net, examples: list, pad: int, cfg: TrainConfig, log: Any) -> None:
    from rich.progress import Progress

    trained = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    body = [p for n, p in trained if n.startswith("encoder.")]
    heads = [p for n, p in trained if not n.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": cfg.lr}, {"params": heads, "lr": cfg.head_lr}], weight_decay=0.01
    )
    steps = cfg.epochs * -(-len(examples) // cfg.batch_size)
    warmup = max(1, steps // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    rng = random.Random(cfg.seed)
    device = _device(cfg.device)
    net.to(device)
    net.train()
    with Progress(transient=False) as bar:
        task = bar.add_task("training", total=steps)
        for epoch in range(cfg.epochs):
            total, count, t0 = 0.0, 0, time.time()
            for batch in batches(examples, cfg.batch_size, pad, rng):
                inputs, mask, tok = (t.to(device) for t in batch[:3])
                spans = tuple(t.to(device) for t in batch[3]) if batch[3] else None
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                    # inputs: token ids (B, T), or the frozen layers' states (B, T, H)
                    logits, hidden = net.top(inputs, mask) if cfg.frozen_layers else net(inputs, mask)
                    span_logits = net.span_logits(hidden, *spans[:4]) if spans else None
                loss = _loss(logits.float(), tok, cfg)
                if span_logits is not None:
                    target = spans[4]  # (S, L) label distribution
                    loss = (
                        loss
                        + cfg.span_weight * -(target * F.log_softmax(span_logits.float(), -1)).sum(-1).mean()
                    )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                total, count = total + loss.item(), count + 1
                bar.advance(task)
            log(f"epoch {epoch + 1}/{cfg.epochs}: loss {total / max(count, 1):.4f} ({time.time() - t0:.0f}s)")
    net.eval()
    net.to("cpu")  # export, calibration folds and the teacher all work on the CPU


def _calibration_feeds(
    per_doc: list[list[Example]], pad: int, windows: int = 64, batch: int = 8
) -> list[dict[str, np.ndarray]]:
    """ONNX inputs of ``windows`` training windows spread evenly over the articles' windows, in
    batches: what the export's outlier channels are picked on."""
    flat = [e for group in per_doc for e in group]
    picked = [flat[i] for i in np.linspace(0, len(flat) - 1, min(windows, len(flat))).round().astype(int)]
    feeds = []
    for lo in range(0, len(picked), batch):
        chunk = picked[lo : lo + batch]
        width = max(len(e.ids) for e in chunk)
        ids = np.full((len(chunk), width), pad, dtype=np.int64)  # (B, T)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for row, e in enumerate(chunk):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feeds.append({"input_ids": ids, "attention_mask": mask})
    return feeds


def _device(name: str) -> torch.device:
    """The torch device for training steps; a clear error for one this torch cannot use."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu" or (name.startswith("cuda") and torch.cuda.is_available()):
        return torch.device(name)
    if name.startswith("cuda"):
        raise DataError(
            f"--device {name}: this torch ({torch.__version__}) sees no CUDA GPU; "
            "train with --device cpu, or install a CUDA build of torch on a machine with a GPU"
        )
    raise DataError(f"--device {name!r} is not a training device: use auto, cpu or cuda")


def _loss(logits: torch.Tensor, targets: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    valid = targets[..., 0] != IGNORE  # (B, T)
    any_loss = F.binary_cross_entropy_with_logits(logits[..., 0][valid], targets[..., 0][valid])
    tech_loss = F.binary_cross_entropy_with_logits(logits[..., 1:][valid], targets[..., 1:][valid])
    return any_loss + cfg.technique_weight * tech_loss


def _tune(out: Path, data_dir: str | Path, cfg: ModelConfig, log: Any) -> tuple[ModelConfig, dict]:
    """Choose the decision settings on val, one after the other and then again until none changes:
    the SI threshold and the lone-token threshold by SI F1, the token-channel blend by TC, the
    multi-label threshold by FLC F1. Values are listed in order of preference on ties."""
    from ..detector import Detector
    from ..evaluate import EvalReport, evaluate

    det = Detector.load(out)
    # Only decoding settings change between evaluations: run the encoder once per distinct batch.
    forward, memo = det.model.forward, {}

    def remembered(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = ids.tobytes() + mask.tobytes()
        if key not in memo:
            memo[key] = forward(ids, mask)
        return memo[key]

    det.model.forward = remembered  # type: ignore[method-assign]

    def sweep(
        cfg: ModelConfig, field: str, values: tuple[float, ...], metric: str
    ) -> dict[float, EvalReport]:
        reports = {}
        for value in values:
            det.config = replace(cfg, **{field: value})
            reports[value] = evaluate(det, data_dir, "val")
            log(f"val {metric.upper()} F1 with {field}={value}: {_f1(reports[value], metric):.4f}")
        return reports

    def best(reports: dict[float, EvalReport], metric: str) -> float:
        return max(reports, key=lambda v: (_f1(reports[v], metric), -list(reports).index(v)))

    for _ in range(3):  # one setting at a time, repeated until none changes (coordinate search)
        before = cfg
        for setting, values, metric in (
            ("threshold", (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2), "si"),
            ("single_token_threshold", (1.01, 0.8, 0.7, 0.6, 0.5), "si"),
            ("token_blend", (0.0, 0.2, 0.3, 0.4, 0.5), "tc"),
            ("multi_label_threshold", (0.2, 0.3, 0.4, 0.5, 1.01), "flc"),
        ):
            reports = sweep(cfg, setting, values, metric)
            if setting == "token_blend":
                untuned_tc = reports[0.0].tc  # the blend weight is chosen on val: this figure is not
            cfg = replace(cfg, **{setting: best(reports, metric)})
        if cfg == before:
            break
    report = reports[cfg.multi_label_threshold].to_dict()
    report["tc_without_blend"] = untuned_tc
    log(f"val: SI {report['si']['f1']:.4f}  TC {report['tc']:.4f}  FLC {report['flc']['f1']:.4f}")
    return cfg, report


def _calibrate(data: _Data, out: Path, model_cfg: ModelConfig, cfg: TrainConfig, log: Any) -> dict:
    """Fit the isotonic score map on spans predicted for held-out folds of the training articles,
    each by a model of the same recipe trained on the other folds."""
    import tempfile

    from ..calibration import ece, fit_isotonic, span_hits
    from ..detector import Detector

    articles, per_doc = data.articles, data.per_doc
    order = list(range(len(articles)))
    random.Random(cfg.seed).shuffle(order)
    k = cfg.calibration_folds
    hits: list[tuple[float, bool]] = []
    for fold in range(k):
        held = set(order[fold::k])
        torch.manual_seed(cfg.seed + 1 + fold)
        net = data.make_net()
        _fit(
            net,
            [e for i, group in enumerate(per_doc) if i not in held for e in group] + data.extra,
            data.special["pad"],
            cfg,
            log,
        )
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "fold"
            src.mkdir()
            tok = out / "tokenizer.json"
            heads = BASES[cfg.base].heads
            kept = [group for i, group in enumerate(per_doc) if i not in held]
            write_model_dir(
                net,
                src,
                tok,
                model_cfg,
                "fold\n",
                heads,
                cfg.quantize,
                None,
                tuple(cfg.fp32_ffn_layers),
                cfg.outlier_channels,
                _calibration_feeds(kept, data.special["pad"]) if cfg.outlier_channels else (),
            )
            docs = Detector.load(src).analyze_many([articles[i].text for i in sorted(held)])
        for i, doc in zip(sorted(held), docs, strict=True):
            hits += span_hits(doc, articles[i].to_document())
        log(f"calibration fold {fold + 1}/{k}: {len(hits)} held-out spans so far")
    scores, right = [s for s, _ in hits], [h for _, h in hits]
    x, y = fit_isotonic(scores, right)
    cal = Calibrator(tuple(x), tuple(y))
    fit = {"folds": k, "spans": len(hits), "share_right": sum(right) / max(len(right), 1)}
    fit["ece_raw"] = ece(scores, right)
    fit["ece_fitted_in_sample"] = ece([float(cal(s)) for s in scores], right)
    return {"calibration": cal.to_json(), "calibration_fit": fit}


def _with_scores(
    model_cfg: ModelConfig, val: dict, out: Path, data_dir: str | Path, speed: dict | None = None
) -> ModelConfig:
    """Record val scores and the speed on the unlabelled test articles in the config (for
    `propscan models list`); ``speed`` (articles_per_s, speed_note) reuses an earlier measurement."""
    from ..detector import Detector
    from ..evaluate import val_summary
    from ..speed import measure_speed, speed_texts

    speed = speed or measure_speed(Detector.load(out), speed_texts(data_dir))
    return replace(model_cfg, extra={**model_cfg.extra, "scores": {"val": val_summary(val), **speed}})


def _f1(report: Any, metric: str) -> float:
    return report.tc if metric == "tc" else getattr(report, metric).f1


def _unquantized_scores(
    net: Net, out: Path, src: Path, cfg: ModelConfig, base: Any, data_dir: str | Path
) -> dict:
    """Val scores of the same weights without int8 quantization, to state what quantizing costs."""
    import tempfile

    from ..detector import Detector
    from ..evaluate import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        write_model_dir(net, Path(tmp), src / "tokenizer.json", cfg, "fp32 twin\n", base.heads, False)
        r = evaluate(Detector.load(tmp), data_dir, "val").to_dict()
    return {"si": r["si"]["f1"], "tc": r["tc"], "flc": r["flc"]["f1"]}


def _read_train_model(directory: Path) -> tuple[dict, dict]:
    """config.json and val_report.json of a model directory trained with split "train"."""
    try:
        config = json.loads((directory / "config.json").read_text("utf-8"))
        val = json.loads((directory / "val_report.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{directory} is not a model directory trained with --split train: {exc}") from exc
    return config, val


def _reference(path: str | Path) -> dict:
    config, val = _read_train_model(Path(path))
    extra = {k: config[k] for k in ("calibration", "calibration_fit") if k in config}
    return {**{k: config[k] for k in _TUNED}, "val": val, "extra": extra}


_TUNED = ("threshold", "single_token_threshold", "multi_label_threshold", "token_blend")  # on val
