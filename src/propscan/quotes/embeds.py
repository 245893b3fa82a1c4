"""Quotations that need no speech verb: embedded posts and headline attributions.

An embedded post ends in a signature, `— Name (@handle) Month D, YYYY` (Twitter) or `Posted by
Name on Weekday, Month D, YYYY` (Facebook); the post is the text before it, taken line by line
backwards while it still fits a post (``POST_CHARS`` characters, links not counted) and stopping
at the author's lead-in (a line ending in a colon or an ellipsis), at another post, or at a line
without a letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import NOT_NAMES, ROLE_NOUNS
from .names import clean_name, is_capitalised

POST_CHARS = 280
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_TWEET = re.compile(
    r"[—–]|(?<=\s)-{1,2}(?=\s)"  # the dash that opens a signature
)
_SIGNATURE = re.compile(
    r"[ \t]*(?P<name>[^\n—–()@]{1,80}?)[ \t]*\n?[ \t]*\(@\w{1,30}\)[ \t]*(?:"
    + _MONTH
    + r"[ \t]+\d{1,2},?[ \t]+\d{4})?"
)
_FACEBOOK = re.compile(
    r"Posted by (?P<name>[^\n]{2,60}?) on (?:[A-Z][a-z]+day, )?" + _MONTH + r" \d{1,2}, \d{4}"
)
_SENTENCE = re.compile(r"[.!?…][\"'”’)]*\s+(?=[\"“‘(]?[A-Z#@])")
_LINK = re.compile(r"(?:https?://|pic\.twitter\.com/)\S*")
_COLON = re.compile(r":(?=[ \t])")


@dataclass(frozen=True)
class Post:
    start: int  # the post's content
    end: int
    name: str
    name_start: int
    name_end: int


def find_posts(text: str) -> list[Post]:
    """Embedded posts, sorted by start."""
    posts: list[Post] = []
    signatures = []
    for dash in _TWEET.finditer(text):
        sig = _SIGNATURE.match(text, dash.end())
        if sig is not None:
            signatures.append((dash.start(), sig))
    for sig in _FACEBOOK.finditer(text):
        signatures.append((sig.start(), sig))
    signatures.sort(key=lambda item: item[0])
    floor = 0  # a post never reaches back into the previous one
    for cut, sig in signatures:
        name_start, name_end = _strip_name(text, sig.start("name"), sig.end("name"))
        if name_start >= name_end:
            continue
        start = _post_start(text, cut, floor)
        end = cut
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        if start < end and any(ch.isalnum() for ch in text[start:end]):
            posts.append(Post(start, end, text[name_start:name_end], name_start, name_end))
        floor = sig.end()
    return posts


def _strip_name(text: str, start: int, end: int) -> tuple[int, int]:
    """The display name without emoji, question marks and other decoration."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ".’'":
        end -= 1
    return start, end


def _post_start(text: str, cut: int, floor: int) -> int:
    line_start = text.rfind("\n", floor, cut) + 1
    start = max(line_start, floor)
    while _visible(text[start:cut]) > POST_CHARS:  # the post shares its line with the author's text
        boundary = _SENTENCE.search(text, start, cut)
        if boundary is None:
            break
        start = boundary.end()
    budget = POST_CHARS - _visible(text[start:cut])
    while start > floor and start > 0:
        prev_start = max(text.rfind("\n", floor, start - 1) + 1, floor)
        line = text[prev_start : start - 1]
        stripped = line.strip()
        if (
            not any(ch.isalpha() for ch in stripped)
            or stripped.endswith((":", "…", "..."))
            or _visible(line) > budget
        ):
            break
        budget -= _visible(line)
        start = prev_start
    return start


def _visible(line: str) -> int:
    return len(_LINK.sub("", line).strip())


@dataclass(frozen=True)
class Headline:
    start: int  # the quoted part (the text after the colon)
    end: int
    prefix_start: int
    prefix_end: int
    name: str | None  # a name when the prefix is one, None for a description ("Crash Witness")
    role: bool  # the prefix ends in a role noun: its person is the body's first named speaker


def headlines(text: str) -> list[Headline]:
    """`Name: text` or `Role: text` in the first line of a text that has a body below it. With
    several colons (`Exclusive Video: Council Staffer: “…”`) every segment before a colon that
    may name a speaker is a candidate, the one nearest the quoted text first."""
    end = text.find("\n")
    if end < 0 or end > 300:
        return []
    found: list[Headline] = []
    segment_start = 0
    for colon in _COLON.finditer(text, 0, end):
        prefix_start, prefix_end = _strip(text, segment_start, colon.start())
        segment_start = colon.end()
        words = text[prefix_start:prefix_end].split()
        if not words or len(words) > 5 or words[0].lower() in NOT_NAMES:
            continue
        role = words[-1].lower().rstrip(".") in ROLE_NOUNS
        names = words[:-1] if role else words  # "German cardinal": a lower-case role may end it
        if not all(is_capitalised(w) or w.lower() in {"of", "de", "van", "von", "al"} for w in names):
            continue
        rest_start, rest_end = _strip(text, colon.end(), end)
        if rest_start < rest_end:
            name = None if role else " ".join(clean_name(words)) or None
            found.append(Headline(rest_start, rest_end, prefix_start, prefix_end, name, role))
    return found[::-1]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
