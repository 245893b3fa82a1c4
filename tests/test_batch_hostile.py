"""A batch run can always be finished: poison records fail alone, every state a kill can leave is
resumed by the same command, and a damaged part is found, named and recomputed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyarrow", reason="the batch extra is not installed")

from batch_helpers import read_output, visible_files, write_jsonl
from conftest import FakeDetector
from propscan.batch import run_batch
from propscan.errors import DataError, InputError
from propscan.io.records import Record

TESTS = Path(__file__).parent


def _poison_feed(path: Path) -> Path:
    lines = [
        '{"id": "good1", "text": "evil traitors"}',
        '{"id": "sur\\ud800", "text": "evil \\udfff plan", "outlet": "\\ud801"}',
        '{"id": "nan", "text": "a disaster", "score": NaN, "w": Infinity}',
        "[" * 100_000 + "]" * 100_000,
        '{"id": "big", "text": "fine", "n": ' + "7" * 4_301 + "}",
        '{"id": "deep", "text": "fine", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "good2", "text": "more evil"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_poison_records_in_text_id_or_metadata_fail_alone_and_the_run_finishes(tmp_path):
    feed = _poison_feed(tmp_path / "feed.jsonl")
    table = tmp_path / "t.csv"
    table.write_bytes(b"id,text,outlet\nc1,evil,Star\nc2,evil,St\xffar\nc\xfe3,evil,Star\n")
    result = run_batch([str(feed), str(table)], tmp_path / "out", detector=FakeDetector(), chunk_size=3)
    out = read_output(tmp_path / "out")
    ids = sorted(row[1] for row in out["articles"])
    assert ids == ["c1", "good1", "good2", "nan", "sur\ufffd"]
    errors = {row[1]: row[3] for row in out["errors"]}
    assert set(errors) == {"feed:4", "feed:5", "feed:6", "t:2", "t:3"}
    assert "nested too deeply" in errors["feed:4"] and "'outlet' is not valid UTF-8" in errors["t:2"]
    assert result.articles + result.errors == 10
    again = run_batch([str(feed), str(table)], tmp_path / "out", detector=FakeDetector(), chunk_size=3)
    assert (again.articles, again.errors) == (result.articles, result.errors)


def test_a_record_that_cannot_be_stored_becomes_an_error_record(tmp_path, monkeypatch):
    import propscan.batch.stage as stage_module

    def readers(inputs):  # as if a reader let a lone surrogate through the input contract
        yield Record("a", "x:1", "evil")
        yield Record("b\ud800", "x:2", "bad \udfff text")
        yield Record("c", "x:3", "evil again")

    monkeypatch.setattr(stage_module, "read_inputs", readers)
    (tmp_path / "x.jsonl").write_text("", encoding="utf-8")
    result = run_batch([str(tmp_path / "x.jsonl")], tmp_path / "out", detector=FakeDetector())
    out = read_output(tmp_path / "out")
    assert sorted(r[1] for r in out["articles"]) == ["a", "c"] and result.errors == 1
    (error,) = out["errors"]
    assert error[1] == "b\ufffd" and "cannot be stored" in error[3]


@pytest.mark.parametrize(
    "leftover",
    [
        {"articles/": None, "spans/": None, "errors/": None},  # folders made, then killed
        {".run.json.4242.tmp": '{"inputs": ["/a'},  # killed while writing run.json
        {".run.json.4242.tmp": "", "articles/": None},
    ],
)
def test_a_run_killed_while_it_was_created_is_resumed_by_the_same_command(tmp_path, leftover):
    inputs = [str(write_jsonl(tmp_path / "c.jsonl", 7))]
    run_batch(inputs, tmp_path / "clean", detector=FakeDetector(), chunk_size=3)
    out = tmp_path / "out"
    out.mkdir()
    for name, content in leftover.items():
        if content is None:
            (out / name).mkdir()
        else:
            (out / name).write_text(content, encoding="utf-8")
    run_batch(inputs, out, detector=FakeDetector(), chunk_size=3)
    assert read_output(out) == read_output(tmp_path / "clean")
    assert visible_files(out) == visible_files(tmp_path / "clean") and not list(out.rglob("*.tmp"))


# Run in a fresh interpreter: it forks one child per step of the run, and each child SIGKILLs
# itself just before its Nth file-system operation (mkdir, write, fsync, rename, unlink); the
# parent then runs the same command and compares with an uninterrupted run.
KILLER = r"""
import json, os, shutil, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from batch_helpers import read_output, visible_files, write_jsonl
from conftest import FakeDetector
from propscan.batch import run_batch

