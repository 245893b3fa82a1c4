"""Whose voice, in a corpus: the voice columns of a batch run, `propscan stats` by voice and the
corpus browser's voice filter (FakeDetector marks evil / traitors / disaster; it finds quotations
as the Detector does)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import FakeDetector
from propscan.batch import run_batch
from propscan.batch.query import check_voices, connect
from propscan.batch.rows import schema
from propscan.errors import InputError

VOICE_ARTICLES = [  # (id, outlet, published, text): spans in quoted speech and in the author's voice
    (
        "b1",
        "Bugle",
        "2021-01-05",
        "“They are evil traitors,” said Ann Lee. The vote was on Monday.",
    ),  # 2 quoted
    ("b2", "Bugle", "2021-02-10", "Mayor Tom Reed said the plan was a disaster. An evil plan."),  # 1 + 1
    ("s1", "Star", "2021-02-11", "An evil plan and a disaster for the town, all of it."),  # 2 author
    ("s2", "Star", "2021-03-01", "Nothing happened at the harbour today."),  # none
]


@pytest.fixture
def voice_dir(tmp_path: Path) -> Path:
    feed = tmp_path / "feed.jsonl"
    rows = [{"id": i, "outlet": o, "published": p, "text": t} for i, o, p, t in VOICE_ARTICLES]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_batch([str(feed)], tmp_path / "out", detector=FakeDetector(), chunk_size=2)
    return tmp_path / "out"


def test_spans_carry_voice_and_speaker_and_articles_their_author_and_quoted_share(voice_dir):
    spans = pq.read_table(voice_dir / "spans").to_pylist()
    assert sorted((s["id"], s["text"], s["voice"], s["speaker"]) for s in spans) == [
        ("b1", "evil", "quoted", "Ann Lee"),
        ("b1", "traitors", "quoted", "Ann Lee"),
        ("b2", "disaster", "quoted", "Tom Reed"),
        ("b2", "evil", "author", None),
        ("s1", "disaster", "author", None),
        ("s1", "evil", "author", None),
    ]
    articles = {a["id"]: a for a in pq.read_table(voice_dir / "articles").to_pylist()}
    b2 = articles["b2"]
    assert (b2["spans"], b2["spans_author"], b2["spans_quoted"]) == (2, 1, 1)
    assert b2["density_author"] + b2["density_quoted"] == pytest.approx(b2["density"])
    assert (articles["b1"]["spans_author"], articles["b1"]["density_author"]) == (0, 0.0)
    assert articles["s2"]["spans_quoted"] == 0


def test_column_order_keeps_the_old_columns_where_they_were():
    assert schema("spans").names == ["id", "start", "end", "technique", "score", "text", "voice", "speaker"]
    names = schema("articles").names
    at = names.index("density")
    assert names[at + 1 : at + 5] == ["spans_author", "density_author", "spans_quoted", "density_quoted"]
    assert names[at + 5] == "n_loaded_language" and names[-1] == "text"


def _as_before_voices(root: Path, chunk: int) -> None:
    """Rewrite chunk ``chunk`` as a propscan from before voices wrote it (and reseal it)."""
    from propscan.batch.store import Store

    new = {"voice", "speaker", "spans_author", "density_author", "spans_quoted", "density_quoted"}
    for table in ("articles", "spans"):
        part = Store(root).part(table, chunk)
        old = pq.read_table(part)
        pq.write_table(old.select([n for n in old.column_names if n not in new]), part)
    Store(root).seal(chunk)


def test_an_output_with_parts_written_before_voices_reads_by_name_and_cannot_be_split(voice_dir):
    _as_before_voices(voice_dir, 0)
    db = connect(voice_dir)
    voices = dict(db.execute("SELECT id, count(voice) FROM spans GROUP BY id").fetchall())
    assert voices == {"b1": 0, "b2": 0, "s1": 2}  # the older chunk's spans read with a null voice
    (density,) = db.execute("SELECT density_author FROM articles WHERE id = 's1'").fetchone()
    assert density > 0  # the newer chunk's columns are read by name, not by position
    with pytest.raises(InputError, match=r"2 articles of .* were analysed without looking for quotations"):
        check_voices(db, voice_dir)
