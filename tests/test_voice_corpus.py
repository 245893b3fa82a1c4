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


def test_stats_compare_outlets_on_the_author_voice_with_quoted_speech_beside(voice_dir):
    from propscan.batch.stats import corpus_stats

    stats = corpus_stats(voice_dir, by="outlet")
    assert stats.voice == "author" and stats.voiced
    bugle = {row["group"]: row for row in stats.rates}["Bugle"]
    words = bugle["words"]
    assert bugle["spans_per_1000"] == pytest.approx(1000 * 1 / words)  # b2's "evil" only
    assert bugle["Name_Calling,Labeling"] == 0.0  # "traitors" is Ann Lee's word, not the Bugle's
    quoted = {row["group"]: row for row in stats.quoted_rates}["Bugle"]
    assert quoted["spans_per_1000"] == pytest.approx(1000 * 3 / words)
    assert quoted["Name_Calling,Labeling"] == pytest.approx(1000 / words)
    voices = {row["group"]: row for row in stats.voices}
    rates = voices["Bugle"]["spans_per_1000"]
    assert rates["author"] + rates["quoted"] == pytest.approx(rates["all"])
    assert voices["Bugle"]["quoted_share"] == 0.75 and voices["Star"]["quoted_share"] == 0.0
    assert voices["Star"]["density"]["author"] == pytest.approx(voices["Star"]["density"]["all"])
    assert sum(r["articles"] for r in stats.histogram) == sum(r["quoted"] for r in stats.histogram) == 4
    assert {(r["text"], r["count"]) for r in stats.top_spans} == {("evil", 2)}  # b2 and s1, not b1
    january = stats.trend[0]
    assert january["month"] == "2021-01" and january["spans_per_1000"] == 0.0
    assert january["by_voice"]["quoted"] == january["by_voice"]["all"] > 0


def test_stats_of_one_voice_and_of_all_spans(voice_dir):
    from propscan.batch.stats import corpus_stats

    quoted = corpus_stats(voice_dir, voice="quoted", min_count=1)
    assert quoted.voice == "quoted" and quoted.voices == [] and quoted.quoted_rates == []
    assert {r["text"] for r in quoted.top_spans} == {"evil", "traitors", "disaster"}
    every = corpus_stats(voice_dir, voice="all")
    bugle = {row["group"]: row for row in every.rates}["Bugle"]
    assert bugle["spans_per_1000"] == pytest.approx(1000 * 4 / bugle["words"])
    assert "quoted" not in every.histogram[0] and "by_voice" not in every.trend[0]
    with pytest.raises(InputError, match="unknown voice 'narrator'; use one of: author, quoted, all"):
        corpus_stats(voice_dir, voice="narrator")


def test_stats_of_an_output_without_voices_count_every_span_and_refuse_a_voice(voice_dir):
    from propscan.batch.stats import corpus_stats

    _as_before_voices(voice_dir, 0)
    _as_before_voices(voice_dir, 1)
    stats = corpus_stats(voice_dir)
    assert (stats.voice, stats.voiced, stats.voices) == ("all", False, [])
    with pytest.raises(InputError, match="without looking for quotations"):
        corpus_stats(voice_dir, voice="author")


