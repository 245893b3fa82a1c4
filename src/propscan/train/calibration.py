"""Calibrate a trained model's span scores: an isotonic map on spans that fold models of its recipe
predict for their held-out training articles, or a Platt map on its own val spans."""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from ..engine.calibration import Calibrator
from ..engine.detector import Detector
from ..errors import DataError
from ..evaluation import calibrate as fitting
from ..evaluation.calibrate import ece, fit_isotonic, span_hits
from ..evaluation.evaluate import evaluate
from ..hub.config import ModelConfig
from ..hub.layout import TOKENIZER
from ..io.ptc import load_split
from .base import BASES
from .config import TrainConfig
from .export import write_model_dir
from .finish import finish, read_train_model
from .fit import calibration_feeds, fit
from .late import load_late_modules
from .prepare import Prepared, prepare


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
    load_late_modules()
    out = Path(model_dir)
    config, val = read_train_model(out)
    options = {k: v for k, v in config.train.items() if k in TrainConfig.__dataclass_fields__}
    cfg = TrainConfig(**options)
    if folds is not None:
        cfg = replace(cfg, calibration_folds=folds, calibrate_on_val=False)
    if on_val is not None:
        cfg = replace(cfg, calibrate_on_val=on_val)
    if not cfg.calibrate_on_val and cfg.calibration_folds < 2:
        raise DataError(f"calibration needs at least 2 folds, got {cfg.calibration_folds}")
    chosen = {"calibration_folds": cfg.calibration_folds, "calibrate_on_val": cfg.calibrate_on_val}
    model_cfg = replace(
        config, calibration=None, calibration_fit=None, scores={}, train={**config.train, **chosen}
    )
    # the map is fitted on raw scores: the detector runs without the stored one (swapped in memory,
    # so that nothing on disk changes until the new map, report and card are written together)
    det = Detector.load(out)
    det.config = model_cfg
    if cfg.calibrate_on_val:
        raw = evaluate(det, data_dir, "val").to_dict()
        calibration, measured = fitting.cross_fitted_calibration(det, data_dir, raw)
        keys = ("ece", "ece_uncalibrated", "ece_random_halves", "reliability", "reliability_uncalibrated")
        val = {**val, **{k: measured[k] for k in keys}}
        n_articles = len(data.articles) if data else len(load_split(data_dir, "train"))
    else:
        if "ece" not in val or config.calibration is not None:  # raw ECE of a report lacking it or stale
            raw = evaluate(det, data_dir, "val")
            val["ece"], val["reliability"] = raw.ece, list(raw.reliability)
        data = data or prepare(cfg, data_dir, "train", log)
        calibration = fold_calibration(data, out, model_cfg, cfg, log)
        det.config = replace(model_cfg, **calibration)
        calibrated = evaluate(det, data_dir, "val")
        val["ece_uncalibrated"], val["reliability_uncalibrated"] = val["ece"], val["reliability"]
        val["ece"], val["reliability"] = calibrated.ece, list(calibrated.reliability)
        n_articles = len(data.articles)
    model_cfg = replace(model_cfg, **calibration)
    log(f"val ECE {val['ece_uncalibrated']:.4f} uncalibrated -> {val['ece']:.4f} calibrated")
    (out / "val_report.json").write_text(json.dumps(val, indent=2) + "\n", "utf-8")
    card_args = {"split": "train", "n_articles": n_articles, "cfg": cfg, "base": BASES[cfg.base]}
    measured = config.scores  # calibration leaves the network, and so its speed, alone
    speed = {k: measured[k] for k in ("articles_per_s", "speed_note") if k in measured}
    finish(out, model_cfg, val, data_dir, card_args, speed if len(speed) == 2 else None)
    return out


def fold_calibration(
    data: Prepared, out: Path, model_cfg: ModelConfig, cfg: TrainConfig, log: Any
) -> dict[str, Any]:
    """Fit the isotonic score map on spans predicted for held-out folds of the training articles,
    each by a model of the same recipe trained on the other folds."""
    articles, per_doc = data.articles, data.per_doc
    order = list(range(len(articles)))
    random.Random(cfg.seed).shuffle(order)
    k = cfg.calibration_folds
    hits: list[tuple[float, bool]] = []
    for fold in range(k):
        held = set(order[fold::k])
        torch.manual_seed(cfg.seed + 1 + fold)
        net = data.make_net()
        fit(
            net,
            [e for i, group in enumerate(per_doc) if i not in held for e in group] + data.extra,
            data.special["pad"],
            cfg,
            log,
        )
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "fold"
            src.mkdir()
            tok = out / TOKENIZER
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
                calibration_feeds(kept, data.special["pad"]) if cfg.outlier_channels else (),
                cfg.weight_bits,
            )
            docs = Detector.load(src).analyze_many([articles[i].text for i in sorted(held)])
        for i, doc in zip(sorted(held), docs, strict=True):
            hits += span_hits(doc, articles[i].to_document())
        log(f"calibration fold {fold + 1}/{k}: {len(hits)} held-out spans so far")
    scores, right = [s for s, _ in hits], [h for _, h in hits]
    x, y = fit_isotonic(scores, right)
    cal = Calibrator(tuple(x), tuple(y))
    how = {"folds": k, "spans": len(hits), "share_right": sum(right) / max(len(right), 1)}
    how["ece_raw"] = ece(scores, right)
    how["ece_fitted_in_sample"] = ece([float(cal(s)) for s in scores], right)
    return {"calibration": cal.to_json(), "calibration_fit": how}


__all__ = ["calibrate", "fold_calibration"]
