"""find_quotes: direct quotations, embedded posts, headline attributions and indirect speech,
with speakers, in one pass over an article."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..errors import InvalidSpanError
from .attribution import Attribution, Regions, find_attribution
from .clauses import Reported
from .embeds import Post, find_posts, headlines
from .indirect import find_reported
from .marks import Pair, find_pairs, line_ends
from .names import Mention, NameIndex, fold, organisation
from .quote import Quote
from .resolve import Resolver, Speaker
from .sentences import Sentences
from .subjects import opening_subject

SCARE_MAX_WORDS = 4  # an unattributed quote of up to this many words is the author's voice
CONTINUE_LINES = 2  # a quote this close below an attributed one continues its speaker
_WORDS = re.compile(r"[^\W_]+(?:[’'\-][^\W_]+)*")
_NAMING = re.compile(
    r"(?i)(?:so[- ]called|the (?:word|words|term|phrase|label|slogan)|dubbed|nicknamed|titled"
    r"|entitled|known as|headlined)\s*$"
)


@dataclass
class _Direct:
    start: int  # content
    end: int
    zone: tuple[int, int]  # content and marks
    attribution: Attribution | None = None
    inherit: bool = False  # continues the speaker of the attribution just before it
    speaker: Speaker | None = None
    fixed: Speaker | None = None  # a post's signature names its speaker outright


def find_quotes(text: str) -> list[Quote]:
    """Direct and indirect quotations of ``text`` with their speakers, sorted by start.

    Never raises on a str: every returned quote satisfies 0 <= start < end <= len(text).
    """
    if not isinstance(text, str):
        raise InvalidSpanError(f"find_quotes needs a str, got {type(text).__name__}")
    if not text.strip():
        return []
    ends = line_ends(text)
    title_end = ends[0] if ends and ends[0] <= 300 else 0
    sentences = Sentences(text)
    pairs = find_pairs(text, ends)
    posts = find_posts(text)
    all_zones = sorted({_zone(p) for p in pairs} | {(p.start, p.end) for p in posts})
    regions = Regions(text, all_zones)
    reported = find_reported(regions, sentences, title_end)
    reported_lines = sorted(bisect.bisect_left(ends, r.pos) for r in reported)
    directs = _posts_as_directs(posts)
    directs += _directs(text, pairs, posts, regions, sentences, ends, title_end, reported_lines)
    directs.sort(key=lambda d: d.start)

    resolver = Resolver(NameIndex(text), all_zones)
    speakers = _resolve(directs, reported, resolver, sentences, regions, ends)
    _headline(text, directs, resolver)
    directs = _apart(directs)
    kept_zones = sorted(d.zone for d in directs)

    quotes = [_quote(d.start, d.end, "direct", d.speaker) for d in directs]
    for item, speaker in zip(reported, speakers, strict=True):
        for lo, hi in item.pieces:
            for s, e in _cut(text, lo, hi, kept_zones):
                quotes.append(_quote(s, e, "indirect", speaker))
    return sorted(set(quotes), key=lambda q: (q.start, q.end, q.kind, q.speaker or ""))


def _apart(directs: list[_Direct]) -> list[_Direct]:
    """Direct quotations never overlap: where a post or a headline quote meets a quotation-mark
    pair, the one that starts first (the longer on a tie) stays."""
    kept: list[_Direct] = []
    for d in sorted(directs, key=lambda d: (d.zone[0], -d.zone[1])):
        if not kept or d.zone[0] >= kept[-1].zone[1]:
            kept.append(d)
    return kept


def _zone(pair: Pair) -> tuple[int, int]:
    return pair.open, pair.close + 1 if pair.closed else pair.close


def _quote(start: int, end: int, kind: str, speaker: Speaker | None) -> Quote:
    if speaker is None:
        return Quote(start, end, "direct" if kind == "direct" else "indirect")
    return Quote(
        start, end, "direct" if kind == "direct" else "indirect", speaker.name, speaker.start, speaker.end
    )


def _posts_as_directs(posts: list[Post]) -> list[_Direct]:
    return [
        _Direct(p.start, p.end, (p.start, p.end), fixed=Speaker(p.name, p.name_start, p.name_end))
        for p in posts
    ]


def _directs(
    text: str,
    pairs: list[Pair],
    posts: list[Post],
    regions: Regions,
    sentences: Sentences,
    ends: list[int],
    title_end: int,
    reported_lines: list[int],
) -> list[_Direct]:
    """Quotation-mark pairs that are quotations: attributed, long enough to be a statement, or a
    quote paragraph right below an attributed quotation or report; scare quotes, titles and
    names are left out."""
    kept: list[_Direct] = []
    last_line = -10
    post_starts = [p.start for p in posts]
    for pair in pairs:
        start, end = _trim(text, pair.open + 1, pair.close)
        if start >= end or not any(ch.isalnum() for ch in text[start:end]):
            continue
        k = bisect.bisect_right(post_starts, pair.open) - 1
        if k >= 0 and posts[k].end > pair.open:
            continue  # a quote inside an embedded post belongs to the post
        zone = _zone(pair)
        line = bisect.bisect_left(ends, pair.open)
        r = bisect.bisect_right(reported_lines, line) - 1
        previous = max(last_line, reported_lines[r] if r >= 0 else -10)
        near = line - previous <= CONTINUE_LINES
        words = len(_WORDS.findall(text, start, end))
        in_title = pair.open < title_end
        if _NAMING.search(text, max(0, pair.open - 20), pair.open):
            continue
        if not in_title and _title_case(text, start, end, 1 if words <= SCARE_MAX_WORDS else 2):
            continue  # a title or a name in capitals: "60 Minutes", "High Noon for America"
        short = words <= SCARE_MAX_WORDS
        attribution = find_attribution(regions, zone, sentences, title_end, short)
        if attribution is not None:
            found = _Direct(start, end, zone, attribution)
        elif not short or (near and _opens_line(text, pair.open)):
            found = _Direct(start, end, zone, inherit=True)
        elif in_title and _whole_line(text, pair, title_end):
            found = _Direct(start, end, zone)  # a headline that is one quotation
        else:
            continue
        kept.append(found)
        last_line = bisect.bisect_left(ends, max(pair.open, zone[1] - 1))
    return kept


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _opens_line(text: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and text[j] in " \t\u00a0":
        j -= 1
    return j < 0 or text[j] == "\n"


def _whole_line(text: str, pair: Pair, line_end: int) -> bool:
    return _opens_line(text, pair.open) and not text[pair.close + 1 : line_end].strip(" .!?")


def _title_case(text: str, start: int, end: int, least: int) -> bool:
    """A title of a work or a name: (almost) every longer word capitalised."""
    words = [w for w in _WORDS.findall(text, start, end) if len(w) > 3 or w[0].isupper()]
    return len(words) >= least and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _resolve(
    directs: list[_Direct],
    reported: list[Reported],
    resolver: Resolver,
    sentences: Sentences,
    regions: Regions,
    ends: list[int],
) -> list[Speaker | None]:
    """Resolve every attribution in text order, so a pronoun finds the speaker named before it;
    fills in the directs' speakers and returns those of the reported clauses. An unattributed
    quote continues the speaker of the attribution just before it (within CONTINUE_LINES)."""
    events: list[tuple[int, int, _Direct | int]] = []
    for d in directs:
        pos = d.start
        if d.attribution is not None and d.attribution.mention is not None:
            pos = min(pos, d.attribution.mention.start)
        events.append((pos, 0, d))
    for i, r in enumerate(reported):
        pos = r.mention.start if r.mention is not None else r.pos
        events.append((min(pos, r.pieces[0][0]), 1, i))
    events.sort(key=lambda e: (e[0], e[1]))
    speakers: list[Speaker | None] = [None] * len(reported)
    last: Speaker | None = None
    last_line = -10
    for pos, _, item in events:
        line = bisect.bisect_left(ends, pos)
        if isinstance(item, _Direct):
            if item.fixed is not None:
                item.speaker = item.fixed
                resolver.remember(item.fixed)
            elif item.attribution is not None:
                at = item.attribution
                item.speaker = resolver.resolve(
                    at.mention, at.verb_start, *_context(at.mention, at.verb_start, sentences, regions)
                )
            elif item.inherit and line - last_line <= CONTINUE_LINES:
                item.speaker = last
            found, end_line = item.speaker, bisect.bisect_left(ends, item.zone[1] - 1)
        else:
            r = reported[item]
            context = _context(r.mention, r.pos, sentences, regions)
            found = speakers[item] = resolver.resolve(r.mention, r.pos, *context)
            end_line = line
        if isinstance(item, int) or item.attribution is not None or item.fixed is not None or found:
            last, last_line = found, max(line, end_line)
    return speakers


def _context(
    mention: Mention | None, pos: int, sentences: Sentences, regions: Regions
) -> tuple[int, Mention | None]:
    """Where the sentence of ``pos`` starts, and for a pronoun the name opening the sentence
    before it."""
    k = sentences.index(pos)
    start = sentences.cuts[k]
    if mention is None or mention.kind != "pronoun" or k == 0:
        return start, None
    toks = regions.tokens(sentences.cuts[k - 1], start)
    return start, opening_subject(toks, len(toks))


def _headline(text: str, directs: list[_Direct], resolver: Resolver) -> None:
    """`Name: …` in the title line: the quote after the colon is Name's. A description (`Crash
    Witness:`) stands for the first named speaker of the body; a name counts only when the body
    quotes that person too, so topics (`Blue Monday: …`) are not taken for speakers."""
    for head in headlines(text):
        body = [s for s in resolver.history if s.start > head.prefix_end]
        speaker: Speaker | None = None
        if head.role:  # "Ohio Mom:" is a person, not the agency the body cites first
            people = [s for s in body if not organisation(s.name)]
            named = [s for s in people if len(s.name.split()) >= 2]
            speaker = (named or people)[0] if people else None
        elif head.name is not None:
            last = fold(head.name.split()[-1])
            match = next((s for s in body if fold(s.name.split()[-1]) == last), None)
            if match is None:
                continue
            speaker = Speaker(match.name, head.prefix_start, head.prefix_end)
        inside = [d for d in directs if head.start <= d.start < head.end]
        for d in inside:
            d.speaker = speaker
        start, end = _trim(text, head.start, head.end)
        if not inside and start < end:
            directs.append(_Direct(start, end, (start, end), speaker=speaker))
        return


def _cut(text: str, start: int, end: int, zones: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[start, end) minus the direct quotations (marks included), trimmed; pieces of fewer than
    two words are dropped."""
    pieces = []
    pos = start
    k = max(0, bisect.bisect_right(zones, (start, len(text) + 1)) - 1)
    while k < len(zones) and zones[k][0] < end:
        zs, ze = zones[k]
        if ze > pos:
            if zs > pos:
                pieces.append((pos, zs))
            pos = max(pos, ze)
        k += 1
    if pos < end:
        pieces.append((pos, end))
    out = []
    for s, e in pieces:
        while s < e and (text[s].isspace() or text[s] in _EDGE):
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in _EDGE):
            e -= 1
        if len(_WORDS.findall(text, s, e)) >= 2:
            out.append((s, e))
    return out


_EDGE = frozenset(",;:.!?\"'“”‘’—–-…")
