"""Batch runs: output tables, bad records, duplicate ids, resuming, and refusing a changed run."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from batch_helpers import read_output, visible_files, write_jsonl
from conftest import FakeDetector
from propscan.batch import run_batch
from propscan.batch.rows import COUNT_COLUMNS
from propscan.batch.store import Store
from propscan.cli import app
from propscan.errors import InputError


def _corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("They are evil traitors.", encoding="utf-8")
    (folder / "calm.txt").write_text("Nothing happened today.", encoding="utf-8")
    (folder / "blank.txt").write_text("  \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"bad \xff byte")
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "good", "text": "A second article claiming the id good."},
        {"id": "j1", "text": "What a disaster.", "outlet": "Bugle", "published": "2020-02-03"},
        {"id": "j2"},
    ]
    feed.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return [str(folder), str(feed)]


def test_every_record_lands_once_in_articles_or_errors_with_its_reason(tmp_path):
    result = run_batch(_corpus(tmp_path), tmp_path / "out", detector=FakeDetector(), chunk_size=3)
    out = tmp_path / "out"
    articles = pq.read_table(out / "articles").to_pylist()
    errors = {r["id"]: r["reason"] for r in pq.read_table(out / "errors").to_pylist()}
    assert sorted(a["id"] for a in articles) == ["calm", "good", "j1"]
    assert errors["blank"] == "empty text"
    assert "not valid UTF-8" in errors["binary"]
    assert errors["good"] == f"duplicate id, first seen at {tmp_path / 'in' / 'good.txt'}"
    assert "'text' must be a string" in errors["feed:3"]
    assert (result.articles, result.errors, result.chunks) == (3, 4, 3)
    # rows are positions in the input: each one exactly once over both tables
    failed = pq.read_table(out / "errors").to_pylist()
    rows = sorted([a["row"] for a in articles] + [r["row"] for r in failed])
    assert rows == list(range(7))


def test_articles_carry_metadata_counts_density_and_model(tmp_path):
    run_batch(_corpus(tmp_path), tmp_path / "out", detector=FakeDetector("fake-model"))
    by_id = {a["id"]: a for a in pq.read_table(tmp_path / "out" / "articles").to_pylist()}
    good, j1 = by_id["good"], by_id["j1"]
    assert good[COUNT_COLUMNS["Loaded_Language"]] == 1 and good[COUNT_COLUMNS["Name_Calling,Labeling"]] == 1
    assert good["spans"] == 2 and good["words"] == 4
    assert good["density"] == pytest.approx(len("eviltraitors") / len("Theyareeviltraitors."))
    assert (j1["outlet"], j1["published"], json.loads(j1["meta"])) == (
        "Bugle",
        "2020-02-03",
        {"outlet": "Bugle", "published": "2020-02-03"},
    )
    assert (good["model"], good["model_version"]) == ("fake-model", "0.0.0")
    spans = pq.read_table(tmp_path / "out" / "spans").to_pylist()
    assert {(s["id"], s["start"], s["end"], s["technique"], s["text"]) for s in spans} == {
        ("good", 9, 13, "Loaded_Language", "evil"),
        ("good", 14, 22, "Name_Calling,Labeling", "traitors"),
        ("j1", 7, 15, "Exaggeration,Minimisation", "disaster"),
    }


def test_a_finished_run_leaves_only_the_tables_and_its_records(tmp_path):
    run_batch(_corpus(tmp_path), tmp_path / "out", detector=FakeDetector(), chunk_size=3)
    files = visible_files(tmp_path / "out")
    assert files == sorted(
        [f"{t}/part-{k:06d}.parquet" for t in ("articles", "spans", "errors") for k in range(3)]
        + ["run.json", "summary.json"]
    )
    assert not (tmp_path / "out" / ".staging").exists()


def test_rerun_of_a_finished_run_does_no_work(tmp_path):
    inputs = _corpus(tmp_path)
    first = run_batch(inputs, tmp_path / "out", detector=FakeDetector())
    detector = FakeDetector()
    again = run_batch(inputs, tmp_path / "out", detector=detector)
    assert detector.seen == []
    assert (again.articles, again.errors, again.spans) == (first.articles, first.errors, first.spans)


def test_resume_processes_only_unfinished_chunks_and_matches_a_clean_run(tmp_path):
    inputs = [str(write_jsonl(tmp_path / "c.jsonl", 20))]
    run_batch(inputs, tmp_path / "clean", detector=FakeDetector(), chunk_size=4)
    out = tmp_path / "out"
    run_batch(inputs, out, detector=FakeDetector(), chunk_size=4)
    # undo chunks 1 and 3 as a kill would leave them: parts of one written, the other not at all,
    # the staged input back, a stray temporary file, no summary
    store = Store(out)
    (out / "summary.json").unlink()
    (out / "articles" / "part-000001.parquet").unlink()
    for table in ("articles", "spans", "errors"):
        store.part(table, 3).unlink()
    (out / "spans" / ".part-000003.parquet.123.tmp").write_bytes(b"half")
    from propscan.batch.stage import stage

    stage(store, inputs, 4)
    detector = FakeDetector()
    result = run_batch(inputs, out, detector=detector, chunk_size=4)
    assert len(detector.seen) == 8 and result.resumed_chunks == 3
    assert read_output(out) == read_output(tmp_path / "clean")
    assert not list(out.rglob("*.tmp"))


def test_resuming_with_other_parameters_is_refused_naming_them(tmp_path):
    inputs = _corpus(tmp_path)
    run_batch(inputs, tmp_path / "out", detector=FakeDetector(), chunk_size=3)
    with pytest.raises(InputError, match=r"chunk_size: 3 there, 4 now"):
        run_batch(inputs, tmp_path / "out", detector=FakeDetector(), chunk_size=4)
    with pytest.raises(InputError, match=r"threshold"):
        run_batch(inputs, tmp_path / "out", detector=FakeDetector(), chunk_size=3, token_threshold=0.75)
    with pytest.raises(InputError, match=r"min_score: None there, 0.75 now"):
        run_batch(inputs, tmp_path / "out", detector=FakeDetector(), chunk_size=3, min_score=0.75)


def test_output_directory_of_something_else_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(InputError, match="holds no propscan run"):
        run_batch(_corpus(tmp_path), tmp_path / "out", detector=FakeDetector())
    assert (tmp_path / "out" / "thesis.tex").read_text(encoding="utf-8") == "precious"


def test_stdin_unknown_engine_and_address_without_ray_are_refused(tmp_path):
    inputs = _corpus(tmp_path)
    with pytest.raises(InputError, match="cannot read '-'"):
        run_batch(["-"], tmp_path / "out", detector=FakeDetector())
    with pytest.raises(InputError, match="add --engine ray"):
        run_batch(inputs, tmp_path / "out", detector=FakeDetector(), address="auto")
    with pytest.raises(InputError, match="unknown engine 'spark'"):
        run_batch(inputs, tmp_path / "out", detector=FakeDetector(), engine="spark")


def test_local_engine_with_two_processes_gives_the_same_output(tmp_path, tiny_model_dir):
    inputs = [str(write_jsonl(tmp_path / "c.jsonl", 24))]
    run_batch(inputs, tmp_path / "one", model=str(tiny_model_dir), chunk_size=5)
    run_batch(inputs, tmp_path / "two", model=str(tiny_model_dir), chunk_size=5, workers=2)
    one, two = read_output(tmp_path / "one"), read_output(tmp_path / "two")
    assert one == two and len(one["articles"]) == 24 and one["spans"]


def test_cli_batch_reports_errors_with_exit_1_and_keeps_the_rest(tmp_path, fake_detector):
    result = CliRunner().invoke(app, ["batch", *_corpus(tmp_path), "--output", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "3 articles" in result.stdout and "4 errors" in result.stdout
    assert "reasons are in" in result.stderr
    assert len(pq.read_table(tmp_path / "out" / "articles")) == 3


def test_cli_batch_refuses_a_changed_run_with_exit_2(tmp_path, fake_detector):
    inputs = _corpus(tmp_path)
    CliRunner().invoke(app, ["batch", *inputs, "-o", str(tmp_path / "out")])
    result = CliRunner().invoke(app, ["batch", *inputs, "-o", str(tmp_path / "out"), "--chunk-size", "2"])
    assert result.exit_code == 2 and "other parameters" in result.stderr


def test_missing_batch_extra_names_the_install_line(tmp_path, monkeypatch):
    import sys

    from propscan.errors import MissingExtraError, install_line

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(MissingExtraError, match=re.escape(install_line("batch"))):
        run_batch(_corpus(tmp_path), tmp_path / "out", detector=FakeDetector(), engine="ray")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_resuming_with_a_retrained_model_of_the_same_name_is_refused(tmp_path, tiny_model_dir):
    from tiny_model import build

    other = build(tmp_path / "retrained", min_overlap=3)  # same name and version, other files
    inputs = [str(write_jsonl(tmp_path / "c.jsonl", 5))]
    run_batch(inputs, tmp_path / "out", model=str(tiny_model_dir))
    with pytest.raises(InputError, match="model_files"):
        run_batch(inputs, tmp_path / "out", model=str(other))
