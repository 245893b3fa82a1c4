"""The command line at the edges: pipes that close early, addresses it does not fetch, warnings."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import propscan.cli
from propscan.cli import app


def run(*args, input=None):
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "article222.txt").write_text("A total disaster.\n", encoding="utf-8")
    return folder


def test_analyze_names_a_url_of_another_scheme_as_such_not_as_a_missing_file(fake_detector, articles):
    result = run("analyze", "ftp://host/x", articles / "article222.txt", "--format", "ptc")
    assert result.exit_code == 1
    assert "ftp://host/x: a ftp:// address" in result.stderr and "http:// and https://" in result.stderr
    assert "ftp:/host/x" not in result.stderr.replace("ftp://", "")  # not mangled into a path
    assert result.stdout == "222\tExaggeration,Minimisation\t8\t16\n"


def test_analyze_piped_into_head_exits_quietly(tiny_model_dir, tmp_path):
    feed = tmp_path / "many.jsonl"
    feed.write_text("".join(json.dumps({"text": f"The evil plan number {i}."}) + "\n" for i in range(3000)))
    script = "import sys; from propscan.cli import main; sys.argv = ['propscan', *sys.argv[1:]]; main()"
    args = [sys.executable, "-c", script, "analyze", str(feed), "--model", str(tiny_model_dir), "-f", "jsonl"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout.readline().startswith(b"{")  # what `head -1` reads, then it closes the pipe
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141  # 128 + SIGPIPE, as Unix tools do
    assert "error" not in err.decode() and "Broken pipe" not in err.decode()


def test_analyze_prints_each_documents_warnings_on_stderr_for_data_formats(monkeypatch, tmp_path):
    from conftest import CheckedDetector

    monkeypatch.setattr(propscan.cli.common, "load_detector", lambda model: CheckedDetector())
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": f"n{i}", "text": "They are evil."}) + "\n" for i in range(8)))
    result = run("analyze", feed, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert all(d["meta"]["warnings"][0]["code"] == "W-SHORT" for d in json.loads(result.stdout))
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 6 and lines[0].startswith(f"warning: {feed}:1: a short text (3 words)")
    assert "3 more input(s) have warnings" in lines[-1]
    text = run("analyze", feed, "-f", "text")
    assert text.stderr == "" and text.stdout.count("warning: a short text") == 8
