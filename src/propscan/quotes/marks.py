"""Quotation marks: tell them from apostrophes, pair them, and bound the damage of stray ones.

A pair is (open, close, closed): the content lies in text[open + 1 : close]. An unclosed quote
ends at the end of its own line (``closed`` False), so a stray mark never swallows the article.
A quote may run over several lines when its closing mark comes within ``MAX_LINES`` lines (PTC
articles hold one sentence per line) but never over a blank line; by news convention a quote left
open at a paragraph end stops there when the next paragraph opens with a quotation mark.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MARKS = re.compile(r"[\"“”„‟«»'‘’‛‹›]")
DOUBLE = frozenset('"“”„‟«»')
OPENERS = frozenset("“„‟«‘‛‹")
CLOSERS = frozenset("”»’›")
MAX_LINES = 12  # a closing mark further down is taken for a stray one
MAX_CHARS = 4000
MAX_SINGLE_LINES = 3  # single quotes are more often apostrophes: keep their reach short
MAX_NESTING = 3
MAX_REOPEN_LINES = 4  # a paragraph left open may hold this many more lines
_BLANK = re.compile(r"\n[ \t\u00a0]*(?=\n)")
_CLOSE_FOLLOW = frozenset(".,;:!?)]}…-–—/*")
_OPEN_PRECEDE = frozenset("([{/-–—:*")
_DECADE = re.compile(r"\d\d(?!\d)")  # the ’90s, ’08; but ‘9 Steps’ is a quote
_ELISIONS = re.compile(r"(?i)(?:em|til|cause|cos|tis|twas|bout|round|n)\b")

OPEN, CLOSE, AMBIGUOUS = 1, 2, 3


@dataclass(frozen=True)
class Pair:
    open: int  # index of the opening mark
    close: int  # index of the closing mark, or the end of the line for an unclosed quote
    closed: bool
    double: bool


def find_pairs(text: str, line_ends: list[int]) -> list[Pair]:
    """Top-level quotation pairs, sorted; a pair inside another one (a nested quote) is dropped.

    ``line_ends`` holds the index of every newline, ascending (see :func:`line_ends`).
    """
    doubles: list[tuple[int, int]] = []
    singles: list[tuple[int, int]] = []
    for match in MARKS.finditer(text):
        i = match.start()
        role = _role(text, i)
        if role:
            (doubles if text[i] in DOUBLE else singles).append((i, role))
    return _outermost(_pair(text, doubles, line_ends), _pair_singles(text, singles, line_ends))


def line_ends(text: str) -> list[int]:
    return [m.start() for m in re.finditer("\n", text)]


def _role(text: str, i: int) -> int:
    ch = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    space_before = prev.isspace() or prev in _OPEN_PRECEDE or prev in OPENERS or prev == '"'
    space_after = nxt.isspace() or nxt in _CLOSE_FOLLOW or nxt in CLOSERS or nxt == '"'
    if ch in "'‘’‛":
        if prev.isalnum() and nxt.isalnum():
            return 0  # don't, O’Neill, Smith‘s
        if space_before and (_DECADE.match(text, i + 1) or _ELISIONS.match(text, i + 1)):
            return 0  # the ’90s, ’em, the opening half of rock ’n’ roll
        if prev == "n" and i >= 2 and text[i - 2] in "'‘’" and not nxt.isalnum():
            return 0  # the closing half of ’n’
    if ch in OPENERS:
        # “word“ followed by a space is a closer typed with the wrong mark
        return CLOSE if ch != "‘" and space_after and not space_before else OPEN
    if ch in CLOSERS:
        # ”word after a space or a line break is an opener typed with the wrong mark
        return OPEN if ch == "”" and space_before and not space_after else CLOSE
    # straight marks: the context decides, the pairing resolves the rest
    if space_before and not space_after:
        return OPEN
    if space_after and not space_before:
        return CLOSE
    return AMBIGUOUS


def _line_of(pos: int, ends: list[int], hint: int) -> int:
    """Index of the line holding pos, searching forward from hint (marks come in order)."""
    while hint < len(ends) and ends[hint] < pos:
        hint += 1
    return hint


def _line_end(line: int, ends: list[int], length: int) -> int:
    return ends[line] if line < len(ends) else length


def _at_line_start(text: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and text[j] in " \t\u00a0":
        j -= 1
    return j < 0 or text[j] == "\n"


def _pair(text: str, marks: list[tuple[int, int]], ends: list[int]) -> list[Pair]:
    pairs: list[Pair] = []
    blanks = [m.start() for m in _BLANK.finditer(text)]  # paragraph breaks: hard stops
    stack: list[int] = []  # open marks of the current line; stack[0] is the outer quote
    stack_line = -1
    hint = 0
    n = len(text)
    for pos, role in marks:
        line = hint = _line_of(pos, ends, hint)
        if stack and line != stack_line:
            outer = stack[0]
            own_end = _line_end(stack_line, ends, n)
            b = bisect.bisect_right(blanks, outer)
            limit = min(
                blanks[b] if b < len(blanks) else n,
                _line_end(stack_line + MAX_LINES, ends, n),
                outer + MAX_CHARS,
            )
            reopens = role in (OPEN, AMBIGUOUS)
            if reopens and _at_line_start(text, pos):
                # news convention: the quote ran to the paragraph end and this mark reopens
                stop = min(ends[line - 1], limit)
                if line - stack_line > MAX_REOPEN_LINES:
                    stop = own_end
                pairs.append(Pair(outer, stop, False, True))
                stack, stack_line = [pos], line
            elif reopens or pos > limit:
                pairs.append(Pair(outer, own_end, False, True))  # a stray opener: bounded
                stack, stack_line = ([pos], line) if role == OPEN else ([], -1)
            else:
                pairs.append(Pair(outer, pos, True, True))
                stack = []
            continue
        if role == OPEN or (role == AMBIGUOUS and not stack):
            if not stack:
                stack, stack_line = [pos], line
            elif len(stack) < MAX_NESTING:
                stack.append(pos)
        elif stack:  # a closing (or ambiguous) mark closes the innermost open quote
            opened = stack.pop()
            if not stack:
                pairs.append(Pair(opened, pos, True, True))
    if stack:
        pairs.append(Pair(stack[0], _line_end(stack_line, ends, n), False, True))
    return pairs


def _pair_singles(text: str, marks: list[tuple[int, int]], ends: list[int]) -> list[Pair]:
    """An opening single mark pairs with the last closing candidate before the next opening one,
    so the apostrophe of ‘Jones’ car is red,’ is skipped; closers without an opener are apostrophes."""
    pairs: list[Pair] = []
    hint = 0
    i = 0
    while i < len(marks):
        pos, role = marks[i]
        if role == CLOSE:
            i += 1
            continue
        line = hint = _line_of(pos, ends, hint)
        last_close = -1
        j = i + 1
        while j < len(marks):
            cpos, crole = marks[j]
            if crole == OPEN or (crole == AMBIGUOUS and last_close >= 0 and _opens(text, cpos)):
                break
            if _line_of(cpos, ends, line) - line > MAX_SINGLE_LINES:
                break
            last_close = j
            j += 1
        if last_close >= 0:
            pairs.append(Pair(pos, marks[last_close][0], True, False))
            i = last_close + 1
        else:
            i = j if j > i + 1 else i + 1
    return pairs


def _opens(text: str, pos: int) -> bool:
    prev = text[pos - 1] if pos > 0 else " "
    return prev.isspace() or prev in _OPEN_PRECEDE


def _outermost(doubles: list[Pair], singles: list[Pair]) -> list[Pair]:
    """Double pairs stand (the pairing keeps them apart); a single pair that overlaps a double one
    is nested in it, or a misread apostrophe, and is dropped."""
    kept = list(doubles)
    k = 0
    for pair in singles:
        while k < len(doubles) and doubles[k].close < pair.open:
            k += 1
        if k < len(doubles) and doubles[k].open <= pair.close:
            continue
        kept.append(pair)
    kept.sort(key=lambda p: p.open)
    return kept
