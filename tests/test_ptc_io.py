import json
from pathlib import Path

import pytest

from propscan.errors import DataError
from propscan.io.ptc import article_id, load_split, read_labels, read_template

TEXT_1 = "Evil plan\n\nThey are traitors.\r\nWe will win.\n"
TEXT_2 = "Calm title\n\nNothing to see here.\n"
TEXT_3 = "Third\n\nMake it great.\n"


def write_corpus(root: Path, labels: str | None = None) -> Path:
    articles = root / "train-articles"
    articles.mkdir(parents=True)
    for ident, text in (("1", TEXT_1), ("2", TEXT_2), ("30", TEXT_3)):
        # write bytes so "\r\n" reaches the file unchanged on every platform
        (articles / f"article{ident}.txt").write_bytes(text.encode("utf-8"))
    if labels is None:
        labels = "1\tName_Calling,Labeling\t20\t28\n1\tLoaded_Language\t0\t4\n\n1\tLoaded_Language\t20\t28\n"
    (root / "train-task-tc.labels").write_text(labels, encoding="utf-8")
    (root / "splits.json").write_text(json.dumps({"train": ["1", "2"], "val": ["30"]}), encoding="utf-8")
    return root


def test_load_split_reads_texts_and_sorted_gold_spans(tmp_path):
    articles = load_split(write_corpus(tmp_path), "train")
    assert [a.id for a in articles] == ["1", "2"]
    first = articles[0]
    assert first.text == TEXT_1  # "\r" kept, so offsets after it stay right
    assert [(s.start, s.end, s.technique) for s in first.spans] == [
        (0, 4, "Loaded_Language"),
        (20, 28, "Loaded_Language"),
        (20, 28, "Name_Calling,Labeling"),
    ]
    assert first.spans[1].text == "traitors"
    assert articles[1].spans == []
    doc = first.to_document()
    assert doc.meta == {"id": "1"} and doc.spans == first.spans


def test_load_split_val_and_all(tmp_path):
    root = write_corpus(tmp_path)
    assert [a.id for a in load_split(root, "val")] == ["30"]
    assert [a.id for a in load_split(root, "all")] == ["1", "2", "30"]


def test_unknown_split_names_the_valid_ones(tmp_path):
    with pytest.raises(DataError, match=r"unknown split 'dev'.*'train', 'val', 'all'"):
        load_split(write_corpus(tmp_path), "dev")


def test_missing_directory_or_files_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_split(tmp_path / "nowhere", "train")
    with pytest.raises(DataError, match="train-articles"):
        load_split(tmp_path, "train")
    root = write_corpus(tmp_path / "c")
    (root / "splits.json").unlink()
    assert len(load_split(root, "all")) == 3  # "all" needs no splits.json
    with pytest.raises(DataError, match=r"splits\.json"):
        load_split(root, "train")
    (root / "train-task-tc.labels").unlink()
    with pytest.raises(DataError, match=r"train-task-tc\.labels"):
        load_split(root, "all")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1\tLoaded_Language\t0", "line 2: expected 4"),
        ("1\tLoaded_Language\tzero\t4", "line 2: START and END must be integers"),
        ("1\tLoaded_Language\t4\t4", r"line 2: span \[4, 4\)"),
        ("1\tPropaganda\t0\t4", "line 2: unknown technique 'Propaganda'"),
        ("2\tDoubt\t0\t999", r"line 2: span \[0, 999\) ends past the end of article2\.txt"),
        ("7\tDoubt\t0\t4", "line 2: article 7 is not in"),
    ],
)
def test_bad_label_row_names_file_and_line(tmp_path, row, message):
    root = write_corpus(tmp_path, "1\tLoaded_Language\t0\t4\n" + row + "\n")
    with pytest.raises(DataError, match=message) as info:
        load_split(root, "all")
    assert "train-task-tc.labels" in str(info.value)


def test_split_listing_a_missing_article(tmp_path):
    root = write_corpus(tmp_path)
    (root / "splits.json").write_text(json.dumps({"train": ["1", "99"]}), encoding="utf-8")
    with pytest.raises(DataError, match=r"article99\.txt"):
        load_split(root, "train")


def test_read_labels_and_template(tmp_path):
    labels = tmp_path / "gold.labels"
    labels.write_text("5\tDoubt\t3\t9\n\n6\tSlogans\t0\t2\n", encoding="utf-8")
    assert read_labels(labels) == [("5", 3, 9, "Doubt"), ("6", 0, 2, "Slogans")]
    template = tmp_path / "template.labels"
    template.write_text("5\t?\t3\t9\n6\tDoubt\t0\t2\n", encoding="utf-8")
    assert read_template(template) == [("5", 3, 9), ("6", 0, 2)]
    template.write_text("5\t?\t3\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1"):
        read_template(template)
    with pytest.raises(DataError, match="does not exist"):
        read_template(tmp_path / "missing.labels")


def test_article_id_from_file_name():
    assert article_id("some/dir/article111111111.txt") == "111111111"
    assert article_id(Path("notes.txt")) == "notes"


def test_split_size_counts_articles_and_is_zero_when_unknown(tmp_path) -> None:
    from propscan.io.ptc import split_size

    (tmp_path / "train-articles").mkdir()
    for ident in ("1", "2", "3"):
        (tmp_path / "train-articles" / f"article{ident}.txt").write_text("x", "utf-8")
    (tmp_path / "splits.json").write_text('{"train": ["1", "2"], "val": ["3"]}', "utf-8")
    assert split_size(tmp_path, "train") == 2
    assert split_size(tmp_path, "all") == 3
    assert split_size(tmp_path, "nope") == 0
    assert split_size(tmp_path / "missing", "val") == 0
