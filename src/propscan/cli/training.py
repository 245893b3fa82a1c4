"""``propscan train``, ``calibrate`` and ``ensemble``: write model directories.

Every training option lives in :mod:`propscan.train.config`; this module only gathers the
command line into options (the common ones as flags, any other with ``--set NAME=VALUE``),
checks them there, and hands them to :func:`propscan.train.train`.
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import DataError, require
from ..train.config import config_from, describe_options, make_options, parse_setting
from .tables import cv_tables


class TrainSplit(StrEnum):
    train = "train"
    all = "all"


class Recipe(StrEnum):
    fast = "fast"
    accurate = "accurate"


def library() -> ModuleType:
    """propscan.train, once torch is known to be there (else the error with the install line)."""
    require("train", "torch")
    return importlib.import_module("propscan.train")  # looked up now: tests replace it


def _list_options(value: bool) -> None:
    if value:
        for name, default in describe_options():
            typer.echo(f"{name} = {default}")
        raise typer.Exit()


def train(
    data: Annotated[Path, typer.Option("--data", help="A PTC corpus directory (like shared/ptc).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    split: Annotated[
        TrainSplit, typer.Option(help="'train' to tune on val, 'all' for the shipped model.")
    ] = TrainSplit.train,
    recipe: Annotated[
        Recipe,
        typer.Option(help="fast: MiniLM-L6, all layers trained; accurate: MPNet-base with LoRA adapters."),
    ] = Recipe.fast,
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Any training option as NAME=VALUE (repeatable), e.g. --set lr=5e-5; "
            "'propscan train --options' lists them with their defaults.",
        ),
    ] = None,
    options_list: Annotated[
        bool,
        typer.Option(
            "--options", callback=_list_options, is_eager=True, help="List every training option and exit."
        ),
    ] = False,
    epochs: Annotated[int | None, typer.Option(min=1, help="Training epochs; default: the recipe's.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; default: the recipe's.")] = None,
    base: Annotated[
        str | None, typer.Option(help="Base encoder (minilm or mpnet); default: the recipe's.")
    ] = None,
    layers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Keep only the base encoder's bottom N layers (faster to run, e.g. 4 of MiniLM's 6); "
            "the recipe's fp32 layers above them go with them. Default: the recipe's.",
        ),
    ] = None,
    technique_weight: Annotated[
        float | None,
        typer.Option(
            min=0.0, help="Loss weight of the per-technique token channels (default: the recipe's, 0.25)."
        ),
    ] = None,
    span_weight: Annotated[
        float | None,
        typer.Option(min=0.0, help="Loss weight of the span technique head (default: the recipe's, 0.3)."),
    ] = None,
    span_jitter: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Also train the span head on 2 copies of each span whose ends moved by up to N "
            "characters (default 0: gold spans only).",
        ),
    ] = None,
    jitter_teacher: Annotated[
        bool,
        typer.Option(
            "--jitter-teacher",
            help="With --span-jitter N and --teacher: the teacher labels each moved copy, and the copy "
            "trains on the teacher's distribution for it instead of the span's own.",
        ),
    ] = False,
    teacher_weight: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="With --teacher: the teacher's share of each gold span's technique target (default "
            "0.5; 1 trains on the teacher's distribution alone).",
        ),
    ] = None,
    cv: Annotated[
        Path | None,
        typer.Option(
            help="With --split all: a cross-validation run of the same options ('propscan evaluate "
            "--folds K --output DIR') whose decision settings, score map and figures this model takes."
        ),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            help="With --split all: a model trained with --split train whose tuned thresholds and "
            "val scores this model takes over."
        ),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option(help="Where training steps run: auto (a CUDA GPU if torch sees one), cpu or cuda."),
    ] = None,
    teacher: Annotated[
        str | None,
        typer.Option(
            help="Distil: a model name or directory whose span technique distributions and token "
            "probabilities are mixed into the targets (see docs/models.md)."
        ),
    ] = None,
    unlabelled: Annotated[
        Path | None,
        typer.Option(
            help="With --teacher: a folder of unlabelled .txt articles that the teacher labels and the "
            "model also trains on (e.g. shared/ptc/test-articles).",
        ),
    ] = None,
    noisy_copies: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="With --teacher: also train on K noisy copies of every training article (some words "
            "dropped or replaced), labelled by the teacher.",
        ),
    ] = None,
    teacher_cache: Annotated[
        Path | None,
        typer.Option(
            help="With --teacher: a directory where the teacher's labels are stored and reused by "
            "later runs with the same teacher and articles (e.g. several seeds)."
        ),
    ] = None,
) -> None:
    """Train a model on a PTC corpus split (needs the optional 'train' extra)."""
    flags = {
        "epochs": epochs,
        "seed": seed,
        "base": base,
        "layers": layers,
        "technique_weight": technique_weight,
        "span_weight": span_weight,
        "span_jitter": span_jitter,
        "jitter_teacher": True if jitter_teacher else None,
        "teacher": teacher,
        "teacher_weight": teacher_weight,
        "unlabelled": str(unlabelled) if unlabelled else None,
        "noisy_copies": noisy_copies,
        "device": device,
    }
    given: dict[str, Any] = dict(parse_setting(s) for s in settings or ())
    given.update({k: v for k, v in flags.items() if v is not None})
    lib = library()
    options = make_options(lib.recipe_options(recipe.value), given)
    config_from(options).validate(teacher_cache=teacher_cache)  # every rule, before any work
    if reference is not None:
        options["reference"] = reference
    if cv is not None:
        options["cv"] = cv
    if teacher_cache is not None:
        options["teacher_cache"] = teacher_cache
    lib.train(data, split.value, output, **options)
    typer.echo(f"model written to {output}")


def calibrate(
    model: Annotated[Path, typer.Argument(help="A model directory written by propscan train --split train.")],
    data: Annotated[Path, typer.Option(help="The PTC corpus it was trained on (its val split is used).")],
    on_val: Annotated[
        bool,
        typer.Option(
            "--on-val",
            help="Fit a Platt map on the model's own val spans; the ECE is cross-fitted over "
            "alternate val articles (what the shipped models use).",
        ),
    ] = False,
    folds: Annotated[
        int | None,
        typer.Option(
            min=2,
            help="Fit an isotonic map on spans predicted for N held-out folds of train, each by a "
            "model of the same recipe trained on the other folds (N more trainings).",
        ),
    ] = None,
) -> None:
    """Refit a trained model's score calibration and write its new val ECE, card and plot."""
    if on_val and folds is not None:
        raise DataError("--on-val and --folds are two ways to calibrate: give one of them")
    library().calibrate(model, data, folds=folds, on_val=True if on_val else None)
    typer.echo(f"calibration written to {model}")


