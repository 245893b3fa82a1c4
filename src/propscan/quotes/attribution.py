"""Who said a quotation: the speech verb nearest to it in its sentence and that verb's subject.

Quotation marks are taken out of the token stream as one placeholder token each, so a verb
inside a quote never attributes anything and patterns such as `,” said Smith` or `Smith said:
“` read the same way for straight and curly marks.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .lexicon import ATTRIBUTION_VERBS, NOT_NAMES, REPORT_VERBS, ROLE_NOUNS, SAY_VERBS, SKIPPABLE
from .names import Mention, is_capitalised
from .sentences import QUOTE, Sentences, Token, tokens
from .subjects import inverted, name_after, sentence_subject, skip_adverbs, subject_before

_NOUN_BEFORE = {
    "the",
    "a",
    "an",
    "his",
    "her",
    "their",
    "its",
    "our",
    "my",
    "your",
    "this",
    "that",
    "these",
    "those",
    "no",
    "every",
    "each",
    "any",
    "so",
    "whose",
    "said",
}
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
            out.append(Token(zs, ze, QUOTE, QUOTE))
            pos = ze
        k += 1
    if pos < end:
        out.extend(tokens(text, pos, end))
    return out


class Regions:
    """Tokens of text regions with the quotations (``zones``, sorted) as placeholders, cached:
    a sentence is tokenised once for all its quotes and its reported clauses."""

    def __init__(self, text: str, zones: list[tuple[int, int]]) -> None:
        self.text = text
        self.zones = zones
        self._cache: dict[tuple[int, int], list[Token]] = {}

    def tokens(self, start: int, end: int) -> list[Token]:
        key = (start, end)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = region_tokens(self.text, start, end, self.zones)
        return found


def is_verb(toks: list[Token], k: int, verbs: frozenset[str] | set[str], title: bool) -> bool:
    """A speech verb, not its noun ("the report", "his claims") nor a headline's capitals in the
    body ("United States"); "point" only as "point out", "call" not as "call for"."""
    word = toks[k].text
    lower = word.lower()
    point_out = lower in _POINT and k + 1 < len(toks) and toks[k + 1].lower == "out"
    know = lower == "know" and k >= 2 and toks[k - 1].lower == "to" and toks[k - 2].lower in _WANT
    if lower not in verbs and not point_out and not know:
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
_WANT = {"wanted", "wants", "want"}  # "“…?” Reed wanted to know"
_CALL = {"call", "calls", "called", "calling"}
_PARTICLES = {"for", "on", "off", "up", "out", "back", "in"}
NAMING_VERBS = {
    "call",
    "calls",
    "called",
    "calling",
    "describe",
    "describes",
    "described",
    "describing",
    "dub",
    "dubbed",
    "label",
    "labels",
    "labelled",
    "labeled",
    "term",
    "termed",
    "brand",
    "branded",
    "characterize",
    "characterized",
    "define",
    "defined",
}


def find_attribution(
    regions: Regions,
    zone: tuple[int, int],
    sentences: Sentences,
    title_end: int,
    short: bool = False,
) -> Attribution | None:
    """The attribution of the quotation occupying ``zone``: the nearest speech verb of its
    sentence (outside any quotation) whose subject is not the author, or `according to X`, or a
    sentence that is only `Name:` before the quote.

    A ``short`` quote (a few words) needs more unless the attribution is right next to it
    (`“It will close,” a source said`): a reporting or naming verb ("called it “a disgrace”")
    with a named, pronoun or described subject; "asked about the “intent”" or "what critics
    say" leave it the author's scare quote."""
    start = max(sentences.bounds(zone[0])[0], zone[0] - REACH)
    own_end = sentences.bounds(max(zone[0], zone[1] - 1))[1]
    # a quote that ends its sentence (`“…?” Reed wanted to know.`) may be attributed by the
    # first words of the next one
    spill = own_end <= zone[1] + 2 and own_end < len(regions.text) and regions.text[own_end - 1] != "\n"
    end = min(sentences.bounds(own_end)[1] if spill else own_end, zone[1] + REACH)
    toks = regions.tokens(start, end)
    here = next((i for i, t in enumerate(toks) if t.text == QUOTE and t.start == zone[0]), -1)
    if here < 0:
        return None
    title = zone[0] < title_end
    candidates = []
    for k, tok in enumerate(toks):
        if tok.text == QUOTE:
            continue
        spilled = tok.start >= own_end
        if spilled and (k - here > 6 or k == here + 1):
            continue  # in the next sentence only `” Name [also] said`, the name first
        if is_verb(toks, k, ATTRIBUTION_VERBS, title) or _according(toks, k):
            # own sentence first, nearer first; after the quote wins a tie (`“…,” he said`)
            candidates.append((spilled, abs(k - here), k < here, k))
    for _, _, _, k in sorted(candidates):
        if _according(toks, k):
            return Attribution(name_after(toks, k + 1), toks[k].start, toks[k + 1].end)
        mention, ok = verb_subject(toks, k)
        if not ok or (mention is not None and mention.kind == "author"):
            continue
        if short and not (
            _adjacent(toks, here, k, mention) or (is_verb(toks, k, _SHORT_VERBS, title) and personal(mention))
        ):
            continue
        return Attribution(mention, toks[k].start, toks[k].end)
    return _colon_name(toks, here) or _dash_name(toks, here)


