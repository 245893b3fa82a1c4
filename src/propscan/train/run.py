"""``propscan train``: prepare the data, fit, export, tune on val, calibrate, write the model
directory with its card. Read top to bottom; each step is a module of its own."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch

from ..engine.detector import Detector
from ..errors import DataError
from ..evaluation.evaluate import evaluate
from ..hub.config import ModelConfig
from ..hub.layout import TOKENIZER
from ..hub.weights import read_safetensors
from ..io.ptc import parse_fold
from ..techniques import LABELS
from .calibration import calibrate
from .card import model_card
from .config import config_from
from .export import write_config, write_model_dir
from .finish import cv_report, finish, finish_cv, reference_of
from .fit import calibration_feeds, device_of, fit
from .late import load_late_modules
from .model import Net
from .prepare import prepare
from .tune import TUNED, tune


def train(
    data_dir: str | Path,
    split: str,
    output: str | Path,
    *,
    reference: str | Path | None = None,
    cv: str | Path | None = None,
    teacher_cache: str | Path | None = None,
    checkpoint: str | Path | None = None,
    log: Any = print,
    **options: Any,
) -> Path:
    """Train on ``split`` ("train" or "all") of a PTC-like corpus and write a model directory to
    ``output``. On "train", decision thresholds are tuned on "val", scores are calibrated on folds
    of train, and val scores go in the card. On "all", ``cv`` (a cross-validation run directory of
    the same options, ``propscan evaluate --folds``) supplies the decision settings, the score map
    and the cross-validated figures; or ``reference`` (a model directory trained on "train") the
    thresholds, calibration and val scores of the same recipe.
    ``teacher_cache``: a directory where the teacher's labels are kept and reused between runs
    with the same teacher and articles (teacher.py), e.g. for several student seeds.
    ``checkpoint``: a file where training saves its state after each epoch and resumes from
    (fit.py); the caller removes it once the model directory is complete."""
    cfg = config_from(options)
    fold = parse_fold(split)
    if split not in ("train", "all") and (fold is None or fold[2]):
        raise DataError(f"train on split 'train', 'all' or 'not-fold-I/K' (cross-validation), not {split!r}")
    cfg.validate(teacher_cache=teacher_cache)
    device_of(cfg.device)  # refuse a device torch cannot use before any work
    load_late_modules()
    if reference and not (Path(reference) / "val_report.json").is_file():
        raise DataError(f"--reference {reference} is not a model directory trained with --split train")
    report = cv_report(cv, split, options) if cv else None
    out = Path(output)
    data = prepare(cfg, data_dir, split, log, teacher_cache)
    net = data.make_net()
    fit(net, data.examples, data.special["pad"], cfg, log, Path(checkpoint) if checkpoint else None)

    ref = reference_of(reference) if reference else None  # read now: it may be re-tuned meanwhile
    if ref:
        cfg = replace(cfg, **{k: ref[k] for k in TUNED})
    if report:
        cfg = replace(cfg, **{k: report["settings"][k] for k in TUNED})
    model_cfg = ModelConfig(
        name=f"propscan-{cfg.base}",
        version="0.2.0",
        labels=LABELS,
        max_tokens=cfg.max_tokens,
        threshold=cfg.threshold,
        multi_label_threshold=cfg.multi_label_threshold,
        single_token_threshold=cfg.single_token_threshold,
        token_blend=cfg.token_blend,
        pad_id=data.special["pad"],
        cls_id=data.special["cls"],
        sep_id=data.special["sep"],
        hidden=data.base.hidden,
        base=cfg.base,
        base_model=data.base.name,
        base_sha256=data.base.safetensors_sha256,
        train={"split": split, **asdict(cfg)},
        technique_bias=tuple(report["settings"]["technique_bias"])
        if report and report["settings"].get("technique_bias")
        else None,
        short_threshold=report["settings"].get("short_threshold") if report else None,
    )
    card_args = {"split": split, "n_articles": len(data.articles), "cfg": cfg, "base": data.base}
    write_model_dir(
        net,
        out,
        data.src / TOKENIZER,
        model_cfg,
        model_card(model_cfg, **card_args),
        data.base.heads,
        cfg.quantize,
        read_safetensors(data.src / "model.safetensors") if cfg.frozen_layers or cfg.lora_rank else None,
        tuple(cfg.fp32_ffn_layers),
        cfg.outlier_channels,
        calibration_feeds(data.per_doc, data.special["pad"]) if cfg.outlier_channels else (),
        cfg.weight_bits,
    )
    if cfg.keep_weights:
        trained = {n: p.detach().clone() for n, p in net.named_parameters() if p.requires_grad}
        torch.save(trained, out / "trainable.pt")
    if split == "train":
        model_cfg, val = tune(out, data_dir, model_cfg, log)
        if cfg.quantize:
            val["unquantized"] = unquantized_scores(net, out, data.src, model_cfg, data.base, data_dir)
        write_config(out, model_cfg, model_card(model_cfg, val=val, **card_args))
        (out / "val_report.json").write_text(json.dumps(val, indent=2) + "\n", "utf-8")
        if cfg.calibrate_on_val or (cfg.calibration_folds > 1 and not cfg.teacher):
            calibrate(out, data_dir, log=log, data=data)
        elif cfg.teacher:
            log("not fold-calibrated: the teacher has seen every fold (see TrainConfig.calibration_folds)")
    elif ref:
        model_cfg = replace(model_cfg, **ref["extra"])
        finish(out, model_cfg, ref["val"], data_dir, card_args)
    elif report:
        fitted = {"calibration": report["calibration"], "calibration_fit": report["calibration_fit"]}
        finish_cv(out, replace(model_cfg, **fitted), report, data_dir, card_args)
    log(f"model written to {out}")
    return out


def unquantized_scores(
    net: Net, out: Path, src: Path, cfg: ModelConfig, base: Any, data_dir: str | Path
) -> dict[str, float]:
    """Val scores of the same weights without int8 quantization, to state what quantizing costs."""
    with tempfile.TemporaryDirectory() as tmp:
        write_model_dir(net, Path(tmp), src / TOKENIZER, cfg, "fp32 twin\n", base.heads, False)
        r = evaluate(Detector.load(tmp), data_dir, "val").to_dict()
    return {"si": r["si"]["f1"], "tc": r["tc"], "flc": r["flc"]["f1"]}


__all__ = ["train", "unquantized_scores"]
