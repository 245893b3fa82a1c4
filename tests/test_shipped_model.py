"""The model that ships in the package loads, verifies and finds something in the sample article."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import propscan
from propscan.cli import app
from propscan.hub.registry import DEFAULT_MODEL, MODELS_DIR

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample_article.txt"


@pytest.fixture(scope="module")
def detector() -> propscan.Detector:
    return propscan.Detector.load()


def test_shipped_model_is_small_and_complete() -> None:
    directory = MODELS_DIR / DEFAULT_MODEL
    size = sum(p.stat().st_size for p in directory.iterdir())
    assert size <= 30 * 1024 * 1024
    card = (directory / "MODEL_CARD.md").read_text("utf-8")
    assert "Measured scores" in card and "split `all` (371 articles)" in card


def test_shipped_model_finds_spans_in_the_sample_article(detector: propscan.Detector) -> None:
    text = SAMPLE.read_text("utf-8")
    doc = detector.analyze(text)
    assert len(doc.spans) >= 3
    assert len({s.technique for s in doc.spans}) >= 2
    assert all(s.text == s.text.strip() and s.text for s in doc.spans)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_texts_result_does_not_depend_on_its_batch_neighbours_or_threads(threads: int) -> None:
    # the int8 encoder quantizes activations per input: windows batched together shared one
    # scale, and an article's spans and scores moved with its neighbours and the batch size
    text = SAMPLE.read_text("utf-8")
    long = " ".join([text] * 4)  # several windows, which overlap
    reference = propscan.Detector.load(threads=1)
    alone, long_alone = reference.analyze(text), reference.analyze(long)
    detector = propscan.Detector.load(threads=threads)
    for batch_size in (1, 8, 32):
        texts = [text[:700], long, "A plain sentence about the weather.", text]
        docs = detector.analyze_many(texts, batch_size=batch_size)
        assert docs[3].spans == alone.spans, batch_size
        assert docs[1].spans == long_alone.spans, batch_size


def test_cli_analyze_sample_article_in_every_format() -> None:
    runner = CliRunner()
    for fmt in ("text", "json", "jsonl", "ptc"):
        result = runner.invoke(app, ["analyze", str(SAMPLE), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert result.output.strip()


def test_models_list_shows_the_shipped_model_with_its_val_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setenv("PROPSCAN_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["models", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["fast"]["installed"] and not rows["fast"]["needs_install"]
    val = rows["fast"]["scores"]["val"]
    assert 0.4 < val["si"] < 1 and 0.6 < val["tc"] < 1 and 0 <= val["ece"] < 1
    result = CliRunner().invoke(app, ["models", "install", "nonesuch"])
    assert result.exit_code == 1 and "no shipped model named 'nonesuch'" in result.output
    result = CliRunner().invoke(app, ["models", "install", "fast"])
    assert result.exit_code == 0 and "ships complete" in result.output


def test_accurate_ships_its_fine_tuned_part_only_and_names_its_install_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from propscan.errors import ModelError
    from propscan.hub import registry

    monkeypatch.setenv("PROPSCAN_HOME", str(tmp_path))  # nothing installed here
    shipped = [p for name in ("accurate", "accurate-mpnet") for p in (MODELS_DIR / name).iterdir()]
    assert sum(p.stat().st_size for p in shipped) <= 30 * 1024 * 1024
    assert not (MODELS_DIR / "accurate-mpnet" / "base.bin").exists()  # rebuilt by install
    accurate = registry.info("accurate")
    assert accurate.members == ("fast", "accurate-mpnet")
    assert accurate.needs_install and not accurate.installed
    with pytest.raises(ModelError, match="propscan models install accurate"):
        propscan.Detector.load("accurate")
    card = accurate.card.read_text("utf-8")
    for needed in ("all training articles", "Calibration", "Apache-2.0", "reliability.svg", "## Speed"):
        assert needed in card
    result = CliRunner().invoke(app, ["models", "list", "--json"])
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["accurate"]["members"] == ["fast", "accurate-mpnet"] and not rows["accurate"]["installed"]
    val = rows["accurate"]["scores"]["val"]
    fast = rows["fast"]["scores"]["val"]
    # the figures recorded are the train-split twins' on val (issue #5's bars for accurate; the
    # bar on fast's gap to accurate was retired by issue #31: both are judged on unseen articles)
    assert val["si"] >= 0.48 and val["tc"] >= 0.72
    assert val["ece"] <= 0.05 and fast["ece"] <= 0.05