def ensemble(
    first: Annotated[str, typer.Argument(help="The member that decodes: a model name or directory.")],
    second: Annotated[str, typer.Argument(help="The second member: a model name or directory.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Ensemble directory to write.")],
    token_weight: Annotated[
        float, typer.Option(help="Weight of the second member's token probabilities.")
    ] = 0.5,
    technique_weight: Annotated[
        float, typer.Option(help="Weight of the second member's technique distributions.")
    ] = 0.5,
    threshold: Annotated[
        float | None, typer.Option(help="Token threshold for spans; default: the first member's.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="A PTC corpus: measure val scores (members trained on train only)."),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(help="An ensemble of the members' train-split twins whose val scores to take over."),
    ] = None,
    speed_articles: Annotated[
        Path | None,
        typer.Option(
            help="A folder of .txt articles to measure articles/s on (default with --data: its "
            "test-articles; with --reference: the reference's figure)."
        ),
    ] = None,
    name: Annotated[
        str, typer.Option(help="The ensemble's name in outputs and its card.")
    ] = "propscan-ensemble",
    cv: Annotated[
        Path | None,
        typer.Option(
            help="A cross-validation of these members' fold ensembles (see --cross-validate) whose "
            "settings, score map and figures the ensemble takes."
        ),
    ] = None,
    cross_validate: Annotated[
        bool,
        typer.Option(
            "--cross-validate",
            help="FIRST and SECOND are cross-validation runs ('propscan evaluate --folds K', same K): "
            "build their fold ensembles under --output and score them (needs --data).",
        ),
    ] = False,
    technique_bias: Annotated[
        bool,
        typer.Option("--technique-bias", help="With --cross-validate: also fit per-technique offsets."),
    ] = False,
    short_threshold: Annotated[
        bool,
        typer.Option(
            "--short-threshold", help="With --cross-validate: also choose a threshold for short texts."
        ),
    ] = False,
) -> None:
    """Combine two models into one ensemble directory, usable wherever --model takes a directory
    (or, with --cross-validate, cross-validate the ensemble of two cross-validated recipes)."""
    from ..authoring.ensemble_build import build

    if cross_validate:
        from ..authoring.ensemble_cv import cross_validate_ensemble

        if data is None:
            raise DataError("--cross-validate scores the fold ensembles on the corpus: give --data DIR")
        report = cross_validate_ensemble(
            first,
            second,
            output,
            data,
            token_weight=token_weight,
            technique_weight=technique_weight,
            technique_bias=technique_bias,
            short_threshold=short_threshold,
        )
        Console(highlight=False).print(*cv_tables(report))
        return
    build(
        [first, second],
        output,
        token_weight=token_weight,
        technique_weight=technique_weight,
        threshold=threshold,
        data=data,
        reference=reference,
        speed_articles=speed_articles,
        name=name,
        cv=cv,
    )
    typer.echo(f"ensemble written to {output}")


__all__ = ["calibrate", "ensemble", "train"]


def short_threshold(
    model: Annotated[Path, typer.Argument(help="A model or ensemble directory (or name) to set it in.")],
    texts: Annotated[
        Path, typer.Option(help="A folder of unlabelled .txt articles (e.g. shared/ptc/test-articles).")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the choice; write nothing.")] = False,
) -> None:
    """Choose the token threshold for short texts without labels: the one at which the articles'
    lines, each analysed alone, flag the share of characters the articles flag analysed whole."""
    from ..authoring.short_texts import choose_short_threshold, read_texts, write_short_threshold
    from ..engine.detector import Detector
    from ..hub.registry import resolve

    model = resolve(model)  # a shipped model's name -> its directory, written in place
    articles = read_texts(texts)
    choice = choose_short_threshold(Detector.load(model), articles)
    table = Table(title=f"share of characters flagged, {choice.articles} articles, {choice.lines} lines")
    table.add_column("short-text threshold")
    table.add_column("lines alone", justify="right")
    table.add_column("", no_wrap=True)
    for value, share in choice.line_shares.items():
        label = f"{choice.threshold} (the article threshold)" if value is None else str(value)
        table.add_row(label, f"{share:.3f}", "chosen" if value == choice.value else "")
    Console(highlight=False).print(table)
    typer.echo(f"articles analysed whole: {choice.article_share:.3f}")
    if dry_run:
        return
    rerecorded = write_short_threshold(model, choice, texts.name)
    typer.echo(f"short_threshold {choice.value} written to {model}")
    for ensemble in rerecorded:
        typer.echo(f"{ensemble}: re-recorded this member's fingerprint (its weights are unchanged)")
