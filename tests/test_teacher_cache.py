"""The teacher's labels for distillation, kept between runs with --teacher-cache (train/teacher.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from propscan.errors import DataError
from propscan.io.ptc import load_split
from propscan.train.teacher import Teacher, teacher_outputs

UNLABELLED = ["They said the plan is evil and corrupt.\n" * 2, "Only traitors would vote for this.\n" * 3]


def _same(a: Teacher, b: Teacher) -> None:
    assert [list(s) for s in a.spans] == [list(s) for s in b.spans]
    for x, y in zip(a.spans, b.spans, strict=True):
        for key in x:
            np.testing.assert_array_equal(x[key], y[key])
    for x, y in zip(a.chars, b.chars, strict=True):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    assert a.pseudo == b.pseudo
    assert [[s.score for s in d.spans] for d in a.pseudo] == [[s.score for s in d.spans] for d in b.pseudo]


def test_labels_are_stored_reused_exactly_and_keyed_by_the_texts(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    from test_train import _corpus

    articles = load_split(_corpus(tmp_path / "corpus"), "train")
    cache = tmp_path / "cache"
    lines: list[str] = []
    first = teacher_outputs(str(tiny_model_dir), articles, UNLABELLED, lines.append, cache=cache)
    assert any("labelled in" in line for line in lines) and len(list(cache.iterdir())) == 1
    assert any(len(d.spans) for d in first.pseudo)  # the pseudo spans make the round trip too
    lines.clear()
    again = teacher_outputs(str(tiny_model_dir), articles, UNLABELLED, lines.append, cache=cache)
    assert any("reused" in line for line in lines) and not any("labelled in" in line for line in lines)
    _same(first, again)
    _same(first, teacher_outputs(str(tiny_model_dir), articles, UNLABELLED, lambda *_: None))  # no cache

    lines.clear()
    teacher_outputs(str(tiny_model_dir), articles, [*UNLABELLED, "Another text."], lines.append, cache=cache)
    assert any("labelled in" in line for line in lines) and len(list(cache.iterdir())) == 2
    assert not list(cache.glob("*.tmp"))


def test_extra_offsets_are_labelled_beside_the_gold_spans_and_key_the_cache(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    from test_train import _corpus

    articles = load_split(_corpus(tmp_path / "corpus"), "train")
    extra = [[(0, 5), (2, 9)] for _ in articles]
    cache = tmp_path / "cache"
    plain = teacher_outputs(str(tiny_model_dir), articles, [], lambda *_: None, cache=cache)
    lines: list[str] = []
    got = teacher_outputs(str(tiny_model_dir), articles, [], lines.append, cache=cache, extra=extra)
    assert any("labelled in" in line for line in lines)  # other offsets, another cache entry
    assert len(list(cache.iterdir())) == 2
    for article, spans, base in zip(articles, got.spans, plain.spans, strict=True):
        gold = {(s.start, s.end) for s in article.spans}
        assert set(spans) == gold | {(0, 5), (2, 9)}
        for key in gold:  # the gold spans' distributions do not depend on the extra offsets
            np.testing.assert_allclose(spans[key], base[key], rtol=1e-5, atol=1e-6)
        for key in [(0, 5), (2, 9)]:
            assert spans[key].shape == base[next(iter(gold))].shape
            assert abs(float(spans[key].sum()) - 1.0) < 1e-4
    lines.clear()
    again = teacher_outputs(str(tiny_model_dir), articles, [], lines.append, cache=cache, extra=extra)
    assert any("reused" in line for line in lines)
    _same(got, again)
    with pytest.raises(ValueError, match="extra offsets for 1 articles"):
        teacher_outputs(str(tiny_model_dir), articles, [], lambda *_: None, extra=extra[:1])


def test_a_damaged_cache_file_is_refused_with_the_fix(tmp_path: Path, tiny_model_dir: Path) -> None:
    from test_train import _corpus

    articles = load_split(_corpus(tmp_path / "corpus"), "train")
    cache = tmp_path / "cache"
    teacher_outputs(str(tiny_model_dir), articles, UNLABELLED, lambda *_: None, cache=cache)
    (stored,) = cache.iterdir()
    stored.write_bytes(stored.read_bytes()[:200])
    with pytest.raises(DataError, match="delete it and run again"):
        teacher_outputs(str(tiny_model_dir), articles, UNLABELLED, lambda *_: None, cache=cache)


def test_train_refuses_a_cache_without_a_teacher(tmp_path: Path) -> None:
    from propscan.train import train

    with pytest.raises(DataError, match="give --teacher MODEL too"):
        train(tmp_path, "train", tmp_path / "out", teacher_cache=tmp_path / "cache", log=lambda *_: None)
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_an_unwritable_cache_keeps_the_labels_and_leaves_nothing(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    from test_train import _corpus

    articles = load_split(_corpus(tmp_path / "corpus"), "train")
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", "utf-8")
    lines: list[str] = []
    got = teacher_outputs(str(tiny_model_dir), articles, UNLABELLED, lines.append, cache=blocker / "sub")
    assert any("not stored" in line and "not writable" in line for line in lines), lines
    _same(got, teacher_outputs(str(tiny_model_dir), articles, UNLABELLED, lambda *_: None))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "corpus"]
