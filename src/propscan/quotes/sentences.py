"""Sentence cuts that know abbreviations and quotation marks, and word tokens with offsets.

Unlike :func:`propscan.text.sentence_bounds` this keeps "Rep. Steve King" and "“Stop!” he said"
in one sentence, because an attribution is looked for in the sentence around a quote.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from .lexicon import ABBREVIATIONS

QUOTE = "\x00"  # the text of a placeholder token standing for a whole quotation
_END = re.compile(r"[.!?…]+[\"'”’)\]]*[ \t\u00a0]+(?=[\"'“‘(\[]?[^\W_a-z])|\n")
_WORD = re.compile(r"[^\W_](?:[\w’'\-]*[^\W_])?\.?|[^\w\s]")


class Token(NamedTuple):  # a tuple, not a frozen dataclass: built ~100,000 times per 100 articles
    start: int
    end: int
    text: str
    lower: str = ""  # text without a trailing period, lower-cased: what word lists are matched on

    @classmethod
    def of(cls, start: int, end: int, text: str) -> Token:
        return cls(start, end, text, text.rstrip(".").lower().replace("’", "'"))


class Sentences:
    """Sorted cut positions; sentence k covers [cuts[k], cuts[k + 1])."""

    def __init__(self, text: str) -> None:
        cuts = [0]
        for match in _END.finditer(text):
            if match.group() != "\n" and _after_abbreviation(text, match.start()):
                continue
            cuts.append(match.end())
        if cuts[-1] != len(text):
            cuts.append(len(text))
        self.cuts = cuts

    def index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.cuts, pos) - 1)

    def bounds(self, pos: int) -> tuple[int, int]:
        k = self.index(pos)
        return self.cuts[k], self.cuts[min(k + 1, len(self.cuts) - 1)]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(zip(self.cuts, self.cuts[1:], strict=False))


def _after_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != "." or (dot + 1 < len(text) and text[dot + 1] in ".!?…"):
        return False
    j = dot
    while j > 0 and not text[j - 1].isspace() and dot - j < 12:
        j -= 1
    word = text[j:dot].lstrip("\"'“‘([").lower()
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def tokens(text: str, start: int, end: int) -> list[Token]:
    """Word and punctuation tokens of text[start:end]; a word keeps one trailing period so that
    "Rep." and "J." stay whole."""
    out = []
    for match in _WORD.finditer(text, start, end):
        word = match.group()
        if (
            word.endswith(".")
            and len(word) > 1
            and word[:-1].lower() not in ABBREVIATIONS
            and not (len(word) == 2 and word[0].isupper())
        ):
            out.append(Token.of(match.start(), match.end() - 1, word[:-1]))
            out.append(Token(match.end() - 1, match.end(), ".", "."))
            continue
        out.append(Token.of(match.start(), match.end(), word))
    return out
