"""The shape of a reported clause: where it starts and ends around its attribution, and whether
a stretch of words reads as a clause at all ("said the plan would fail") or only as an object or
an adverbial ("confirmed the news", "said in a statement")."""

from __future__ import annotations

from dataclasses import dataclass

from .attribution import is_verb
from .lexicon import (
    ATTRIBUTION_VERBS,
    NOT_OPENERS,
    OBJECTS,
    PHRASE_STOP,
    PREPOSITIONS,
    RECIPIENT_VERBS,
    SAY_VERBS,
    TIME_WORDS,
)
from .names import Mention, subject_before
from .sentences import QUOTE, Token

CLAUSE_STOP = frozenset({".", "!", "?", ";", "…"})
PIECE_STOP = frozenset({",", ":", ";", ".", "!", "?", QUOTE})


@dataclass(frozen=True)
class Reported:
    pieces: tuple[tuple[int, int], ...]  # character ranges of the reported content
    mention: Mention | None  # None: a participle or a shared subject, the last speaker
    pos: int  # where the attribution is, for resolving speakers in text order


def according(toks: list[Token], k: int) -> bool:
    return toks[k].lower == "according" and k + 1 < len(toks) and toks[k + 1].lower == "to"


def reported(
    toks: list[Token], spans: list[tuple[int, int]], mention: Mention | None, k: int
) -> Reported | None:
    pieces = []
    for lo, hi in spans:
        if hi > lo:
            pieces.append((toks[lo].start, toks[hi - 1].end))
    if not pieces:
        return None
    return Reported(tuple(pieces), mention, toks[k].start)


def clause(
    toks: list[Token], begin: int, mention: Mention | None, k: int, strict: bool = True
) -> Reported | None:
    """The clause from begin to its end, if it looks like one: three words or more (a quotation
    counts as one) and, right after a verb without "that" (``strict``), not opening with a
    preposition, a conjunction or a past participle ("said it best", "believes happened")."""
    while begin < len(toks) and toks[begin].text in {",", ":"}:
        begin += 1
    end = clause_end(toks, begin)
    words = [t for t in toks[begin:end] if t.text == QUOTE or t.text[:1].isalnum()]
    if len(words) < 3:
        return None
    first = toks[begin]
    verbish = first.text.islower() and first.lower.endswith(("ed", "ing"))
    if strict and (first.lower in NOT_OPENERS or verbish):
        return None
    return reported(toks, [(begin, end)], mention, k)


def clause_end(toks: list[Token], begin: int) -> int:
    """Token index where a clause starting at begin ends: the sentence end, or the start of the
    next attribution in the sentence (`…, but explained that`, `…, and Jordan asked`)."""
    for i in range(begin, len(toks)):
        if toks[i].text in CLAUSE_STOP:
            return i
        if i > begin and (according(toks, i) or is_verb(toks, i, ATTRIBUTION_VERBS, False)):
            mention = subject_before(toks, i)
            j = i
            if mention is not None:
                while j > begin and toks[j - 1].end > mention.start:
                    j -= 1
            if mention is not None and (
                mention.kind in {"name", "pronoun", "role"} or toks[j - 1].text in {",", QUOTE}
            ):
                pass  # "…, and Jordan asked", "… “…,” the sources said"
            elif toks[i - 1].text not in {"and", "but", ",", QUOTE} and not toks[i].text.endswith("ing"):
                continue  # a verb inside the clause with an ordinary subject: still reported
            while j > begin and toks[j - 1].lower in {"and", "but", ",", "while", "yet"}:
                j -= 1
            return j
    return len(toks)


def phrase_start(toks: list[Token], k: int, mention: Mention | None) -> int:
    """Index of the first token of the attribution "[Hungarian PM Viktor Orban has] said", "[its
    author and a member of the commission have] said": back from the verb over its subject to a
    comma, a quotation or the sentence start, stopping at words that open another clause."""
    if mention is None or mention.start > toks[k].start:
        return k
    j = k
    while j > 0 and k - j < 14 and toks[j - 1].text not in {",", QUOTE, ";", ":"}:
        if toks[j - 1].lower in PHRASE_STOP and toks[j - 1].end <= mention.start:
            break
        j -= 1
    return j


def non_clausal(material: list[Token], verb: str) -> bool:
    """What may follow a verb without being its clause: nothing, an adverbial (`in a statement`,
    `on Monday`) or, after tell/warn, a recipient (`told reporters`, `told Fox News`)."""
    if not material:
        return True
    first = material[0].lower
    if first in PREPOSITIONS or first in TIME_WORDS:
        return True
    if verb in RECIPIENT_VERBS and (first in OBJECTS or material[0].text[:1].isupper()):
        # "told reporters", "told EWTN’s Raymond Arroyo on the February 8 episode of …"
        head = next((i for i, t in enumerate(material) if t.lower in PREPOSITIONS), len(material))
        return head <= 5
    return False


def before(toks: list[Token], phrase: int) -> tuple[int, int] | None:
    """The clause before an attribution placed after it: `[The plan will fail], Smith said`, or
    `[Marx’s idea “…”], Cordes wrote` (the quotation is cut out later). Not a lone adverbial
    (`On Monday, Smith testified`); before a quotation, not when the sentence holds another
    attribution (`Smith told X that he “…” “…,” Smith said`)."""
    if phrase == 0 or toks[phrase - 1].text not in {",", QUOTE}:
        return None
    quoted = toks[phrase - 1].text == QUOTE
    end = phrase if quoted else phrase - 1
    words = [t for t in toks[:end] if t.text != QUOTE and t.text[:1].isalnum()]
    if len(words) < 2 or (len(words) < 4 and toks[0].lower in PREPOSITIONS | TIME_WORDS):
        return None
    verbs = ATTRIBUTION_VERBS if quoted else SAY_VERBS  # "Lee said X, the sources said": X is Lee's
    if any(is_verb(toks, i, verbs, False) or according(toks, i) for i in range(end)):
        return None
    return 0, end