def test_cli_stats_says_which_voice_it_compares_and_refuses_a_bad_voice(voice_dir, tmp_path):
    from typer.testing import CliRunner

    from propscan.cli import app

    runner = CliRunner()
    report = tmp_path / "stats.html"
    shown = runner.invoke(app, ["stats", str(voice_dir), "--html", str(report)], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.stderr
    assert "compared on the author's voice" in shown.stdout and "Whose words, by outlet" in shown.stdout
    assert "Spans per 1,000 words by outlet, the author's voice" in shown.stdout
    page = report.read_text("utf-8")
    assert "Technique mix, outlets compared on the author&#x27;s voice" in page and page.count("<svg") == 4
    assert "Technique mix, quoted speech" in page  # the second panel of the mix plot
    one = runner.invoke(app, ["stats", str(voice_dir), "--voice", "quoted"], env={"COLUMNS": "120"})
    assert "by outlet, quoted speech" in one.stdout and "Whose words" not in one.stdout
    bad = runner.invoke(app, ["stats", str(voice_dir), "--voice", "nonsense"], env={"COLUMNS": "200"})
    assert bad.exit_code == 2 and "'author', 'quoted', 'all'" in bad.stderr
    _as_before_voices(voice_dir, 0)
    old = runner.invoke(app, ["stats", str(voice_dir), "--voice", "author"])
    assert old.exit_code == 2 and "without looking for quotations" in old.stderr


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"voice": "author"}, ["s1", "b2"]),
        ({"voice": "quoted"}, ["b2", "b1"]),
        ({"voice": "author", "technique": "Exaggeration,Minimisation"}, ["s1"]),  # b2's is the mayor's
        ({"voice": "quoted", "technique": "Exaggeration,Minimisation"}, ["b2"]),
        ({"voice": "author", "outlet": "Bugle"}, ["b2"]),
    ],
)
def test_the_corpus_filters_articles_by_the_voice_of_their_spans(voice_dir, filters, expected):
    from propscan.batch.corpus import Corpus, Filters

    assert [a["id"] for a in Corpus(voice_dir).search(Filters(**filters)).articles] == expected


def test_a_corpus_article_opens_with_its_voices_speakers_and_quotations(voice_dir):
    from propscan.batch.corpus import Corpus

    corpus = Corpus(voice_dir)
    assert corpus.facets()["voices"] is True
    doc = corpus.document("b2")
    assert [(s.text, s.voice, s.speaker) for s in doc.spans] == [
        ("disaster", "quoted", "Tom Reed"),
        ("evil", "author", None),
    ]
    assert [(doc.text[q.start : q.end], q.speaker) for q in doc.quotes] == [
        ("the plan was a disaster", "Tom Reed")
    ]


def test_the_voice_filter_refuses_a_bad_voice_and_an_output_without_voices(voice_dir):
    from propscan.batch.corpus import Corpus, Filters

    with pytest.raises(InputError, match="unknown voice 'mine'; use one of: author, quoted"):
        Filters(voice="mine")
    _as_before_voices(voice_dir, 0)
    corpus = Corpus(voice_dir)
    assert corpus.facets()["voices"] is False
    with pytest.raises(InputError, match="without looking for quotations"):
        corpus.search(Filters(voice="author"))
    old = corpus.document("b1")  # written before voices: shown as it was, without quotations
    assert {s.voice for s in old.spans} == {None} and old.quotes == []


@pytest.fixture
def client(voice_dir):
    pytest.importorskip("fastapi", reason="needs the server extra")
    from fastapi.testclient import TestClient

    from propscan.server import create_app

    return TestClient(create_app(FakeDetector(), corpus=voice_dir))


def test_the_corpus_api_and_page_filter_by_voice_and_answer_422_to_a_bad_one(client):
    found = client.get("/v1/corpus/articles", params={"voice": "quoted", "technique": "Loaded_Language"})
    assert [a["id"] for a in found.json()["articles"]] == ["b1"]
    bad = client.get("/v1/corpus/articles", params={"voice": "narrator"})
    assert bad.status_code == 422 and "use one of: author, quoted" in bad.json()["error"]["message"]
    page = client.get("/corpus", params={"voice": "author"})
    assert page.status_code == 200 and "<select name='voice'>" in page.text
    assert "<option value='author' selected>" in page.text
    assert "Articles with spans in the author&#x27;s own words: 1–2 of 2." in page.text
    assert client.get("/corpus", params={"voice": "narrator"}).status_code == 422
    article = client.get("/v1/corpus/articles/b1").json()
    assert article["quotes"][0]["speaker"] == "Ann Lee" and article["spans"][0]["voice"] == "quoted"
    link = client.get("/corpus", params={"voice": "quoted"}).text
    assert "back=voice%3Dquoted" in link  # an article opened from the list goes back to it
