"""Indirect speech: the clause reported by a speech or claim verb, or by `according to`.

    Smith said (on Monday) (that) [the plan would fail].        content after the verb
    Smith told reporters (that) [the plan would fail].          a recipient is skipped
    [The plan will fail], Smith said (on Monday).               content before the attribution
    [The plan], Smith said, [will fail].                        an attribution in the middle
    According to X, [crime rose].   /   [Crime rose], according to X.

A clause runs to the end of its sentence or to the next attribution in it (`…, but explained
that …` starts a new one). The caller cuts direct quotations out of the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .attribution import Regions, is_verb, verb_subject
from .lexicon import ATTRIBUTION_VERBS, PREPOSITIONS, RECIPIENT_VERBS, REPORT_VERBS, SAY_VERBS, trie_pattern
from .names import Mention, name_after, subject_before
from .sentences import QUOTE, Sentences, Token

_BE = {"is", "was", "are", "were", "be", "been", "being", "am"}
_OBJECTS = {
    "reporters",
    "journalists",
    "me",
    "us",
    "him",
    "her",
    "them",
    "you",
    "the",
    "a",
    "an",
    "his",
    "their",
    "congress",
    "lawmakers",
    "investigators",
    "police",
    "viewers",
    "listeners",
    "readers",
    "supporters",
    "audiences",
    "students",
    "members",
}
_TIME = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "yesterday",
    "tonight",
    "recently",
    "later",
    "earlier",
    "previously",
    "repeatedly",
    "publicly",
    "privately",
    "again",
    "once",
    "also",
    "then",
    "now",
    "though",
    "however",
    "too",
    "further",
    "afterwards",
    "afterward",
    "first",
    "last",
}
_CLAUSE_STOP = {".", "!", "?", ";", "…"}
_PIECE_STOP = {",", ":", ";", ".", "!", "?", QUOTE}
_CANDIDATES = REPORT_VERBS | {"according", "point", "points", "pointed", "pointing"}
PREFILTER = re.compile(rf"(?i)\b(?:{trie_pattern(_CANDIDATES)})\b")


@dataclass(frozen=True)
class Reported:
    pieces: tuple[tuple[int, int], ...]  # character ranges of the reported content
    mention: Mention | None  # None: a participle or a shared subject, the last speaker
    pos: int  # where the attribution is, for resolving speakers in text order


def find_reported(regions: Regions, sentences: Sentences, title_end: int) -> list[Reported]:
    """Every reported clause of the text, in text order (pieces may still hold quotations)."""
    seen: set[int] = set()
    out: list[Reported] = []
    for match in PREFILTER.finditer(regions.text):
        k = sentences.index(match.start())
        if k in seen:
            continue
        seen.add(k)
        start, end = sentences.cuts[k], sentences.cuts[min(k + 1, len(sentences.cuts) - 1)]
        toks = regions.tokens(start, end)
        title = start < title_end
        for i, tok in enumerate(toks):
            if tok.lower not in _CANDIDATES:
                continue
            if _according(toks, i):
                found = _according_to(toks, i)
            elif is_verb(toks, i, REPORT_VERBS, title):
                found = _after_verb(toks, i)
            else:
                continue
            if found is not None:
                out.append(found)
    return out


def _according(toks: list[Token], k: int) -> bool:
    return toks[k].lower == "according" and k + 1 < len(toks) and toks[k + 1].lower == "to"


def _after_verb(toks: list[Token], k: int) -> Reported | None:
    verb = toks[k].lower
    if any(t.lower in _QUESTION for t in toks[max(0, k - 8) : k]):
        return None  # "Asked whether he thought …": a question, not a report
    mention, ok = verb_subject(toks, k)
    if not ok or (mention is not None and mention.kind == "author"):
        return None
    after = k + 2 if verb in _POINT else k + 1  # "pointed out"
    if mention is not None and mention.start > toks[k].start:  # inverted: "said Smith"
        while after < len(toks) and toks[after].start < mention.end:
            after += 1
    phrase = _phrase_start(toks, k, mention)
    passive = k > 0 and toks[k - 1].lower in _BE
    if passive:
        mention = Mention(toks[k].start, toks[k].end, "generic")
    stop = after
    while stop < len(toks) and toks[stop].text not in _PIECE_STOP:
        stop += 1
    material = toks[after:stop]
    if phrase > 0 and toks[phrase - 1].text == QUOTE and _non_clausal(material, verb):
        # `Marx’s idea “…,” Cordes wrote in a response`: the clause before it, quote and all
        before = _before(toks, phrase)
        return _reported(toks, [before], mention, k) if before is not None else None
    that = next((i for i, t in enumerate(material[:10]) if t.lower == "that"), -1)
    if that >= 0 and _non_clausal(material[:that], verb):
        return _clause(toks, after + that + 1, mention, k, strict=False)
    end_mark = toks[stop].text if stop < len(toks) else "."
    if _non_clausal(material, verb) and not (material and material[0].lower == "to"):
        if end_mark == "," and stop + 1 < len(toks) and toks[stop + 1].lower == "that":
            # "stressed, though, that …"; "This was what he said, she said, that …"
            first = _clause(toks, stop + 2, mention, k, strict=False)
            before = _before(toks, phrase)
            if first is None or before is None:
                return first
            return Reported(
                ((toks[before[0]].start, toks[before[1] - 1].end), *first.pieces), mention, first.pos
            )
        if end_mark == ":" or end_mark == QUOTE:
            return _clause(toks, stop + 1 if end_mark == ":" else stop, mention, k, strict=False)
        if end_mark == "," and stop + 1 < len(toks) and toks[stop + 1].text == QUOTE:
            return _clause(toks, stop + 1, mention, k, strict=False)  # `Smith said, “…”`
        if end_mark not in {",", ";"} and end_mark not in _CLAUSE_STOP:
            return None
        if any(t.lower in _TOLD_THINGS for t in material):
            return None  # "he told the truth": an object, no report
        spans = []
        before = _before(toks, phrase)
        if before is not None:
            spans.append(before)
        opens = phrase == 0 or (phrase == 1 and toks[0].lower in {"as", "and", "but"})
        if end_mark == "," and stop + 1 < len(toks) and (spans or opens):
            nxt = toks[stop + 1].lower
            if nxt != QUOTE and not nxt.endswith("ing") and nxt not in {"and", "who", "which"}:
                spans.append((stop + 1, _clause_end(toks, stop + 1)))  # "The plan, he said, [will fail]"
        return _reported(toks, spans, mention, k)
    if passive or (verb not in SAY_VERBS and not (material and material[0].lower in _SUBJECTS)):
        return None  # "confirmed the news", "admitted refugees": an object, not a clause
    if verb in RECIPIENT_VERBS and any(t.lower == "to" for t in material[:5]):
        return None  # "told them to leave": an order
    return _clause(toks, after, mention, k)


_QUESTION = {"asked", "asking", "whether", "wondered", "wondering", "ask", "asks"}
_POINT = {"point", "points", "pointed", "pointing"}
_SUBJECTS = {"he", "she", "they", "it", "we", "i", "you", "there", "this"}
_TOLD_THINGS = {"truth", "lie", "lies", "story", "stories", "tale", "tales", "joke", "jokes"}
# a reported clause does not open with these: "said it best", "believes happened", "saying what"
_NOT_OPENERS = {
    "and",
    "or",
    "but",
    "of",
    "to",
    "for",
    "with",
    "by",
    "from",
    "in",
    "on",
    "at",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "so",
    "than",
    "nor",
    "yet",
    "what",
    "goodbye",
    "hello",
    "thanks",
    "sorry",
    "nothing",
    "no",
    "yes",
    "—",
    "–",
    "-",
    "(",
    "[",
}


def _clause(
    toks: list[Token], begin: int, mention: Mention | None, k: int, strict: bool = True
) -> Reported | None:
    """The clause from begin to its end, if it looks like one: three words or more (a quotation
    counts as one) and, right after a verb without "that" (``strict``), not opening with a
    preposition, a conjunction or a past participle ("said it best", "believes happened")."""
    while begin < len(toks) and toks[begin].text in {",", ":"}:
        begin += 1
    end = _clause_end(toks, begin)
    words = [t for t in toks[begin:end] if t.text == QUOTE or t.text[:1].isalnum()]
    if len(words) < 3:
        return None
    first = toks[begin]
    verbish = first.text.islower() and first.lower.endswith(("ed", "ing"))
    if strict and (first.lower in _NOT_OPENERS or verbish):
        return None
    return _reported(toks, [(begin, end)], mention, k)


def _phrase_start(toks: list[Token], k: int, mention: Mention | None) -> int:
    """Index of the first token of the attribution "[Hungarian PM Viktor Orban has] said", "[its
    author and a member of the commission have] said": back from the verb over its subject to a
    comma, a quotation or the sentence start, stopping at words that open another clause."""
    if mention is None or mention.start > toks[k].start:
        return k
    j = k
    while j > 0 and k - j < 14 and toks[j - 1].text not in {",", QUOTE, ";", ":"}:
        if toks[j - 1].lower in _PHRASE_STOP and toks[j - 1].end <= mention.start:
            break
        j -= 1
    return j


_PHRASE_STOP = {
    "what",
    "how",
    "why",
    "where",
    "to",
    "that",
    "which",
    "who",
    "because",
    "while",
    "if",
    "when",
    "as",
    "but",
    "than",
    "for",
    "in",
    "on",
    "at",
    "with",
    "by",
    "from",
    "so",
    "then",
    "is",
    "was",
    "are",
    "were",
}


def _non_clausal(material: list[Token], verb: str) -> bool:
    """What may follow a verb without being its clause: nothing, an adverbial (`in a statement`,
    `on Monday`) or, after tell/warn, a recipient (`told reporters`, `told Fox News`)."""
    if not material:
        return True
    first = material[0].lower
    if first in PREPOSITIONS or first in _TIME:
        return True
    if verb in RECIPIENT_VERBS and (first in _OBJECTS or material[0].text[:1].isupper()):
        # "told reporters", "told EWTN’s Raymond Arroyo on the February 8 episode of …"
        head = next((i for i, t in enumerate(material) if t.lower in PREPOSITIONS), len(material))
        return head <= 5
    return False


def _before(toks: list[Token], phrase: int) -> tuple[int, int] | None:
    """The clause before an attribution placed after it: `[The plan will fail], Smith said`, or
    `[Marx’s idea “…”], Cordes wrote` (the quotation is cut out later). Not a lone adverbial
    (`On Monday, Smith testified`); before a quotation, not when the sentence holds another
    attribution (`Smith told X that he “…” “…,” Smith said`)."""
    if phrase == 0 or toks[phrase - 1].text not in {",", QUOTE}:
        return None
    quoted = toks[phrase - 1].text == QUOTE
    end = phrase if quoted else phrase - 1
    words = [t for t in toks[:end] if t.text != QUOTE and t.text[:1].isalnum()]
    if len(words) < 2 or (len(words) < 4 and toks[0].lower in PREPOSITIONS | _TIME):
        return None
    if quoted and any(is_verb(toks, i, ATTRIBUTION_VERBS, False) or _according(toks, i) for i in range(end)):
        return None
    return 0, end


def _clause_end(toks: list[Token], begin: int) -> int:
    """Token index where a clause starting at begin ends: the sentence end, or the start of the
    next attribution in the sentence (`…, but explained that`, `…, and Jordan asked`)."""
    for i in range(begin, len(toks)):
        if toks[i].text in _CLAUSE_STOP:
            return i
        if i > begin and (_according(toks, i) or is_verb(toks, i, ATTRIBUTION_VERBS, False)):
            mention = subject_before(toks, i)
            j = i
            if mention is not None and mention.kind in {"name", "pronoun", "role"}:
                while j > begin and toks[j - 1].end > mention.start:
                    j -= 1
            elif toks[i - 1].text not in {"and", "but", ",", QUOTE} and not toks[i].text.endswith("ing"):
                continue  # a verb inside the clause with an ordinary subject: still reported
            while j > begin and toks[j - 1].lower in {"and", "but", ",", "while", "yet"}:
                j -= 1
            return j
    return len(toks)


def _according_to(toks: list[Token], k: int) -> Reported | None:
    mention = name_after(toks, k + 1)
    source_end = k + 2
    while source_end < len(toks) and toks[source_end].text not in _PIECE_STOP:
        source_end += 1
    opening = all(t.lower in {"but", "and", "so", "yet"} for t in toks[:k])
    spans = []
    if opening:
        if source_end < len(toks) and toks[source_end].text == ",":
            spans.append((source_end + 1, _clause_end(toks, source_end + 1)))
    else:
        end = k - 1 if toks[k - 1].text == "," else k
        spans.append((0, end))
        if source_end < len(toks) and toks[source_end].text == "," and source_end + 1 < len(toks):
            spans.append((source_end + 1, _clause_end(toks, source_end + 1)))
    if mention is None or mention.kind != "name":
        mention = Mention(toks[k].start, toks[k].end, "generic")
    return _reported(toks, spans, mention, k)


def _reported(
    toks: list[Token], spans: list[tuple[int, int]], mention: Mention | None, k: int
) -> Reported | None:
    pieces = []
    for lo, hi in spans:
        if hi > lo:
            pieces.append((toks[lo].start, toks[hi - 1].end))
    if not pieces:
        return None
    return Reported(tuple(pieces), mention, toks[k].start)
