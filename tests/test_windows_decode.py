"""Windowing and decoding, with no model: token runs, span widening/trimming, block splitting."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from propscan.engine.decode import BlockScores, char_span, token_range, token_runs
from propscan.engine.windows import Block, split_blocks, window_bounds
from propscan.text import sentence_bounds, trim


@pytest.mark.parametrize(
    ("n", "size", "overlap", "expected"),
    [
        (0, 6, 2, []),
        (5, 6, 2, [(0, 5)]),
        (6, 6, 2, [(0, 6)]),
        (10, 6, 2, [(0, 6), (4, 10)]),  # one step of 4 reaches the end exactly
        (11, 6, 2, [(0, 6), (2, 8), (5, 11)]),  # spread evenly, overlaps >= 2
    ],
)
def test_window_bounds_cover_every_token_with_the_minimum_overlap(n, size, overlap, expected) -> None:
    bounds = window_bounds(n, size, overlap)
    assert bounds == expected
    covered = set()
    for lo, hi in bounds:
        covered |= set(range(lo, hi))
    assert covered == set(range(n))
    assert all(b[0] <= a[1] - overlap for a, b in pairwise(bounds))


def test_split_blocks_cuts_after_newlines_and_keeps_every_character() -> None:
    text = "".join(f"line {i} of the text\n" for i in range(500))
    pieces = list(split_blocks(text, block_chars=1000))
    assert "".join(p for _, p in pieces) == text
    assert all(p.endswith("\n") for _, p in pieces)
    assert all(text[s : s + len(p)] == p for s, p in pieces)
    assert max(len(p) for _, p in pieces) <= 1000


def test_token_runs_bridge_small_gaps_only() -> None:
    p = np.array([0.9, 0.8, 0.1, 0.9, 0.1, 0.1, 0.1, 0.7, 0.2])
    assert [(lo, hi) for lo, hi, _ in token_runs(p, 0.5, bridge=1)] == [(0, 4), (7, 8)]
    assert [(lo, hi) for lo, hi, _ in token_runs(p, 0.5, bridge=0)] == [(0, 2), (3, 4), (7, 8)]
    _, _, mean = token_runs(p, 0.5, bridge=0)[0]
    assert mean == pytest.approx(0.85)
    assert token_runs(p, 0.95, bridge=2) == []


def _block(text: str, offsets: list[tuple[int, int]]) -> Block:
    return Block(0, text, np.arange(len(offsets)), np.array(offsets))


def test_char_span_widens_subwords_to_words_and_trims_punctuation() -> None:
    text = 'He said "unbelievably stupid!" today.'
    # tokens: "un" "##believ" "##ably" "stupid" "!" '"'
    block = _block(text, [(9, 11), (11, 17), (17, 21), (22, 28), (28, 29), (29, 30)])
    assert char_span(text, block, 1, 6) == (9, 28)  # starts mid-word -> whole word; drops !"
    assert text[9:28] == "unbelievably stupid"
    assert char_span(text, block, 4, 6) is None  # only punctuation


def test_token_range_maps_characters_to_overlapping_tokens() -> None:
    block = _block("abc def ghi", [(0, 3), (4, 7), (8, 11)])
    assert token_range(block, 4, 7) == (1, 2)
    assert token_range(block, 2, 9) == (0, 3)
    assert token_range(block, 3, 4) == (1, 2)  # only the space: the nearest token


def test_merged_probs_average_overlapping_windows_and_pool_picks_covering_window() -> None:
    block = _block("a b c d", [(0, 1), (2, 3), (4, 5), (6, 7)])
    out = BlockScores(
        block,
        ((0, 3), (1, 4)),
        (np.full((3, 2), 0.2, np.float32), np.full((3, 2), 0.8, np.float32)),
        (np.zeros((5, 1), np.float32), np.ones((5, 1), np.float32)),
    )
    merged = out.merged_probs()
    assert merged[0, 0] == pytest.approx(0.2) and merged[3, 0] == pytest.approx(0.8)
    assert 0.2 < merged[1, 0] < 0.8
    vector = out.pool(3, 4, 0, 4)  # token 3 is only in the second window: [cls, mean, max, context]
    assert vector.tolist() == [1.0, 1.0, 1.0, 1.0]


def test_trim_and_sentence_bounds() -> None:
    assert trim(' "Hello, world!" ', 0, 17) == (2, 14)
    assert trim("...", 0, 3) == (3, 3)
    text = "Title here\n\nFirst one. Second one!  Third?\nLast"
    assert [text[s:e] for s, e in sentence_bounds(text)] == [
        "Title here",
        "First one.",
        "Second one!",
        "Third?",
        "Last",
    ]
