"""The Ray engine, on a local Ray with 2 CPUs, writes exactly what the local engine writes."""

from __future__ import annotations

import pytest

from batch_helpers import read_output, write_jsonl
from propscan.batch import run_batch


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_engine_output_equals_local_engine_output(tmp_path, tiny_model_dir, local_ray):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", 60)
    with corpus.open("a", encoding="utf-8") as fh:  # bad records go the same way too
        fh.write('{"id": "a0003", "text": "a duplicate id"}\n{"id": "e1", "text": ""}\n{"oops": 1}\n')
    inputs = [str(corpus)]
    model = str(tiny_model_dir)
    local = run_batch(inputs, tmp_path / "local", model=model, chunk_size=7)
    ray = run_batch(inputs, tmp_path / "ray", model=model, chunk_size=7, engine="ray", workers=2)
    assert (ray.articles, ray.errors, ray.spans) == (local.articles, local.errors, local.spans)
    assert (local.articles, local.errors) == (60, 3)
    assert read_output(tmp_path / "ray") == read_output(tmp_path / "local")
    assert local_ray.is_initialized()  # the engine leaves a Ray it did not start running
