"""The shape of a reported clause: where it starts and ends around its attribution, and whether
a stretch of words reads as a clause at all ("said the plan would fail") or only as an object or
an adverbial ("confirmed the news", "said in a statement")."""

from __future__ import annotations

from dataclasses import dataclass

from .attribution import is_verb
from .lexicon import (
    ATTRIBUTION_VERBS,
    CLAUSE_VERBS,
    DETERMINERS,
    FUNCTION_WORDS,
    NOT_OPENERS,
    OBJECTS,
    PHRASE_STOP,
    PREPOSITIONS,
    SAY_VERBS,
    SUBJECT_WORDS,
    TIME_WORDS,
)
from .names import Mention, is_capitalised, pronoun
from .sentences import QUOTE, Token
from .subjects import subject_before

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
    second = toks[begin + 1].lower if begin + 1 < end else "."
    pronoun_object = first.lower in {"it", "so", "this"} and (
        second in PREPOSITIONS or not second[:1].isalnum()
    )
    if strict and (first.lower in NOT_OPENERS or verbish or pronoun_object):
        return None  # "said it on Monday": an object
    return reported(toks, [(begin, end)], mention, k)


def clause_end(toks: list[Token], begin: int) -> int:
    """Token index where a clause starting at begin ends: the sentence end, or the next
    attribution joined to it (`…, but explained that`, `…, and Jordan asked`, `…, adding`,
    `… “…,” the sources said`). An attribution embedded in the clause stays in it: "he said
    [she believes the plan failed]"."""
    for i in range(begin + 1, len(toks)):
        if toks[i].text in CLAUSE_STOP:
            return i
        if not (according(toks, i) or is_verb(toks, i, ATTRIBUTION_VERBS, False)):
            continue
        j = i
        if not according(toks, i) and not toks[i].text.endswith("ing"):
            mention = subject_before(toks, i)
            if mention is not None and mention.start >= toks[begin].start:
                while j > begin and toks[j - 1].end > mention.start:
                    j -= 1
        if not according(toks, i) and (j == begin or toks[j - 1].lower not in _JOINS):
            continue  # "[she believes the plan failed]" is what he said
        while j > begin and toks[j - 1].lower in _JOINS and toks[j - 1].text != QUOTE:
            j -= 1
        return j
    return len(toks) if begin < len(toks) and toks[begin].text not in CLAUSE_STOP else begin


_JOINS = frozenset({",", "and", "but", "while", "yet", ";", "—", "–", QUOTE})


def phrase_start(toks: list[Token], k: int, mention: Mention | None) -> int:
    """Index of the first token of the attribution "[Deputy Mayor Ann Lee has] said", "[its
    author and a member of the board have] said": back from the verb over its subject to a
    comma, a quotation or the sentence start, stopping at words that open another clause."""
    if mention is None or mention.start > toks[k].start:
        return k
    j = k
    while j > 0 and toks[j - 1].end > mention.start:  # the subject, appositions and all
        j -= 1
    reach = 0
    while j > 0 and reach < 8 and toks[j - 1].text not in {",", QUOTE, ";", ":"}:
        if toks[j - 1].lower in PHRASE_STOP:
            break
        j -= 1
        reach += 1
    if j >= 3 and toks[j - 1].text == ",":
        # “…,” [her cousin, Tom Reed,] told: a short description before the name
        for i in range(j - 2, max(0, j - 5), -1):
            if toks[i - 1].text == QUOTE:
                opener = toks[i]
                if opener.lower in DETERMINERS or opener.text.endswith(("’s", "'s")):
                    return i
                break
            if not toks[i].text[:1].isalnum():
                break
    return j


def non_clausal(material: list[Token], verb: str) -> bool:
    """What may follow a verb without being its clause: nothing, an adverbial (`in a statement`,
    `on Monday`) or, after tell/warn, a recipient (`told reporters`, `told Fox News`)."""
    if not material:
        return True
    first = material[0].lower
    if first in PREPOSITIONS or first in TIME_WORDS:
        # "said in a statement", but "said by and large there are no limits" is a clause
        return not any(t.lower in CLAUSE_VERBS for t in material[1:])
    return False


def recipient(material: list[Token]) -> int:
    """How many tokens of the material after tell/warn are the recipient: "reporters", "him",
    "Channel 4", "the station’s Ann Lee", "the Daily Courier" (before "that" or a
    pronoun). None where the capitalised words open the clause ("warned Danish farmers could …")."""
    if not material:
        return 0
    first = material[0]
    plural = first.text.islower() and first.lower.endswith("s") and not first.lower.endswith("ss")
    if (first.lower in OBJECTS and first.lower not in DETERMINERS) or (
        plural and first.lower not in FUNCTION_WORDS
    ):
        return 1  # "told reporters", "told passengers on the train"
    i = 1 if first.lower in DETERMINERS else 0
    j = i
    while j < len(material) and j - i < 6 and is_capitalised(material[j].text):
        j += 1
    if j == i:
        return 0
    if j < len(material):
        rest = material[j]
        subject = pronoun(rest.lower) is not None or rest.lower in SUBJECT_WORDS
        opens_clause = rest.text.islower() and rest.lower not in PREPOSITIONS | {"that"} and not subject
        if opens_clause:
            return 0  # "Danish farmers could face": the subject of the clause, no recipient
    return j


def nominal(material: list[Token]) -> bool:
    """A short noun phrase before "that": "reiterated [his confidence] that", "expressed [the
    hope] that"."""
    return 1 <= len(material) <= 3 and material[0].lower in DETERMINERS


def clause_like(material: list[Token]) -> bool:
    """Whether words after a verb read as a clause without "that": a subject pronoun first ("he
    would"), or a verb of a clause within a dozen words and before any "and" ("declaring the US
    will stop")."""
    if not material:
        return False
    if material[0].lower in SUBJECT_WORDS:
        return True
    if material[0].lower in PREPOSITIONS:
        return False
    for tok in material[1:12]:
        if tok.lower in {"and", "or", "but", QUOTE}:
            return False
        if tok.lower in CLAUSE_VERBS:
            return True
    return False


def before(toks: list[Token], phrase: int) -> tuple[int, int] | None:
    """The clause before an attribution placed after it: `[The plan will fail], Smith said`, or
    `[Lee’s plan “…”], Reed wrote` (the quotation is cut out later). Not a lone adverbial
    (`On Monday, Smith testified`); before a quotation, not when the sentence holds another
    attribution (`Smith told X that he “…” “…,” Smith said`)."""
    if phrase == 0 or toks[phrase - 1].text not in {",", QUOTE}:
        return None
    quoted = toks[phrase - 1].text == QUOTE
    end = phrase if quoted else phrase - 1
    words = [t for t in toks[:end] if t.text != QUOTE and t.text[:1].isalnum()]
    if len(words) < 2 or (len(words) < 4 and toks[0].lower in PREPOSITIONS | TIME_WORDS):
        return None
    for i in range(end):  # "Lee said X, the sources said": X is Lee's
        if according(toks, i):
            return None
        if quoted and is_verb(toks, i, ATTRIBUTION_VERBS, False):
            return None
        if not quoted and is_verb(toks, i, SAY_VERBS, False):
            inner = subject_before(toks, i)
            if inner is not None and inner.kind in {"name", "pronoun", "role"}:
                return None
    return 0, end
