"""What a finished model directory records besides its weights: val scores and speed in the config,
the model card and the reliability plot; and reading back a train-split model's records."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..engine.detector import Detector
from ..errors import DataError, ModelError
from ..evaluation.calibrate import reliability_svg
from ..evaluation.crossval import read_report
from ..evaluation.evaluate import val_summary
from ..evaluation.speed import measure_speed, speed_texts
from ..hub.config import ModelConfig
from ..hub.layout import CONFIG, PLOT
from .card import model_card
from .export import write_config
from .tune import TUNED


def finish(
    out: Path,
    model_cfg: ModelConfig,
    val: dict,
    data_dir: str | Path,
    card_args: dict,
    speed: dict | None = None,
) -> None:
    """Measure speed (unless ``speed`` carries an earlier measurement of the same network), then
    write config, card and reliability plot."""
    model_cfg = with_scores(model_cfg, val, out, data_dir, speed)
    write_config(out, model_cfg, model_card(model_cfg, val=val, **card_args))
    if val.get("reliability"):
        title = f"val: ECE {val['ece']:.3f} ({val.get('n_articles', '?')} articles)"
        (out / PLOT).write_text(reliability_svg(val["reliability"], title), "utf-8")


def with_scores(
    model_cfg: ModelConfig, val: dict, out: Path, data_dir: str | Path, speed: dict | None = None
) -> ModelConfig:
    """Record val scores and the speed on the unlabelled test articles in the config (for
    `propscan models list`); ``speed`` (articles_per_s, speed_note) reuses an earlier measurement."""
    speed = speed or measure_speed(Detector.load(out), speed_texts(data_dir))
    return replace(model_cfg, scores={"val": val_summary(val), **speed})


def cv_report(directory: str | Path, split: str, options: dict[str, Any]) -> dict[str, Any]:
    """The cross-validation report a model trained on all articles takes its settings, score map and
    figures from; refused unless it cross-validated exactly these training options."""
    if split != "all":
        raise DataError("--cv gives a model trained on all articles its settings: use it with --split all")
    report = read_report(directory)
    ran = json.loads(json.dumps(report.get("options", {})))
    given = json.loads(json.dumps(options))
    if ran != given:
        differ = sorted(k for k in set(ran) | set(given) if ran.get(k) != given.get(k))
        raise DataError(
            f"--cv {directory} cross-validated other training options (they differ in: {', '.join(differ)}); "
            "train with the options it ran, or cross-validate these"
        )
    return report


def finish_cv(
    out: Path, model_cfg: ModelConfig, report: dict[str, Any], data_dir: str | Path, card_args: dict[str, Any]
) -> None:
    """Measure speed, record the cross-validated figures, write config and card."""
    speed = measure_speed(Detector.load(out), speed_texts(data_dir))
    summary = {k: v["mean"] for k, v in report["summary"].items()}
    model_cfg = replace(model_cfg, scores={"cv": {"folds": report["folds"], **summary}, **speed})
    write_config(out, model_cfg, model_card(model_cfg, cv=report, **card_args))


def read_train_model(directory: Path) -> tuple[ModelConfig, dict[str, Any]]:
    """The config and val report of a model directory trained with split "train"."""
    try:
        config = ModelConfig.from_json(json.loads((directory / CONFIG).read_text("utf-8")))
        val = json.loads((directory / "val_report.json").read_text("utf-8"))
    except (OSError, ValueError, ModelError) as exc:
        raise DataError(f"{directory} is not a model directory trained with --split train: {exc}") from exc
    return config, val


def reference_of(path: str | Path) -> dict[str, Any]:
    """What a model trained on all articles takes over from its train-split twin: the settings tuned
    on val, the calibration map and the val report."""
    config, val = read_train_model(Path(path))
    extra = {"calibration": config.calibration, "calibration_fit": config.calibration_fit}
    return {**{k: getattr(config, k) for k in TUNED}, "val": val, "extra": extra}


__all__ = ["cv_report", "finish", "finish_cv", "read_train_model", "reference_of", "with_scores"]