def verb_subject(toks: list[Token], k: int) -> tuple[Mention | None, bool]:
    """The subject of the speech verb at toks[k], and whether the verb attributes at all.

    Before the verb ("Smith said"), after it where inversion is possible ("…,” said Smith"),
    or, for a participle or a verb coordinated with an earlier one ("…, adding", "… and said"),
    the subject of the sentence (None: the last speaker)."""
    participle = toks[k].text.endswith("ing")
    before = skip_adverbs(toks, k - 1)
    # "Spain, for example, adding": a participle after a comma has no subject of its own
    mention = None if participle and before >= 0 and toks[before].text == "," else subject_before(toks, k)
    if mention is not None and mention.kind == "generic" and toks[k].lower not in SAY_VERBS:
        first = next((t for t in toks if t.start == mention.start), None)
        if first is not None and first.text.endswith(("’s", "'s")):
            return None, False  # "the agency’s initial report on …": a noun, not a verb
    if mention is None and not participle and inverted(toks, k):
        mention = name_after(toks, k)
    if mention is not None:
        return mention, True
    if participle or (before >= 0 and toks[before].lower in {"and", "but"}):
        for i in range(k):  # "the minister noted that …, adding": the subject of "noted"
            if toks[i].text != QUOTE and is_verb(toks, i, ATTRIBUTION_VERBS, False):
                earlier = subject_before(toks, i)
                if earlier is not None and earlier.kind != "author":
                    return earlier, True
        return sentence_subject(toks, k), True
    return None, False


_SHORT_VERBS = REPORT_VERBS | NAMING_VERBS


def _adjacent(toks: list[Token], here: int, k: int, mention: Mention | None) -> bool:
    """`“…,” officials said`, `said Smith: “…”`: nothing but the attribution between the verb
    and the quote."""
    lo, hi = (here + 1, k) if k > here else (k + 1, here)
    for tok in toks[lo:hi]:
        inside = mention is not None and mention.start <= tok.start < mention.end
        if not (inside or tok.text in {",", ":"} or tok.lower in SKIPPABLE):
            return False
    return True


def personal(mention: Mention | None) -> bool:
    """A person or a named source: a name, a pronoun, or a description with a role ("his
    lawyer"), not a generic "critics" or "the report"."""
    if mention is None:
        return False
    return mention.kind in {"name", "pronoun", "role"} or (
        mention.kind == "generic" and mention.name in ROLE_NOUNS
    )


def _according(toks: list[Token], k: int) -> bool:
    return toks[k].lower == "according" and k + 1 < len(toks) and toks[k + 1].lower == "to"


def _dash_name(toks: list[Token], here: int) -> Attribution | None:
    """`“…” — Thomas Jefferson`: a dash and a name closing the sentence after the quote."""
    if here + 2 >= len(toks) or toks[here + 1].text not in {"—", "–", "-"}:
        return None
    mention = name_after(toks, here + 1)
    if mention is None or mention.kind != "name":
        return None
    rest = [t for t in toks if t.start >= mention.end]
    if any(t.text[:1].isalnum() for t in rest):
        return None
    return Attribution(mention, toks[here + 1].start, toks[here + 1].end)


def _colon_name(toks: list[Token], here: int) -> Attribution | None:
    """`Farage: “…”`: a sentence that is nothing but a name and a colon before the quote."""
    if here < 2 or toks[here - 1].text != ":" or here - 1 > 5:
        return None
    run = toks[: here - 1]
    if all(is_capitalised(t.text) and t.lower not in NOT_NAMES for t in run):
        mention = name_after([Token(run[0].start, run[0].start, "", ""), *run], 0)
        if mention is not None and mention.kind == "name":
            return Attribution(mention, run[0].start, run[0].start)
    return None
