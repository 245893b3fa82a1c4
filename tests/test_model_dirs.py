"""Malformed model directories whose checksums are consistent (re-made after the damage): every one
is a ModelError naming the file and the field, never a raw traceback; and SHA256SUMS in any of
sha256sum's formats is accepted."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from propscan import Detector
from propscan.errors import ModelError
from propscan.hub.checksums import sha256, write_checksums


def _config(**changes: object) -> Callable[[Path], None]:
    def change(directory: Path) -> None:
        path = directory / "config.json"
        path.write_text(json.dumps({**json.loads(path.read_text("utf-8")), **changes}), "utf-8")

    return change


def _write(name: str, data: bytes | str) -> Callable[[Path], None]:
    def write(directory: Path) -> None:
        path = directory / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())

    return write


def _truncate(name: str, keep: int) -> Callable[[Path], None]:
    return lambda directory: (directory / name).write_bytes((directory / name).read_bytes()[:keep])


def _head(**arrays: object) -> Callable[[Path], None]:
    def write(directory: Path) -> None:
        with np.load(directory / "span_head.npz") as old:
            head = {k: old[k] for k in old.files}
        head.update(arrays)
        for key in [k for k, v in head.items() if v is None]:
            del head[key]
        np.savez(directory / "span_head.npz", **head)

    return write


CASES = [
    ("config-a-list", _write("config.json", "[1, 2]"), "config.json must hold a JSON object"),
    ("threshold-a-string", _config(threshold="0.5"), "config.json: field 'threshold' must be a number"),
    (
        "threshold-above-1",
        _config(threshold=5),
        "config.json: field 'threshold' must be strictly between 0 and 1",
    ),
    ("max-tokens-below-overlap", _config(max_tokens=3, min_overlap=2), "field 'max_tokens' (3)"),
    ("cls-id-outside-vocab", _config(cls_id=10_000), "config.json: field 'cls_id' is 10000"),
    ("calibration-lengths", _config(calibration={"x": [0, 1], "y": [0]}), "field 'calibration' is malformed"),
    ("calibration-method", _config(calibration={"method": "magic"}), "calibration method 'magic'"),
    ("truncated-onnx", _truncate("model.onnx", 100), "model.onnx cannot be loaded by ONNX Runtime"),
    ("garbage-span-head", _write("span_head.npz", b"garbage" * 10), "span_head.npz is not a readable .npz"),
    ("pickled-span-head", _write("span_head.npz", b"\x80\x04K\x01."), "span_head.npz is not a readable .npz"),
    ("span-head-missing-w2", _head(w2=None), "span_head.npz lacks the array 'w2'"),
    (
        "span-head-wrong-shape",
        _head(w2=np.zeros((3, 4), np.float32)),
        "span_head.npz: the span head's shapes",
    ),
    ("span-head-nan", _head(b2=np.full(14, np.nan, np.float32)), "the array 'b2' holds NaN"),
    ("span-head-wrong-width", _head(w1=np.zeros((2, 10), np.float32)), "span_head.npz: w1 has 10 columns"),
    ("tokenizer-empty-object", _write("tokenizer.json", "{}"), "tokenizer.json is not a tokenizer"),
    ("tokenizer-not-json", _write("tokenizer.json", "xx"), "tokenizer.json is not a tokenizer"),
]


@pytest.mark.parametrize(("name", "damage", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_model_directory_is_a_model_error_naming_file_and_field(
    tiny_model_dir: Path, tmp_path: Path, name: str, damage: Callable[[Path], None], message: str
) -> None:
    directory = tmp_path / name
    shutil.copytree(tiny_model_dir, directory)
    damage(directory)
    write_checksums(directory)  # consistent checksums: only the content is wrong
    with pytest.raises(ModelError) as caught:
        Detector.load(directory).analyze("they are evil traitors and the city said a plan")
    assert message in caught.value.message and str(directory) in caught.value.message


def test_an_onnx_graph_of_the_wrong_width_is_refused_at_load(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "mixed"
    shutil.copytree(tiny_model_dir, directory)
    head = dict(np.load(directory / "span_head.npz"))
    head["w1"] = np.zeros((head["w1"].shape[0], head["w1"].shape[1] + 4), np.float32)  # hidden 9, not 8
    np.savez(directory / "span_head.npz", **head)
    write_checksums(directory)
    with pytest.raises(ModelError, match=r"model\.onnx gives token_logits of shape"):
        Detector.load(directory)


@pytest.mark.parametrize("style", ["binary", "tag", "upper-case"])
def test_sha256sums_in_every_sha256sum_format_is_accepted(
    tiny_model_dir: Path, tmp_path: Path, style: str
) -> None:
    directory = tmp_path / style
    shutil.copytree(tiny_model_dir, directory)
    names = [line.split("  ", 1)[1] for line in (directory / "SHA256SUMS").read_text("utf-8").splitlines()]
    lines = {
        "binary": [f"{sha256(directory / n)} *{n}" for n in names],  # sha256sum -b
        "tag": [f"SHA256 ({n}) = {sha256(directory / n)}" for n in names],  # sha256sum --tag
        "upper-case": [f"{sha256(directory / n).upper()}  {n}" for n in names],
    }[style]
    (directory / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert Detector.load(directory).analyze("evil traitors").spans


def test_a_short_threshold_outside_zero_and_one_is_refused() -> None:
    from propscan.errors import ModelError
    from propscan.hub.config import ModelConfig

    base = {"name": "m", "version": "1", "labels": []}
    assert ModelConfig.from_json({**base, "short_threshold": 0.7}).short_threshold == 0.7
    with pytest.raises(ModelError, match="short_threshold"):
        ModelConfig.from_json({**base, "short_threshold": 1.5})
