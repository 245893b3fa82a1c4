"""The base-weights cache is safe to fill from several processes at once: each unpacks into a
directory of its own and the first complete copy wins (two training runs started together used
to delete each other's half-unpacked weights and fail with "its download is broken")."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest

from propscan.errors import ModelError
from propscan.hub import weights

PAYLOAD = b"not really safetensors, but bytes with a known sha256" * 1000


@pytest.fixture
def fake_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A base model 'fake' whose installed package holds ``model.zip``; the cache under tmp_path."""
    archive = tmp_path / "pkg" / "model.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fake/config.json", "{}")
        zf.writestr("fake/model.safetensors", PAYLOAD)
        zf.writestr("fake/tokenizer.json", "{}")
    base = weights.BaseModel(
        name="fake/base",
        package="fake-base-model==1.0",
        safetensors_sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        hidden=4,
        heads=1,
        layers=1,
        license="none",
        module="fake_base_model",
    )
    monkeypatch.setitem(weights.BASES, "fake", base)
    monkeypatch.setattr(weights, "_installed_zip", lambda _: archive)
    monkeypatch.setenv("PROPSCAN_HOME", str(tmp_path / "home"))
    return "fake"


def _leftovers(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "base").iterdir() if p.name.endswith(".partial"))


def test_another_process_s_half_unpacked_copy_is_left_alone(fake_base: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    theirs = home / "base" / "fake_base_model.x1y2z3.partial"  # another process, mid-unpack
    theirs.mkdir(parents=True)
    (theirs / "model.safetensors").write_bytes(PAYLOAD[:10])
    target = weights.base_dir(fake_base)
    assert (target / "model.safetensors").read_bytes() == PAYLOAD
    assert (theirs / "model.safetensors").read_bytes() == PAYLOAD[:10]  # untouched
    assert _leftovers(home) == [theirs.name]  # and ours is gone


def test_leftovers_of_killed_processes_are_cleared_after_a_day(fake_base: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    stale = home / "base" / "fake_base_model.partial"  # an older version's name
    stale.mkdir(parents=True)
    day_ago = time.time() - 90_000
    os.utime(stale, (day_ago, day_ago))
    weights.base_dir(fake_base)
    assert _leftovers(home) == []


def test_processes_filling_the_cache_at_once_all_get_the_weights(fake_base: str, tmp_path: Path) -> None:
    results: list[Path | Exception] = []
    start = threading.Barrier(6)

    def fill() -> None:
        start.wait()
        try:
            results.append(weights.base_dir(fake_base))
        except Exception as exc:  # collected and asserted below
            results.append(exc)

    threads = [threading.Thread(target=fill) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, Path) for r in results), results
    assert len(set(results)) == 1
    assert (results[0] / "model.safetensors").read_bytes() == PAYLOAD
    assert _leftovers(tmp_path / "home") == []


def test_a_broken_archive_is_named_and_leaves_nothing_behind(
    fake_base: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("fake/config.json", "{}")
    monkeypatch.setattr(weights, "_installed_zip", lambda _: broken)
    with pytest.raises(ModelError, match=r"holds no model\.safetensors"):
        weights.base_dir(fake_base)
    home = tmp_path / "home" / "base"
    assert sorted(p.name for p in home.iterdir()) == []


def test_publish_keeps_the_first_complete_copy(tmp_path: Path) -> None:
    target, first, second = tmp_path / "t", tmp_path / "a.partial", tmp_path / "b.partial"
    for d, text in ((first, "first"), (second, "second")):
        d.mkdir()
        (d / "f").write_text(text)

    def complete(d: Path) -> bool:
        return (d / "f").is_file()

    weights.publish_dir(first, target, complete)
    weights.publish_dir(second, target, complete)
    assert (target / "f").read_text() == "first"
    assert not first.exists() and not second.exists()
    # a broken copy (no f) is replaced
    (target / "f").unlink()
    third = tmp_path / "c.partial"
    third.mkdir()
    (third / "f").write_text("third")
    weights.publish_dir(third, target, complete)
    assert (target / "f").read_text() == "third"
