"""Noisy copies of training articles (propscan.train.noise): pure Python, no torch needed."""

from __future__ import annotations

import re

import pytest

from propscan.train.noise import noisy_copies

TEXTS = [
    "The Corrupt elites, 2019: they will destroy America!\nNobody else can stop them.",
    "Our brave soldiers fight every day; the enemy lies and lies.",
]


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+", text)


def test_copies_are_deterministic_ordered_by_copy_and_keep_what_lies_between_words() -> None:
    copies = noisy_copies(TEXTS, 2, seed=3, drop=0.2, replace=0.3)
    assert copies == noisy_copies(TEXTS, 2, seed=3, drop=0.2, replace=0.3)
    assert copies != noisy_copies(TEXTS, 2, seed=4, drop=0.2, replace=0.3)
    assert len(copies) == 4 and copies[0] != copies[2]  # all first copies, then all second ones
    for text, copy in zip(TEXTS * 2, copies, strict=True):
        assert re.sub(r"[A-Za-z]+", "", copy) == re.sub(r"[A-Za-z]+", "", text)  # digits, punctuation, lines
        vocabulary = {w.lower() for t in TEXTS for w in _words(t)}
        assert {w.lower() for w in _words(copy)} <= vocabulary
        assert len(_words(copy)) <= len(_words(text))


def test_rates_and_capitals() -> None:
    text = " ".join(["Alpha", "beta"] * 2000)
    (copy,) = noisy_copies([text], 1, seed=0, drop=0.1, replace=0.0)
    assert 0.08 < 1 - len(_words(copy)) / 4000 < 0.12
    (copy,) = noisy_copies([text], 1, seed=0, drop=0.0, replace=1.0)
    words = _words(copy)
    assert len(words) == 4000 and 0.45 < words.count("Beta") / 2000 < 0.55  # drawn by frequency
    assert all(w[0].isupper() for w in words[::2]) and all(w.islower() for w in words[1::2])
    assert noisy_copies([text], 1, seed=0, drop=0.0, replace=0.0) == [text]


def test_zero_copies_and_bad_settings() -> None:
    assert noisy_copies(TEXTS, 0, seed=1) == []
    with pytest.raises(ValueError, match="copies must be 0 or more"):
        noisy_copies(TEXTS, -1, seed=1)
    with pytest.raises(ValueError, match="sum to at most 1"):
        noisy_copies(TEXTS, 1, seed=1, drop=0.6, replace=0.5)
    with pytest.raises(ValueError, match="must be >= 0"):
        noisy_copies(TEXTS, 1, seed=1, drop=-0.1)
