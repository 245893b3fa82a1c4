"""Ensembles of two model directories (engine.ensemble runs them, authoring.ensemble_build writes
them), on the tiny hand-built encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from propscan import Detector
from propscan.authoring.ensemble_build import build
from propscan.cli import app
from propscan.engine.calibration import Calibrator
from propscan.engine.decode import BlockScores
from propscan.engine.detector import EnsembleDetector
from propscan.engine.ensemble import _on_tokens
from propscan.engine.windows import Block
from propscan.errors import ChecksumError, InputError
from propscan.hub.checksums import sha256, write_checksums
from propscan.techniques import LABELS
from tiny_model import build as build_tiny

TEXT = "They are evil traitors and the plan is corrupt . We said it ."  # evil traitors [9, 22)


def doubting_member(directory: Path) -> Path:
    """The tiny model with a span head that says Doubt for every span."""
    build_tiny(directory)
    head = dict(np.load(directory / "span_head.npz"))
    head["w2"] = np.zeros_like(head["w2"])
    head["b2"] = np.zeros_like(head["b2"])
    head["b2"][LABELS.index("Doubt")] = 5.0
    np.savez(directory / "span_head.npz", **head)
    write_checksums(directory)
    return directory


def block(start: int, text: str, offsets: list[tuple[int, int]]) -> Block:
    return Block(start, text, np.zeros(len(offsets), np.int64), np.array(offsets, np.int64).reshape(-1, 2))


def test_token_probabilities_carry_over_characters_onto_the_other_tokenizer():
    # block "abcdef" at offset 10; the source has tokens "ab", "cdef"; the target "abc", "def"
    source_probs = (np.array([[1.0, 0.0], [0.0, 1.0]], np.float32),)
    source = BlockScores(block(10, "abcdef", [(10, 12), (12, 16)]), ((0, 2),), source_probs)
    target = BlockScores(block(10, "abcdef", [(10, 13), (13, 16)]), ((0, 2),))
    carried = _on_tokens(target, source)
    # "abc": two characters of "ab" (1, 0) and one of "cdef" (0, 1); "def": all of "cdef"
    np.testing.assert_allclose(carried, [[2 / 3, 1 / 3], [0.0, 1.0]], rtol=1e-6)


def test_an_ensemble_of_a_model_with_itself_finds_what_the_model_finds(tmp_path):
    member = build_tiny(tmp_path / "a")
    ensemble = Detector.load(build([member, member], tmp_path / "ens"))
    assert isinstance(ensemble, EnsembleDetector)
    alone = Detector.load(member).analyze(TEXT).spans
    assert [(s.start, s.end, s.technique) for s in ensemble.analyze(TEXT).spans] == [
        (s.start, s.end, s.technique) for s in alone
    ]
    assert [s.score for s in ensemble.analyze(TEXT).spans] == pytest.approx(
        [s.score for s in alone], abs=1e-4
    )


def test_technique_weight_decides_whose_labels_win(tmp_path):
    a, b = build_tiny(tmp_path / "a"), doubting_member(tmp_path / "b")
    first_only = Detector.load(build([a, b], tmp_path / "e0", technique_weight=0.0))
    second_only = Detector.load(build([a, b], tmp_path / "e1", technique_weight=1.0))
    assert first_only.classify(TEXT, [(9, 22)]) == ["Name_Calling,Labeling"]
    assert second_only.classify(TEXT, [(9, 22)]) == ["Doubt"]
    assert {s.technique for s in second_only.analyze(TEXT).spans} == {"Doubt"}
    mixed = Detector.load(build([a, b], tmp_path / "e5", technique_weight=0.5))
    p_a = Detector.load(a).classify_probs(TEXT, [(9, 22)])
    p_b = Detector.load(b).classify_probs(TEXT, [(9, 22)])
    np.testing.assert_allclose(mixed.classify_probs(TEXT, [(9, 22)]), (p_a + p_b) / 2, rtol=1e-5)


def test_a_member_that_changed_since_the_build_is_refused(tmp_path):
    a, b = build_tiny(tmp_path / "a"), build_tiny(tmp_path / "b")
    ensemble = build([a, b], tmp_path / "ens")
    build_tiny(b, threshold=0.3)  # retrained in place: a valid model, but not the one measured
    with pytest.raises(ChecksumError, match="propscan ensemble"):
        Detector.load(ensemble)


def test_a_members_card_edited_after_the_build_does_not_break_the_ensemble(tmp_path):
    a, b = build_tiny(tmp_path / "a"), build_tiny(tmp_path / "b")
    ensemble = build([a, b], tmp_path / "ens")
    before = Detector.load(ensemble).analyze(TEXT).to_dict()
    card = b / "MODEL_CARD.md"
    card.write_text(card.read_text("utf-8") + "\nA corrected limitation.\n", "utf-8")
    write_checksums(b)  # the member is still whole, with a new SHA256SUMS
    assert Detector.load(ensemble).analyze(TEXT).to_dict() == before
    config = json.loads((b / "config.json").read_text("utf-8"))
    config["threshold"] = 0.3  # a setting that changes the member's output is still refused
    (b / "config.json").write_text(json.dumps(config), "utf-8")
    write_checksums(b)
    with pytest.raises(ChecksumError, match="propscan ensemble"):
        Detector.load(ensemble)


def test_an_ensemble_recording_its_members_whole_sha256sums_still_loads(tmp_path):
    """Ensembles built before members were fingerprinted recorded the sha256 of each member's
    whole SHA256SUMS (the shipped ones among them): they keep loading."""
    a, b = build_tiny(tmp_path / "a"), build_tiny(tmp_path / "b")
    ensemble = build([a, b], tmp_path / "ens")
    before = Detector.load(ensemble).analyze(TEXT).to_dict()
    config = json.loads((ensemble / "config.json").read_text("utf-8"))
    for member, directory in zip(config["ensemble"]["members"], (a, b), strict=True):
        member["sha256sums"] = sha256(directory / "SHA256SUMS")
    (ensemble / "config.json").write_text(json.dumps(config), "utf-8")
    write_checksums(ensemble, ("config.json", "MODEL_CARD.md"))
    assert Detector.load(ensemble).analyze(TEXT).to_dict() == before
    build_tiny(b, threshold=0.3)
    with pytest.raises(ChecksumError, match="propscan ensemble"):
        Detector.load(ensemble)


def test_an_edited_ensemble_config_is_refused(tmp_path):
    a = build_tiny(tmp_path / "a")
    ensemble = build([a, a], tmp_path / "ens")
    config = json.loads((ensemble / "config.json").read_text())
    config["ensemble"]["token_weight"] = 0.9
    (ensemble / "config.json").write_text(json.dumps(config))
    with pytest.raises(ChecksumError, match=r"config\.json"):
        Detector.load(ensemble)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"token_weight": 1.5}, "token_weight"), ({"threshold": 1.0}, "threshold")],
)
def test_bad_settings_are_refused_before_anything_is_written(tmp_path, kwargs, message):
    a = build_tiny(tmp_path / "a")
    with pytest.raises(InputError, match=message):
        build([a, a], tmp_path / "ens", **kwargs)
    assert not (tmp_path / "ens").exists()


def test_an_existing_directory_that_is_not_an_ensemble_is_left_alone(tmp_path):
    a = build_tiny(tmp_path / "a")
    with pytest.raises(InputError, match="not an ensemble"):
        build([a, a], a)
    Detector.load(a)  # still a complete, verified model
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no staging left behind


def test_cli_builds_an_ensemble_that_analyze_uses(tmp_path):
    a, b = build_tiny(tmp_path / "a"), doubting_member(tmp_path / "b")
    runner = CliRunner()
    built = runner.invoke(
        app, ["ensemble", str(a), str(b), "--output", str(tmp_path / "ens"), "--technique-weight", "1"]
    )
    assert built.exit_code == 0, built.output
    text = tmp_path / "t.txt"
    text.write_text(TEXT)
    result = runner.invoke(app, ["analyze", str(text), "--model", str(tmp_path / "ens"), "--format", "json"])
    assert result.exit_code == 0, result.output
    spans = json.loads(result.stdout)[0]["spans"]
    assert spans and {s["technique"] for s in spans} == {"Doubt"}
    bad = runner.invoke(
        app, ["ensemble", str(a), str(b), "--output", str(tmp_path / "e2"), "--token-weight", "2"]
    )
    assert bad.exit_code == 2 and "token_weight" in bad.output


def write_val_corpus(root: Path) -> Path:
    """A PTC-like corpus whose val split is 2 articles the tiny model half gets right."""
    texts = {"1": "They are evil traitors and corrupt .\n", "2": "The plan is disgraceful and evil .\n"}
    (root / "train-articles").mkdir(parents=True)
    for key, text in texts.items():
        (root / "train-articles" / f"article{key}.txt").write_text(text, encoding="utf-8")
    gold = "1\tName_Calling,Labeling\t9\t22\n2\tLoaded_Language\t12\t23\n"
    (root / "train-task-tc.labels").write_text(gold, encoding="utf-8")
    (root / "splits.json").write_text(json.dumps({"train": [], "val": list(texts)}), encoding="utf-8")
    return root


def test_data_measures_val_and_fits_a_calibration_map_that_analyze_applies(tmp_path):
    a = build_tiny(tmp_path / "a")
    corpus = write_val_corpus(tmp_path / "ptc")
    raw = Detector.load(build([a, a], tmp_path / "raw"))
    ensemble_dir = build([a, a], tmp_path / "cal", data=corpus)
    val = json.loads((ensemble_dir / "val_report.json").read_text())
    assert val["n_articles"] == 2 and 0.0 <= val["ece"] <= 1.0 and "ece_uncalibrated" in val
    config = json.loads((ensemble_dir / "config.json").read_text())
    assert config["calibration_fit"]["spans"] == sum(
        len(raw.analyze(t).spans)
        for t in (tmp_path / "ptc" / "train-articles").glob("*.txt")
        for t in [t.read_text()]
    )
    cal = Calibrator.from_json(config["calibration"])
    text = (corpus / "train-articles" / "article1.txt").read_text()
    expected = [round(float(cal(s.score)), 4) for s in raw.analyze(text).spans]
    got = [s.score for s in Detector.load(ensemble_dir).analyze(text).spans]
    assert got == pytest.approx(expected, abs=2e-4)
    card = (ensemble_dir / "MODEL_CARD.md").read_text()
    assert "cross-fitted" in card and "`train` only" in card and "[reliability.svg]" in card
    assert (ensemble_dir / "reliability.svg").read_text().startswith("<svg")

    # the config records the val figures for `propscan models list`; this corpus has no
    # test-articles, so no speed was measured
    assert config["scores"] == {
        "val": {"si": val["si"]["f1"], "tc": val["tc"], "flc": val["flc"]["f1"], "ece": val["ece"]}
    }

    # an ensemble of all-articles members takes over the twin's val scores and map
    twin = build([a, a], tmp_path / "all", reference=ensemble_dir)
    assert json.loads((twin / "config.json").read_text())["calibration"] == config["calibration"]
    assert json.loads((twin / "val_report.json").read_text()) == val
    # ... and only with the settings they were measured with
    with pytest.raises(InputError, match=r"other settings: threshold 0\.33"):
        build([a, a], tmp_path / "other", reference=ensemble_dir, threshold=0.33)
    assert not (tmp_path / "other").exists()


def test_speed_is_measured_on_the_articles_given_or_taken_over_from_the_reference(tmp_path):
    a = build_tiny(tmp_path / "a")
    corpus = write_val_corpus(tmp_path / "ptc")
    measured = build([a, a], tmp_path / "m", data=corpus, speed_articles=corpus / "train-articles")
    scores = json.loads((measured / "config.json").read_text())["scores"]
    assert scores["articles_per_s"] > 0 and "2 unlabelled articles" in scores["speed_note"]
    assert "## Speed" in (measured / "MODEL_CARD.md").read_text()
    twin = json.loads((build([a, a], tmp_path / "all", reference=measured) / "config.json").read_text())
    assert twin["scores"]["articles_per_s"] == scores["articles_per_s"]
    assert str(measured) in twin["scores"]["speed_note"]
    with pytest.raises(InputError, match=r"not a folder of \.txt articles"):
        build([a, a], tmp_path / "bad", speed_articles=tmp_path / "nowhere")
    assert not (tmp_path / "bad").exists()


def test_val_scores_are_not_measured_with_a_member_that_trained_on_val(tmp_path):
    a = build_tiny(tmp_path / "a")
    config = json.loads((a / "config.json").read_text())
    config["train"] = {"split": "all"}
    (a / "config.json").write_text(json.dumps(config))
    write_checksums(a)
    with pytest.raises(InputError, match="--reference"):
        build([a, a], tmp_path / "ens", data=write_val_corpus(tmp_path / "ptc"))
    assert not (tmp_path / "ens").exists()
    build([a, a], tmp_path / "ens")  # without val scores it is fine
