"""Cross-validation from out-of-fold predictions (propscan.evaluation.crossval), on the tiny hand-built
encoder standing in for fold models; fold assignment of the corpus reader (propscan.io.ptc)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from propscan import Detector, Span
from propscan.errors import DataError, InputError
from propscan.evaluation.crossval import GRID, Fold, cross_validate_folds, fold_figures, tune
from propscan.io.ptc import Article, fold_of, fold_split, load_split, parse_fold

# the tiny model lights up these words: "evil" and "traitors" spans are gold, "corrupt" is not
TEXTS = [
    "They are evil traitors .\nThe plan is the plan .\nWe said it .",
    "The city is corrupt .\nThey said the evil plan is a plan .",
    "We are the people .\nIt is evil and they are traitors .",
    "The people said it .\nThe plan of the city is corrupt .",
]


def _article(ident: str, text: str) -> Article:
    spans = []
    for word, label in (("evil", "Loaded_Language"), ("traitors", "Name_Calling,Labeling")):
        at = text.find(word)
        if at >= 0:
            spans.append(Span(at, at + len(word), label, 1.0, word))
    return Article(ident, text, sorted(spans))


@pytest.fixture()
def folds(tiny_model_dir: Path) -> list[Fold]:
    articles = [_article(str(i), t) for i, t in enumerate(TEXTS)]
    return [
        Fold.of(i, Detector.load(tiny_model_dir, threads=1), articles[2 * i : 2 * i + 2]) for i in range(2)
    ]


def test_an_article_keeps_its_fold_and_fold_splits_partition_the_corpus(tmp_path: Path) -> None:
    assert [fold_of(a, 5) for a in ("111", "222", "111")][::2] == [fold_of("111", 5)] * 2
    root = tmp_path / "corpus"
    (root / "train-articles").mkdir(parents=True)
    for i in range(12):
        (root / "train-articles" / f"article{100 + i}.txt").write_text(f"text {i}\n", "utf-8")
    (root / "train-task-tc.labels").write_text("", "utf-8")
    every = {a.id for a in load_split(root, "all")}
    held = [{a.id for a in load_split(root, fold_split(i, 3, held_out=True))} for i in range(3)]
    assert set().union(*held) == every and sum(map(len, held)) == len(every)  # each article once
    rest = {a.id for a in load_split(root, fold_split(1, 3, held_out=False))}
    assert rest == every - held[1]
    assert parse_fold("not-fold-1/3") == (1, 3, False) and parse_fold("val") is None
    with pytest.raises(DataError, match="fold I of K"):
        load_split(root, "fold-3/3")


def test_settings_are_chosen_from_the_grid_on_the_folds_given(folds: list[Fold]) -> None:
    settings = tune(folds)
    assert all(settings.to_dict()[name] in values for name, values in GRID.items())
    assert settings.technique_bias is None  # only asked for with bias=True
    # the tiny model puts every hot word above 0.5, and the lone-token rule must let one-word spans
    # through: the gold spans are all one word
    assert settings.single_token_threshold <= 0.8


def test_technique_offsets_never_lower_the_objective_they_are_fitted_for(folds: list[Fold]) -> None:
    from propscan.evaluation.crossval import BIAS_GRID, fit_bias, macro_f1, tc_of

    gold = {s.technique for f in folds for a in f.articles for s in a.spans}
    bias = fit_bias(folds, 0.0)
    assert len(bias) == 14 and all(b in BIAS_GRID for b in bias)
    plain, plain_per = tc_of(folds, 0.0)
    fitted, fitted_per = tc_of(folds, 0.0, bias)
    assert fitted + macro_f1(fitted_per, gold) >= plain + macro_f1(plain_per, gold)
    assert tune(folds, bias=True).technique_bias == bias


def test_a_fold_is_scored_with_settings_and_a_map_from_the_other_folds_only(
    folds: list[Fold], monkeypatch: pytest.MonkeyPatch
) -> None:
    import propscan.evaluation.crossval as cv

    seen = []
    real_tune = cv.tune

    def spy(given, log=None, **options):  # type: ignore[no-untyped-def]
        seen.append([f.index for f in given])
        return real_tune(given, log, **options)

    monkeypatch.setattr(cv, "tune", spy)
    figures = fold_figures(folds[0], [folds[1]])
    assert seen == [[1]]  # never the fold being scored
    assert figures["si"]["recall"] == pytest.approx(1.0)  # every gold word found
    assert figures["si"]["precision"] < 1.0  # "corrupt" lights up too, and has no gold span
    assert 0.0 <= figures["ece"] <= 1.0 and figures["spans"] >= 2
    assert figures["sentence_si"] == figures["si"]  # line by line finds the same words
    assert {row["id"] for row in figures["oof"]} == {"0", "1"}
    assert all(len(g[3]) == 14 for row in figures["oof"] for g in row["gold"])


def test_the_report_has_mean_and_sd_per_figure_and_settings_from_all_folds(folds: list[Fold]) -> None:
    report = cross_validate_folds(folds)
    assert report["folds"] == 2 and len(report["per_fold"]) == 2
    for key in ("si", "tc", "macro_tc", "flc", "ece", "sentence_si", "sentence_gap"):
        stats = report["summary"][key]
        values = [f["si"]["f1"] if key == "si" else None for f in report["per_fold"]]
        assert set(stats) == {"mean", "sd", "se"}
        if key == "si":
            assert stats["mean"] == pytest.approx(sum(values) / 2)  # type: ignore[arg-type]
    assert set(report["settings"]) == set(GRID)
    assert report["calibration"]["method"] == "isotonic"
    assert report["calibration_fit"]["spans"] == sum(len(row["spans"]) for row in report["oof"])
    json.dumps(report)  # plain data, written as cv_report.json


def test_an_ensemble_is_cross_validated_from_its_members_fold_models(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    import shutil

    from propscan.authoring.ensemble_build import build
    from propscan.authoring.ensemble_cv import cross_validate_ensemble

    corpus = tmp_path / "corpus"
    (corpus / "train-articles").mkdir(parents=True)
    rows = []
    for n, text in enumerate(TEXTS):  # ids 100..103: fold 0 of 2 holds 101, fold 1 the others
        (corpus / "train-articles" / f"article{100 + n}.txt").write_text(text, "utf-8")
        rows += [f"{100 + n}\t{s.technique}\t{s.start}\t{s.end}\n" for s in _article(str(n), text).spans]
    (corpus / "train-task-tc.labels").write_text("".join(rows), "utf-8")
    runs = []
    for name in ("a", "b"):
        run = tmp_path / name
        for i in range(2):
            shutil.copytree(tiny_model_dir, run / f"fold{i}")
        (run / "cv_options.json").write_text(json.dumps({"folds": 2, "options": {"name": name}}), "utf-8")
        runs.append(run)
    report = cross_validate_ensemble(runs[0], runs[1], tmp_path / "ens-cv", corpus, log=lambda *_: None)
    assert report["folds"] == 2 and report["options"]["members"] == [{"name": "a"}, {"name": "b"}]
    assert (tmp_path / "ens-cv" / "fold1" / "config.json").is_file()
    shipped = Detector.load(build([tiny_model_dir, tiny_model_dir], tmp_path / "ens", cv=tmp_path / "ens-cv"))
    assert shipped.config.threshold == report["settings"]["threshold"]
    assert shipped.config.scores["cv"]["folds"] == 2
    assert "2-fold cross-validation" in (tmp_path / "ens" / "MODEL_CARD.md").read_text("utf-8")
    (runs[1] / "cv_options.json").write_text(json.dumps({"folds": 3, "options": {}}), "utf-8")
    shutil.copytree(tiny_model_dir, runs[1] / "fold2")
    with pytest.raises(InputError, match="same K"):
        cross_validate_ensemble(runs[0], runs[1], tmp_path / "other", corpus, log=lambda *_: None)


def test_a_short_text_is_decoded_with_the_short_threshold_and_an_article_is_not(tiny_model_dir: Path) -> None:
    from dataclasses import replace

    detector = Detector.load(tiny_model_dir, threads=1)
    detector.config = replace(detector.config, short_threshold=0.99, short_tokens=6)
    assert detector.analyze("They are evil traitors .").spans == []  # 5 tokens: short, strict
    long = "They are evil traitors . We said it . The plan is the plan ."
    assert detector.analyze(long).spans  # 15 tokens: the article threshold
    assert detector.analyze("They are evil traitors .", token_threshold=0.5).spans  # a cut-off given holds


def test_the_short_threshold_is_chosen_on_lines_analysed_alone(folds: list[Fold]) -> None:
    from propscan.evaluation.crossval import SHORT_GRID

    settings = tune(folds, short=True)
    assert settings.short_threshold in SHORT_GRID
    assert tune(folds).short_threshold is None


def test_a_run_report_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    from propscan.evaluation.crossval import OOF, REPORT, write_run

    write_run(tmp_path, {"folds": 2, "oof": [{"id": "1"}]})
    before = {name: (tmp_path / name).read_text("utf-8") for name in (OOF, REPORT)}
    with pytest.raises(TypeError):  # a row that cannot be written stops the write half-way
        write_run(tmp_path, {"folds": 3, "oof": [{"id": "2"}, {"id": object()}]})
    assert {name: (tmp_path / name).read_text("utf-8") for name in (OOF, REPORT)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([OOF, REPORT])  # no temporary files