os.fsync = lambda fd: None  # a kill keeps the page cache: durability is not what this checks
root = Path(sys.argv[2])
inputs = [str(write_jsonl(root / "c.jsonl", 5))]
run_batch(inputs, root / "clean", detector=FakeDetector(), chunk_size=2)
clean = read_output(root / "clean"), visible_files(root / "clean")
report = {"steps": 0, "differ": [], "failed": []}
step = 0
while True:
    step += 1
    out = root / f"out{step}"
    pid = os.fork()
    if pid == 0:
        count = [0]
        def counted(real):
            def call(*args, **kwargs):
                count[0] += 1
                if count[0] == step:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)
            return call
        for name in ("mkdir", "replace", "fsync", "unlink", "rmdir", "write"):
            setattr(os, name, counted(getattr(os, name)))
        run_batch(inputs, out, detector=FakeDetector(), chunk_size=2)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if not os.WIFSIGNALED(status):  # the run finished before its Nth operation: all steps seen
        break
    report["steps"] = step
    try:
        run_batch(inputs, out, detector=FakeDetector(), chunk_size=2)
    except Exception as exc:
        report["failed"].append(f"step {step}: {type(exc).__name__}: {exc}")
        continue
    if (read_output(out), visible_files(out)) != clean or list(out.rglob("*.tmp")):
        report["differ"].append(step)
    shutil.rmtree(out)
print(json.dumps(report))
"""


def test_a_kill_at_any_step_of_a_run_is_resumed_by_the_same_command(tmp_path):
    pytest.importorskip("pyarrow")
    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent / "src"), str(TESTS)])}
    done = subprocess.run(
        [sys.executable, "-c", KILLER, str(TESTS), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failed"] == [] and report["differ"] == []
    assert report["steps"] > 30  # the start, staging, three chunks and the finish were all cut


def _finished(tmp_path: Path) -> tuple[list[str], Path]:
    inputs = [str(write_jsonl(tmp_path / "c.jsonl", 12))]
    run_batch(inputs, tmp_path / "clean", detector=FakeDetector(), chunk_size=4)
    run_batch(inputs, tmp_path / "out", detector=FakeDetector(), chunk_size=4)
    return inputs, tmp_path / "out"


def test_a_truncated_part_is_named_by_stats_and_the_corpus_and_recomputed_by_a_rerun(tmp_path):
    inputs, out = _finished(tmp_path)
    part = out / "articles" / "part-000001.parquet"
    part.write_bytes(part.read_bytes()[:200])
    from propscan.batch.corpus import Corpus
    from propscan.batch.stats import corpus_stats

    with pytest.raises(DataError, match=r"part-000001\.parquet") as caught:
        corpus_stats(out)
    assert "run the same 'propscan batch' command again" in caught.value.message
    with pytest.raises(DataError, match=r"part-000001\.parquet"):
        Corpus(out)
    messages: list[str] = []
    detector = FakeDetector()
    result = run_batch(inputs, out, detector=detector, chunk_size=4, on_message=messages.append)
    assert len(detector.seen) == 4 and result.articles == 12  # chunk 1 alone, again
    assert len(messages) == 1 and messages[0].startswith(f"{part} has 200 bytes, not the ")
    assert messages[0].endswith("; recomputing chunk 1")
    assert read_output(out) == read_output(tmp_path / "clean")
    corpus_stats(out)


def test_a_part_altered_in_place_is_found_by_its_sha256_and_recomputed(tmp_path):
    inputs, out = _finished(tmp_path)
    part = out / "spans" / "part-000002.parquet"
    data = bytearray(part.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")  # the metadata's length, before the closing PAR1
    data[(len(data) - 8 - footer) // 2] ^= 0xFF  # a data byte: same size and footer, only the sha256 tells
    part.write_bytes(bytes(data))
    messages: list[str] = []
    run_batch(inputs, out, detector=FakeDetector(), chunk_size=4, on_message=messages.append)
    assert len(messages) == 1 and "sha256" in messages[0] and "recomputing chunk 2" in messages[0]
    assert read_output(out) == read_output(tmp_path / "clean")


def test_a_damaged_run_whose_inputs_changed_is_refused(tmp_path):
    inputs, out = _finished(tmp_path)
    (out / "errors" / "part-000000.parquet").unlink()
    write_jsonl(Path(inputs[0]), 30)
    with pytest.raises(InputError, match="changed since its run finished"):
        run_batch(inputs, out, detector=FakeDetector(), chunk_size=4)


def test_serve_with_a_damaged_corpus_names_the_file(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from propscan.cli import app
    from propscan.server import create_app

    _, out = _finished(tmp_path)
    part = out / "spans" / "part-000000.parquet"
    part.write_bytes(b"not parquet")
    result = CliRunner().invoke(app, ["serve", "--corpus", str(out)])
    assert result.exit_code != 0 and "part-000000.parquet" in result.stderr
    assert "Traceback" not in result.stderr
    # damaged while the server runs: 503 naming the file, not a 500
    part.unlink()
    run_batch([str(tmp_path / "c.jsonl")], out, detector=FakeDetector(), chunk_size=4)
    with TestClient(create_app(FakeDetector(), corpus=out), raise_server_exceptions=False) as c:
        part.write_bytes(b"not parquet")
        response = c.get("/v1/corpus/facets")
        assert response.status_code == 503 and "part-000000.parquet" in response.json()["error"]["message"]
