"""``propscan evaluate`` refuses to score a model on the articles it was trained on, unless asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propscan.cli import app
from propscan.evaluation.seen import training_overlap
from propscan.io.ptc import fold_of
from propscan.techniques import LABELS

IDS = [str(i) for i in range(1, 9)]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "ptc"
    (root / "train-articles").mkdir(parents=True)
    for ident in IDS:
        (root / "train-articles" / f"article{ident}.txt").write_text("They are evil traitors.\n", "utf-8")
    (root / "train-task-tc.labels").write_text(
        "".join(f"{i}\tLoaded_Language\t9\t13\n" for i in IDS), "utf-8"
    )
    (root / "splits.json").write_text(json.dumps({"train": IDS[:6], "val": IDS[6:]}), "utf-8")
    return root


def model_dir(root: Path, name: str, **config: object) -> Path:
    path = root / name
    path.mkdir()
    body = {"name": name, "version": "1.0", "labels": list(LABELS), **config}
    (path / "config.json").write_text(json.dumps(body), "utf-8")
    return path


def test_a_model_trained_on_all_has_seen_every_val_article(corpus, tmp_path):
    model = model_dir(tmp_path, "m", train={"split": "all"})
    overlap = training_overlap(model, corpus, "val")
    assert (overlap.articles, overlap.seen) == (2, 2)
    assert "m-1.0 was trained on split 'all'" in overlap.refusal()
    assert "--allow-training-articles" in overlap.refusal()


def test_a_model_trained_on_train_has_seen_no_val_article_but_every_train_one(corpus, tmp_path):
    model = model_dir(tmp_path, "m", train={"split": "train"})
    assert training_overlap(model, corpus, "val").seen == 0
    assert training_overlap(model, corpus, "train").seen == 6


def test_a_fold_model_has_seen_all_but_its_fold(corpus, tmp_path):
    model = model_dir(tmp_path, "m", train={"split": "not-fold-1/3"})
    held_out = [i for i in IDS if fold_of(i, 3) == 1]
    assert held_out  # the fixture's ids cover fold 1
    assert training_overlap(model, corpus, "fold-1/3").seen == 0
    val = [i for i in IDS[6:] if fold_of(i, 3) != 1]
    assert training_overlap(model, corpus, "val").seen == len(val)


def test_an_ensemble_has_seen_what_any_member_or_teacher_has(corpus, tmp_path):
    clean = model_dir(tmp_path, "clean", train={"split": "train"})
    teacher = model_dir(tmp_path, "teacher", train={"split": "all"})
    student = model_dir(tmp_path, "student", train={"split": "train", "teacher": str(teacher)})
    members = [{"model": str(p), "sha256sums": "x"} for p in (clean, student)]
    ensemble = model_dir(tmp_path, "ens", ensemble={"members": members})
    overlap = training_overlap(ensemble, corpus, "val")
    assert overlap.seen == 2
    assert "teacher-1.0, the teacher of student-1.0, a member of ens-1.0, was trained on split 'all'" in (
        overlap.refusal()
    )
    assert training_overlap(clean, corpus, "val").seen == 0


def test_a_model_that_records_no_split_is_unknown_not_refused(corpus, tmp_path):
    overlap = training_overlap(model_dir(tmp_path, "m"), corpus, "val")
    assert overlap.seen == 0 and [m.model for m in overlap.unknown] == ["m-1.0"]


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_evaluate_refuses_training_articles_and_labels_them_when_allowed(fake_detector, corpus, tmp_path):
    fake_detector.directory = model_dir(tmp_path, "m", train={"split": "all"})
    refused = run("evaluate", "--data", corpus, "--split", "val")
    assert refused.exit_code == 2
    assert "was trained on split 'all'" in refused.stderr and "2 of the 2 articles" in refused.stderr
    assert refused.stdout == ""

    allowed = run("evaluate", "--data", corpus, "--split", "val", "--allow-training-articles")
    assert allowed.exit_code == 0, allowed.stderr
    assert "TRAINING-SET FIGURES" in allowed.stdout and "TRAINING-SET FIGURES" in allowed.stderr
    as_json = run("evaluate", "--data", corpus, "--allow-training-articles", "--json")
    assert json.loads(as_json.stdout)["training_articles"]["seen_in_training"] == 2


def test_evaluate_scores_a_model_on_articles_it_never_saw(fake_detector, corpus, tmp_path):
    fake_detector.directory = model_dir(tmp_path, "m", train={"split": "train"})
    result = run("evaluate", "--data", corpus, "--split", "val")
    assert result.exit_code == 0, result.stderr
    assert "TRAINING-SET" not in result.stdout + result.stderr


@pytest.mark.slow
def test_the_shipped_model_is_refused_on_val(corpus):
    from propscan.hub.registry import resolve

    overlap = training_overlap(resolve("fast"), corpus, "val")
    assert overlap.seen == 2  # trained on 'all', and so was its teacher
