"""Decision settings chosen on val (for a model trained on the train split): thresholds, the
token-channel blend and the multi-label cut-off."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..engine.detector import Detector
from ..engine.scorer import RememberingScorer
from ..evaluation.evaluate import EvalReport, evaluate
from ..hub.config import ModelConfig

TUNED = ("threshold", "single_token_threshold", "multi_label_threshold", "token_blend")  # on val


def tune(out: Path, data_dir: str | Path, cfg: ModelConfig, log: Any) -> tuple[ModelConfig, dict]:
    """Choose the decision settings on val, one after the other and then again until none changes:
    the SI threshold and the lone-token threshold by SI F1, the token-channel blend by TC, the
    multi-label threshold by FLC F1. Values are listed in order of preference on ties."""
    loaded = Detector.load(out)
    # Only decoding settings change between evaluations: run the encoder once per stream of texts.
    det = Detector(
        RememberingScorer(loaded.scorer), cfg, directory=loaded.directory, checksums=loaded.checksums
    )

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


def _f1(report: Any, metric: str) -> float:
    return report.tc if metric == "tc" else getattr(report, metric).f1


__all__ = ["TUNED", "tune"]
