"""Tables of a cross-validation report, as ``propscan evaluate --folds`` and
``propscan ensemble --cross-validate`` print them."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ..techniques import LABELS


def cv_tables(report: dict[str, Any]) -> list[Table]:
    """The headline figures (mean ± sd over folds, and each fold's) and F1 per technique."""
    names = {
        "si": "SI F1",
        "tc": "TC micro-F1",
        "macro_tc": "TC macro-F1",
        "flc": "FLC F1",
        "ece": "ECE (calibrated)",
        "ece_raw": "ECE (raw scores)",
        "sentence_si": "SI, one line at a time",
        "sentence_gap": "SI gap (article - lines)",
    }
    k = report["folds"]
    head = Table(title=f"{k}-fold cross-validation (mean ± sd over folds)", title_justify="left")
    for column in ("figure", "mean", "sd", *(f"fold {i}" for i in range(k))):
        head.add_column(column, justify="left" if column == "figure" else "right")
    for key, name in names.items():
        if key in report["summary"]:
            per = [_figure(fold, key) for fold in report["per_fold"]]
            stats = report["summary"][key]
            head.add_row(name, f"{stats['mean']:.4f}", f"{stats['sd']:.4f}", *(f"{v:.4f}" for v in per))
    per_technique = Table(title="F1 per technique (mean ± sd over folds)", title_justify="left")
    for column in ("technique", "TC F1", "FLC F1"):
        per_technique.add_column(column, justify="left" if column == "technique" else "right")
    for label in LABELS:
        if label in report["per_technique"]:
            row = report["per_technique"][label]
            cells = (f"{row[t]['mean']:.3f} ± {row[t]['sd']:.3f}" for t in ("tc", "flc"))
            per_technique.add_row(label, *cells)
    return [head, per_technique]


def _figure(fold: dict[str, Any], key: str) -> float:
    if key == "sentence_gap":
        return float(fold["si"]["f1"] - fold["sentence_si"]["f1"])
    value = fold[key]
    return float(value["f1"] if isinstance(value, dict) else value)


__all__ = ["cv_tables"]
