"""A batch run killed with SIGKILL mid-way and started again equals a run that was never killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from batch_helpers import read_output, visible_files, write_jsonl
from propscan.batch import run_batch

CLI = "from propscan.cli import main; main()"


def _start(inputs: list[str], out: Path, model: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", CLI, "batch", *inputs, "-o", str(out), "--model", str(model)]
    command += ["--chunk-size", "3"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_9_mid_run_then_rerun_equals_an_uninterrupted_run(tmp_path, tiny_model_dir):
    inputs = [str(write_jsonl(tmp_path / "corpus.jsonl", 300))]
    chunks = 100
    out = tmp_path / "killed"
    process = _start(inputs, out, tiny_model_dir)
    third = out / "articles" / "part-000002.parquet"
    deadline = time.monotonic() + 60
    while not third.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    done = len(list((out / "articles").glob("part-*.parquet")))
    assert 3 <= done < chunks, f"killed after {done} of {chunks} chunks: not mid-way"
    assert not (out / "summary.json").exists()

    rerun = _start(inputs, out, tiny_model_dir)
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr.decode()
    assert b"resuming" in stderr

    run_batch(inputs, tmp_path / "clean", model=str(tiny_model_dir), chunk_size=3)
    killed, clean = read_output(out), read_output(tmp_path / "clean")
    assert killed == clean
    assert len(clean["articles"]) == 300 and clean["spans"]
    assert len({row[1] for row in killed["articles"]}) == 300  # every id once
    assert visible_files(out) == visible_files(tmp_path / "clean")
