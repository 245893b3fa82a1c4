"""Write ensemble directories: ``propscan ensemble FIRST SECOND --output DIR`` (see
:mod:`propscan.engine.ensemble` for how an ensemble runs)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..engine.detector import Detector, check_threshold
from ..engine.ensemble import FILES
from ..engine.load import is_ensemble
from ..errors import InputError
from ..evaluation.calibrate import cross_fitted_calibration, reliability_svg
from ..evaluation.crossval import read_report
from ..evaluation.evaluate import evaluate, val_summary
from ..evaluation.speed import measure_speed
from ..hub.checksums import fingerprint, write_checksums
from ..hub.config import EnsembleMember, EnsembleSpec, ModelConfig, read_config, write_config
from ..hub.layout import CARD, PLOT
from ..hub.registry import resolve, shipped_names
from .ensemble_card import ensemble_card


def build(
    members: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    token_weight: float = 0.5,
    technique_weight: float = 0.5,
    threshold: float | None = None,
    name: str = "propscan-ensemble",
    data: str | os.PathLike[str] | None = None,
    reference: str | os.PathLike[str] | None = None,
    speed_articles: str | os.PathLike[str] | None = None,
    cv: str | os.PathLike[str] | None = None,
) -> Path:
    """Write an ensemble directory over two members (model directories or shipped names; the
    first decodes). Decision settings come from the first member unless ``threshold`` is given.
    With ``data`` (a PTC corpus), val scores are measured and written to the card: members must
    then have been trained on ``train`` only. With ``reference`` (an ensemble of the train-split
    twins of the same members), its val scores are taken over instead. The articles/s recorded for
    ``propscan models list`` is measured over ``speed_articles`` (a folder of .txt articles;
    default with ``data``: its ``test-articles``), or else taken over from ``reference``. With
    ``cv`` (a cross-validation of the fold ensembles of these members' recipes, see
    :func:`propscan.authoring.ensemble_cv.cross_validate_ensemble`), the decision settings, score map
    and cross-validated figures are taken from it instead."""
    for label, w in (("token_weight", token_weight), ("technique_weight", technique_weight)):
        if not 0.0 <= w <= 1.0:
            raise InputError(f"{label} must lie between 0 and 1, got {w!r}")
    if threshold is not None:
        check_threshold(threshold)
    if len(members) != 2:
        raise InputError(f"an ensemble takes exactly 2 members, got {len(members)}")
    out = Path(output)
    if sum(x is not None for x in (data, reference, cv)) > 1:
        raise InputError("give one of --data (measure val scores), --reference or --cv (take them over)")
    report = read_report(Path(cv)) if cv is not None else None
    ref_val = _reference_val(Path(reference)) if reference is not None else None
    speed_texts = _speed_texts(speed_articles, data)
    if out.exists() and not is_ensemble(out):  # before any work: measuring takes minutes
        raise InputError(f"{out} exists and is not an ensemble directory: choose another --output")
    refs, dirs = [], []
    for member in members:
        path = resolve(member)
        refs.append(str(member) if str(member) in shipped_names() else str(path.resolve()))
        dirs.append(path)
    loaded = [Detector.load(p) for p in dirs]
    if data is not None:
        for ref, det in zip(refs, loaded, strict=True):
            if det.config.trained_on == "all":
                raise InputError(
                    f"member {ref!r} was trained on all articles, val included, so its val scores would be "
                    "inflated: measure an ensemble of train-split members with --data, then build this one "
                    "with --reference pointing at it"
                )
    first = loaded[0].config
    spec = EnsembleSpec(
        tuple(
            EnsembleMember(ref, fingerprint(d), det.name)
            for ref, d, det in zip(refs, dirs, loaded, strict=True)
        ),
        token_weight,
        technique_weight,
    )
    # the first member's decoding settings, and nothing else of its config (it has its own card)
    config = ModelConfig(
        name=name,
        version=first.version,
        labels=first.labels,
        max_tokens=first.max_tokens,
        min_overlap=first.min_overlap,
        threshold=first.threshold if threshold is None else float(threshold),
        bridge_tokens=first.bridge_tokens,
        single_token_threshold=first.single_token_threshold,
        multi_label_threshold=first.multi_label_threshold,
        token_blend=first.token_blend,
        ensemble=spec,
    )
    if report is not None:
        chosen = report["settings"]
        config = replace(
            config,
            threshold=chosen["threshold"],
            single_token_threshold=chosen["single_token_threshold"],
            token_blend=chosen["token_blend"],
            multi_label_threshold=chosen["multi_label_threshold"],
            technique_bias=tuple(chosen["technique_bias"]) if chosen.get("technique_bias") else None,
            short_threshold=chosen.get("short_threshold"),
            calibration=report["calibration"],
            calibration_fit=report["calibration_fit"],
        )
    val = ref_val
    speed: dict[str, Any] = {}
    if reference is not None:  # the train-split twin's calibration map goes with its val scores
        ref_config = read_config(Path(reference))
        _same_settings(config, ref_config, Path(reference))
        config = replace(
            config, calibration=ref_config.calibration, calibration_fit=ref_config.calibration_fit
        )
        measured = ref_config.scores
        if "articles_per_s" in measured:
            note = f"{measured.get('speed_note', '')} (measured on {reference})".strip()
            speed = {"articles_per_s": measured["articles_per_s"], "speed_note": note}
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.is_dir() else None) as tmp:
        stage = Path(tmp) / "ensemble"
        _write(stage, config, loaded, None)
        if data is not None:
            det = Detector.load(stage)
            val = evaluate(det, Path(data), "val").to_dict()
            calibration, val = cross_fitted_calibration(det, Path(data), val)
            config = replace(config, **calibration)
        if speed_texts:
            speed = measure_speed(Detector.load(stage), speed_texts)
        if report is not None:
            summary = {k: v["mean"] for k, v in report["summary"].items()}
            config = replace(config, scores={"cv": {"folds": report["folds"], **summary}, **speed})
            _write(stage, config, loaded, None, report)
        elif val is not None or speed:
            summary = val_summary(val) if val is not None else {}
            config = replace(config, scores={"val": summary, **speed})
            _write(stage, config, loaded, val)
        if out.exists():
            if not is_ensemble(out):
                raise InputError(f"{out} exists and is not an ensemble directory: choose another --output")
            for child in out.iterdir():
                child.unlink()
            out.rmdir()
        stage.rename(out)
    return out


SETTINGS = ("max_tokens", "threshold", "bridge_tokens", "single_token_threshold", "multi_label_threshold")


def _same_settings(config: ModelConfig, ref: ModelConfig, reference: Path) -> None:
    """Val scores taken over from ``reference`` describe these settings only: refuse others."""
    pairs = [(k, getattr(config, k), getattr(ref, k)) for k in (*SETTINGS, "token_blend")]
    pairs += [
        (k, getattr(config.ensemble, k), getattr(ref.ensemble, k, None))
        for k in ("token_weight", "technique_weight")
    ]
    differ = [f"{k} {a!r} (reference: {b!r})" for k, a, b in pairs if a != b]
    if differ:
        raise InputError(
            f"--reference {reference} was measured with other settings: {', '.join(differ)}; build with "
            "the reference's settings (e.g. --threshold), or measure this ensemble's twin with --data"
        )


def _speed_texts(
    speed_articles: str | os.PathLike[str] | None, data: str | os.PathLike[str] | None
) -> list[str]:
    """The articles to measure speed on, read before any work so a bad folder fails fast."""
    folder = Path(speed_articles) if speed_articles is not None else None
    if folder is None and data is not None and (Path(data) / "test-articles").is_dir():
        folder = Path(data) / "test-articles"
    if folder is None:
        return []
    paths = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not paths:
        raise InputError(f"--speed-articles {folder} is not a folder of .txt articles: give one that is")
    return [p.read_text("utf-8", errors="replace") for p in paths]


def _reference_val(reference: Path) -> dict:
    try:
        return json.loads((reference / "val_report.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"--reference {reference} is not an ensemble built with --data: {exc}") from exc


def _write(
    directory: Path,
    config: ModelConfig,
    members: Sequence[Detector],
    val: dict[str, Any] | None,
    cv: dict[str, Any] | None = None,
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    write_config(directory, config)
    (directory / CARD).write_text(ensemble_card(config, members, val, cv), "utf-8")
    names: tuple[str, ...] = FILES
    if val is not None:
        (directory / "val_report.json").write_text(json.dumps(val, indent=2) + "\n", "utf-8")
        if val.get("reliability"):
            title = f"val: ECE {val['ece']:.3f} ({val.get('n_articles', '?')} articles)"
            (directory / PLOT).write_text(reliability_svg(val["reliability"], title), "utf-8")
            names = (*FILES, PLOT)
    write_checksums(directory, names)
