"""Text -> token windows with character offsets and stride.

Long texts are cut into blocks at line breaks (then whitespace) before tokenizing, so a 10 MB text
never becomes one giant encoding: memory follows the block and the window batch, not the text.
Inside a block, windows of at most ``max_tokens`` (special tokens included) overlap by at least
``min_overlap`` tokens; their starts are spread evenly so no window is a tiny leftover.
Token indices never leave this module and decode.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer

BLOCK_CHARS = 20_000  # a few dozen windows; far above a news article, far below a 10 MB text


@dataclass(frozen=True)
class Block:
    """A slice of one text, tokenized once, which windows index into."""

    start: int  # character offset of the block in the full text
    text: str
    ids: np.ndarray  # (N,) int64 token ids, no special tokens
    offsets: np.ndarray  # (N, 2) int64 character offsets into the FULL text, half-open


@dataclass(frozen=True)
class Window:
    """Tokens block.ids[lo:hi], to be wrapped in [CLS] ... [SEP] by the model."""

    block: Block
    lo: int
    hi: int

    @property
    def length(self) -> int:
        return self.hi - self.lo + 2  # with [CLS] and [SEP]


def load_tokenizer(path: str) -> Tokenizer:
    """The fast tokenizer, with truncation and padding off: windowing is our job."""
    tokenizer = Tokenizer.from_file(path)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def split_blocks(text: str, block_chars: int = BLOCK_CHARS) -> Iterator[tuple[int, str]]:
    """(start, slice) pieces of at most ~block_chars, cut after a newline or else a space."""
    pos, n = 0, len(text)
    while pos < n:
        end = min(pos + block_chars, n)
        if end < n:
            cut = text.rfind("\n", pos + block_chars // 2, end)
            if cut < 0:
                cut = text.rfind(" ", pos + block_chars // 2, end)
            if cut >= 0:
                end = cut + 1
        yield pos, text[pos:end]
        pos = end


def tokenize_block(tokenizer: Tokenizer, start: int, piece: str) -> Block:
    enc = tokenizer.encode(piece, add_special_tokens=False)
    ids = np.asarray(enc.ids, dtype=np.int64)
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2) + start
    return Block(start, piece, ids, offsets)


def window_bounds(n_tokens: int, max_content: int, min_overlap: int) -> list[tuple[int, int]]:
    """Evenly spread [lo, hi) windows of <= max_content tokens overlapping by >= min_overlap."""
    if n_tokens <= max_content:
        return [(0, n_tokens)] if n_tokens else []
    step = max_content - min_overlap
    count = -(-(n_tokens - min_overlap) // step)  # ceil
    starts = np.linspace(0, n_tokens - max_content, count).round().astype(int)
    return [(int(s), int(s) + max_content) for s in starts]


def make_windows(
    tokenizer: Tokenizer, text: str, max_tokens: int, min_overlap: int, block_chars: int = BLOCK_CHARS
) -> Iterator[Window]:
    """All windows of ``text``, block by block (a generator: nothing is held beyond one block)."""
    for start, piece in split_blocks(text, block_chars):
        block = tokenize_block(tokenizer, start, piece)
        for lo, hi in window_bounds(len(block.ids), max_tokens - 2, min_overlap):
            yield Window(block, lo, hi)


def pack(windows: list[Window], cls_id: int, sep_id: int, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Input ids and attention mask for a batch, padded to its longest window."""
    width = max(w.length for w in windows)
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)  # (B, T)
    mask = np.zeros((len(windows), width), dtype=np.int64)  # (B, T)
    for row, w in enumerate(windows):
        ids[row, 0] = cls_id
        ids[row, 1 : w.length - 1] = w.block.ids[w.lo : w.hi]
        ids[row, w.length - 1] = sep_id
        mask[row, : w.length] = 1
    return ids, mask
