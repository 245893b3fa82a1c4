"""Who said a quotation: the speech verb nearest to it in its sentence and that verb's subject.

Quotation marks are taken out of the token stream as one placeholder token each, so a verb
inside a quote never attributes anything and patterns such as `,” said Smith` or `Smith said:
“` read the same way for straight and curly marks.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .lexicon import ATTRIBUTION_VERBS, NOT_NAMES, REPORT_VERBS
from .names import Mention, inverted, is_capitalised, name_after, sentence_subject, subject_before
from .sentences import QUOTE, Sentences, Token, tokens

_NOUN_BEFORE = {"the", "a", "an", "his", "her", "their", "its", "our", "my", "your", "this",
                "that", "these", "those", "no", "every", "each", "any", "so", "whose", "said"}
REACH = 400  # characters of context on each side of a quote: keeps long lines linear


@dataclass(frozen=True)
class Attribution:
    mention: Mention | None  # None: a participle ("…, adding") whose subject is the last speaker
    verb_start: int
    verb_end: int


def region_tokens(text: str, start: int, end: int, zones: list[tuple[int, int]]) -> list[Token]:
    """Tokens of text[start:end] outside the zones (quotations with their marks); each zone that
    overlaps the region becomes one placeholder token."""
    out: list[Token] = []
    k = bisect.bisect_right(zones, (start, len(text) + 1)) - 1
    k = max(k, 0)
    pos = start
    while k < len(zones) and zones[k][0] < end:
        zs, ze = zones[k]
        if ze > pos:
            if zs > pos:
                out.extend(tokens(text, pos, zs))
            out.append(Token(zs, ze, QUOTE))
            pos = ze
        k += 1
    if pos < end:
        out.extend(tokens(text, pos, end))
    return out


def is_verb(toks: list[Token], k: int, verbs: frozenset[str] | set[str], title: bool) -> bool:
    """A speech verb, not its noun ("the report", "his claims") nor a headline's capitals in the
    body ("United States"); "point" only as "point out", "call" not as "call for"."""
    word = toks[k].text
    lower = word.lower()
    if lower not in verbs and not (lower in _POINT and k + 1 < len(toks) and toks[k + 1].lower == "out"):
        return False
    if not title and not word.islower():
        return False
    if lower in _CALL and k + 1 < len(toks) and toks[k + 1].lower in _PARTICLES:
        return False
    if k == 0:
        return True
    prev = toks[k - 1].text
    return prev.lower() not in _NOUN_BEFORE and not prev.endswith(("’s", "'s", "s’", "s'"))


_POINT = {"point", "points", "pointed", "pointing"}
_CALL = {"call", "calls", "called", "calling"}
_PARTICLES = {"for", "on", "off", "up", "out", "back", "in"}
NAMING_VERBS = {"call", "calls", "called", "calling", "describe", "describes", "described",
                "describing", "dub", "dubbed", "label", "labels", "labelled", "labeled", "term",
                "termed", "brand", "branded", "characterize", "characterized", "define", "defined"}


def find_attribution(
    text: str,
    zone: tuple[int, int],
    zones: list[tuple[int, int]],
    sentences: Sentences,
    title_end: int,
    short: bool = False,
) -> Attribution | None:
    """The attribution of the quotation occupying ``zone``: the nearest speech verb of its
    sentence (outside any quotation) whose subject is not the author, or `according to X`, or a
    sentence that is only `Name:` before the quote.

    A ``short`` quote (a few words) needs more: a reporting or naming verb ("called it “a
    disgrace”") with a named, pronoun or described subject; "asked about the “intent”" or "what
    critics say" leave it the author's scare quote."""
    start = max(sentences.bounds(zone[0])[0], zone[0] - REACH)
    end = min(sentences.bounds(max(zone[0], zone[1] - 1))[1], zone[1] + REACH)
    toks = region_tokens(text, start, end, zones)
    here = next((i for i, t in enumerate(toks) if t.text == QUOTE and t.start == zone[0]), -1)
    if here < 0:
        return None
    title = zone[0] < title_end
    verbs = REPORT_VERBS | NAMING_VERBS if short else ATTRIBUTION_VERBS
    candidates = []
    for k, tok in enumerate(toks):
        if tok.text == QUOTE:
            continue
        if is_verb(toks, k, verbs, title) or _according(toks, k):
            # nearer first; after the quote wins a tie (`“…,” he said` is the news habit)
            candidates.append((abs(k - here), k < here, k))
    for _, _, k in sorted(candidates):
        if _according(toks, k):
            return Attribution(name_after(toks, k + 1), toks[k].start, toks[k + 1].end)
        mention, ok = verb_subject(toks, k)
        if not ok or (mention is not None and mention.kind == "author"):
            continue
        if short and (mention is None or mention.kind not in {"name", "pronoun", "role"}):
            continue
        return Attribution(mention, toks[k].start, toks[k].end)
    return _colon_name(toks, here)


def verb_subject(toks: list[Token], k: int) -> tuple[Mention | None, bool]:
    """The subject of the speech verb at toks[k], and whether the verb attributes at all.

    Before the verb ("Smith said"), after it where inversion is possible ("…,” said Smith"),
    or, for a participle or a verb coordinated with an earlier one ("…, adding", "… and said"),
    the subject of the sentence (None: the last speaker)."""
    mention = subject_before(toks, k)
    participle = toks[k].text.endswith("ing")
    if mention is None and not participle and inverted(toks, k):
        mention = name_after(toks, k)
    if mention is not None:
        return mention, True
    if participle or (k > 0 and toks[k - 1].lower in {"and", "but"}):
        return sentence_subject(toks, k), True
    return None, False


def _according(toks: list[Token], k: int) -> bool:
    return toks[k].lower == "according" and k + 1 < len(toks) and toks[k + 1].lower == "to"


def _colon_name(toks: list[Token], here: int) -> Attribution | None:
    """`Farage: “…”`: a sentence that is nothing but a name and a colon before the quote."""
    if here < 2 or toks[here - 1].text != ":" or here - 1 > 5:
        return None
    run = toks[: here - 1]
    if all(is_capitalised(t.text) and t.lower not in NOT_NAMES for t in run):
        mention = name_after([Token(run[0].start, run[0].start, ""), *run], 0)
        if mention is not None and mention.kind == "name":
            return Attribution(mention, run[0].start, run[0].start)
    return None
