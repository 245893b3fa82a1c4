"""Training data beyond the articles (propscan.train.extra): crops for short texts, and SemEval-2021
Task 6 meme texts and Logic fallacy sentences mapped to the PTC labels. Torch-free, on invented texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from propscan.document import Document, Span
from propscan.errors import DataError
from propscan.train.extra import crops, logic_fallacies, semeval2021

TEXT = "A calm title\n\nThe corrupt mayor lied.\nWe must act now or lose everything.\nThe end.\n"


def _doc() -> Document:
    corrupt = TEXT.index("corrupt")
    act = TEXT.index("We must")
    across = TEXT.index("lied")
    return Document(
        TEXT,
        [
            Span(corrupt, corrupt + 7, "Loaded_Language"),
            Span(act, TEXT.index(" everything") + 11, "Black-and-White_Fallacy"),
            Span(across, act + 7, "Doubt"),  # "lied.\nWe must": mostly in the next line
        ],
    )


def test_crops_are_whole_lines_with_the_spans_inside_them() -> None:
    every = crops(_doc(), 1.0, seed=3)
    assert len(every) == 4  # a crop starts at every non-blank line
    for crop in every:
        assert crop.text.strip() and crop.text in TEXT and not crop.text.startswith("\n")
        for span in crop.spans:
            assert crop.text[span.start : span.end] == span.text
    first = next(c for c in every if c.text.startswith("The corrupt"))
    assert ("corrupt", "Loaded_Language") in {(s.text, s.technique) for s in first.spans}
    alone = [c for c in every if c.text == "The corrupt mayor lied."]
    # the Doubt span runs mostly into the next line: cut to "lied" it would teach a wrong span
    assert all("Doubt" not in {s.technique for s in c.spans} for c in alone)
    assert crops(_doc(), 1.0, seed=3) == every and crops(_doc(), 0.0, seed=3) == []


def test_semeval2021_texts_map_to_ptc_labels_and_unmapped_ones_are_left_out(tmp_path: Path) -> None:
    items = [
        {"id": "1", "text": "VOTE OR DIE\n", "labels": [{"start": 0, "end": 11, "technique": "Slogans"}]},
        {"id": "2", "text": "THEY ARE CROOKS", "labels": [{"start": 9, "end": 15, "technique": "Smears"}]},
        {"id": "3", "text": "what about them?", "labels": []},
    ]
    for name in ("training_set_task2.json", "dev_set_task2.json", "test_set_task2.json"):
        (tmp_path / name).write_text(json.dumps(items if name.startswith("train") else []), "utf-8")
    docs = semeval2021(tmp_path)
    assert [d.text for d in docs] == ["VOTE OR DIE\n", "what about them?"]  # the Smears text is left out
    assert [(s.text, s.technique) for s in docs[0].spans] == [("VOTE OR DIE", "Slogans")]
    (tmp_path / "dev_set_task2.json").write_text("not json", "utf-8")
    with pytest.raises(DataError, match=r"dev_set_task2\.json"):
        semeval2021(tmp_path)


def _fallacy_files(root: Path, climate: list[tuple[str, str]], edu: list[tuple[str, str]]) -> None:
    for split in ("train", "dev", "test"):
        for name, column, rows in (("climate", "logical_fallacies", climate), ("edu", "updated_label", edu)):
            lines = [f",source_article,{column}\n"] + [
                f'{n},"{text}",{label}\n' for n, (text, label) in enumerate(rows if split == "train" else [])
            ]
            (root / f"{name}_{split}.csv").write_text("".join(lines), "utf-8")


def test_fallacy_sentences_become_one_span_of_the_nearest_technique_news_first_up_to_a_cap(
    tmp_path: Path,
) -> None:
    climate = [
        (" Either we ban cars or the planet burns. ", "false dilemma"),
        ("He is an idiot, so ignore him.", "ad hominem"),  # no close PTC technique: left out
        ("Everyone knows it is a hoax.", "ad populum"),
    ]
    edu = [
        ("You are with us or against us.", "false dilemma"),
        ("Nine doctors agree.", "fallacy of credibility"),
    ]
    _fallacy_files(tmp_path, climate, edu)
    docs = logic_fallacies(tmp_path, cap=1)
    assert [(d.spans[0].text, d.spans[0].technique) for d in docs] == [
        ("Either we ban cars or the planet burns", "Black-and-White_Fallacy"),
        ("Everyone knows it is a hoax", "Bandwagon,Reductio_ad_hitlerum"),
        ("Nine doctors agree", "Appeal_to_Authority"),  # the quiz's false dilemma is over the cap
    ]
    assert all(d.meta["spans_only"] and len(d.spans) == 1 for d in docs)
    assert len(logic_fallacies(tmp_path, cap=5)) == 4
    with (tmp_path / "climate_dev.csv").open("a", encoding="utf-8") as f:
        f.write("7\n8,,false dilemma\n")  # a short row and an empty text: skipped
    assert len(logic_fallacies(tmp_path, cap=5)) == 4
    (tmp_path / "edu_dev.csv").write_text("text,label\nsome text,false dilemma\n", "utf-8")
    with pytest.raises(DataError, match=r"edu_dev\.csv: no 'updated_label'"):
        logic_fallacies(tmp_path, cap=5)
    (tmp_path / "edu_dev.csv").unlink()
    with pytest.raises(DataError, match=r"edu_dev\.csv: not a Logic fallacy file.*logic-fallacies"):
        logic_fallacies(tmp_path, cap=5)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"logic_fallacies": "no/such/folder"}, "logic_fallacies 'no/such/folder' is not a folder"),
        ({"semeval2021": "no/such/folder"}, "semeval2021 'no/such/folder' is not a folder"),
        ({"logic_fallacies_cap": 0}, "logic_fallacies_cap must be at least 1"),
        ({"crops_span_head": False}, "crops_span_head=false says how crops train: give --set crops"),
        ({"crops_epochs": 2}, "crops_epochs says when crops train: give --set crops"),
        ({"crops": 0.25, "crops_epochs": 9, "epochs": 8}, r"crops_epochs .* 0 to epochs \(8\), not 9"),
    ],
)
def test_extra_data_options_that_cannot_work_are_refused_before_any_work(options: dict, message: str) -> None:
    from propscan.train.config import TrainConfig

    with pytest.raises(DataError, match=message):
        TrainConfig(**options).validate()
