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

from .attribution import Regions, is_verb, personal, verb_subject
from .clauses import (
    CLAUSE_STOP,
    PIECE_STOP,
    Reported,
    according,
    before,
    clause,
    clause_end,
    clause_like,
    nominal,
    non_clausal,
    phrase_start,
    recipient,
    reported,
)
from .lexicon import (
    BE,
    NEGATIONS,
    NOUN_PRONE,
    QUESTION_WORDS,
    RECIPIENT_VERBS,
    REPORT_VERBS,
    SAY_VERBS,
    TOLD_THINGS,
    trie_pattern,
)
from .names import Mention
from .sentences import QUOTE, Sentences, Token
from .subjects import name_after

_POINT = frozenset({"point", "points", "pointed", "pointing"})
_CANDIDATES = REPORT_VERBS | _POINT | {"according"}
PREFILTER = re.compile(rf"(?i)\b(?:{trie_pattern(_CANDIDATES)})\b")


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
            if according(toks, i):
                found = _according_to(toks, i)
            elif is_verb(toks, i, REPORT_VERBS, title):
                found = _after_verb(toks, i)
            else:
                continue
            if found is not None:
                out.append(found)
    return out


def _after_verb(toks: list[Token], k: int) -> Reported | None:
    verb = toks[k].lower
    if any(t.lower in QUESTION_WORDS for t in toks[max(0, k - 8) : k]):
        return None  # "Asked whether he thought …": a question, not a report
    if any(t.lower in NEGATIONS for t in toks[max(0, k - 3) : k]) or (
        k + 1 < len(toks) and toks[k + 1].lower == "whether"
    ):
        return None  # "officials haven't said whether …": nothing was said
    mention, ok = verb_subject(toks, k)
    if not ok or (mention is not None and mention.kind == "author"):
        return None
    if verb in NOUN_PRONE and not personal(mention):
        return None  # "a small charge that lights …"
    after = k + 2 if verb in _POINT else k + 1  # "pointed out"
    if mention is not None and mention.start > toks[k].start:  # inverted: "said Smith"
        while after < len(toks) and toks[after].start < mention.end:
            after += 1
    phrase = phrase_start(toks, k, mention)
    if phrase == 1 and toks[0].text == QUOTE:
        return None  # `“…,” Smith said just outside court`: the quote is what was said
    passive = k > 0 and toks[k - 1].lower in BE
    if passive:
        mention = Mention(toks[k].start, toks[k].end, "generic")
    stop = after
    while stop < len(toks) and toks[stop].text not in PIECE_STOP:
        stop += 1
    material = toks[after:stop]
    if verb in RECIPIENT_VERBS:  # "told reporters [he would]", "told Lee [he was hurt]"
        skip = recipient(material)
        after, material = after + skip, material[skip:]
    if phrase > 0 and toks[phrase - 1].text == QUOTE and non_clausal(material, verb):
        # `Lee’s plan “…,” Reed wrote in a reply`: the clause before it, quote and all
        lead = before(toks, phrase)
        return reported(toks, [lead], mention, k) if lead is not None else None
    that = next((i for i, t in enumerate(material[:10]) if t.lower == "that"), -1)
    if that >= 0 and (non_clausal(material[:that], verb) or nominal(material[:that])):
        return clause(toks, after + that + 1, mention, k, strict=False)
    end_mark = toks[stop].text if stop < len(toks) else "."
    if non_clausal(material, verb) and not (material and material[0].lower == "to"):
        if end_mark == "," and stop + 1 < len(toks) and toks[stop + 1].lower == "that":
            # "stressed, though, that …"; "This was what he said, she said, that …"
            first = clause(toks, stop + 2, mention, k, strict=False)
            lead = before(toks, phrase)
            if first is None or lead is None:
                return first
            return Reported(((toks[lead[0]].start, toks[lead[1] - 1].end), *first.pieces), mention, first.pos)
        if end_mark == ":" or end_mark == QUOTE:
            return clause(toks, stop + 1 if end_mark == ":" else stop, mention, k, strict=False)
        if end_mark == "," and stop + 1 < len(toks) and toks[stop + 1].text == QUOTE:
            return clause(toks, stop + 1, mention, k, strict=False)  # `Smith said, “…”`
        if end_mark not in {",", ";"} and end_mark not in CLAUSE_STOP:
            return None
        if any(t.lower in TOLD_THINGS for t in material):
            return None  # "he told the truth": an object, no report
        spans = []
        lead = before(toks, phrase)
        if lead is not None:
            spans.append(lead)
        opens = phrase == 0 or (phrase == 1 and toks[0].lower in {"as", "and", "but"})
        if end_mark == "," and stop + 1 < len(toks) and (spans or opens):
            nxt = toks[stop + 1].lower
            if nxt != QUOTE and not nxt.endswith("ing") and nxt not in {"and", "who", "which"}:
                spans.append((stop + 1, clause_end(toks, stop + 1)))  # "The plan, he said, [will fail]"
        return reported(toks, spans, mention, k)
    if passive or (verb not in SAY_VERBS and not clause_like(material)):
        return None  # "confirmed the news", "admitted refugees": an object, not a clause
    if verb in RECIPIENT_VERBS and any(t.lower == "to" or t.lower in TOLD_THINGS for t in material[:5]):
        return None  # "told them to leave": an order; "told the truth": an object
    return clause(toks, after, mention, k)


def _according_to(toks: list[Token], k: int) -> Reported | None:
    if any(is_verb(toks, i, REPORT_VERBS, False) for i in range(k)):
        return None  # "Smith said that X, according to two aides": the verb reports X already
    mention = name_after(toks, k + 1)
    source_end = k + 2
    while source_end < len(toks) and toks[source_end].text not in PIECE_STOP:
        source_end += 1
    opening = all(t.lower in {"but", "and", "so", "yet"} for t in toks[:k])
    spans = []
    if opening:
        if source_end < len(toks) and toks[source_end].text == ",":
            spans.append((source_end + 1, clause_end(toks, source_end + 1)))
    else:
        end = k - 1 if toks[k - 1].text == "," else k
        spans.append((0, end))
        if source_end < len(toks) and toks[source_end].text == "," and source_end + 1 < len(toks):
            spans.append((source_end + 1, clause_end(toks, source_end + 1)))
    if mention is None or mention.kind != "name":
        mention = Mention(toks[k].start, toks[k].end, "generic")
    return reported(toks, spans, mention, k)
