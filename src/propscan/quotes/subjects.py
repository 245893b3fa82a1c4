"""Subjects of speech verbs: the noun phrase before or after a verb ("Smith, a senator, said",
"said Smith"), and the subject a participle or a coordinated verb shares with its sentence."""

from __future__ import annotations

from .lexicon import (
    ATTRIBUTION_VERBS,
    AUTHOR_PRONOUNS,
    DETERMINERS,
    FUNCTION_WORDS,
    GENERIC_SOURCES,
    GROUP_PRONOUNS,
    NOT_NAMES,
    PARTICLES,
    PRONOUNS,
    RELATIVES,
    ROLE_NOUNS,
    SKIPPABLE,
    VERB_LIKE,
)
from .names import Mention, is_capitalised, name_mention, possessive, pronoun
from .sentences import QUOTE, Token


def subject_before(toks: list[Token], k: int) -> Mention | None:
    """The subject of the verb at toks[k]: the noun phrase that ends right before it, past
    adverbs and auxiliaries ("Smith also said"), an apposition ("Smith, a senator, said") or a
    relative pronoun ("Smith, who said")."""
    j = _skip_adverbs(toks, k - 1)
    if j >= 1 and toks[j].lower == "to" and toks[j - 1].lower in _TRY:
        j = _skip_adverbs(toks, j - 2)
    elif j >= 2 and toks[j].lower == "to" and toks[j - 1].lower == "on" and toks[j - 2].lower in _TRY:
        j = _skip_adverbs(toks, j - 3)
    if j < 0:
        return None
    word = toks[j].lower
    if word in RELATIVES and word != "that" and j >= 2 and toks[j - 1].text == ",":
        # "Reed, who said" or "Reed as well, who said": the nearest name before the comma
        for i in range(j - 2, max(-1, j - 6), -1):
            if is_capitalised(toks[i].text) and toks[i].lower not in NOT_NAMES:
                return _noun_phrase_before(toks, i)
            if toks[i].text in {",", ".", QUOTE}:
                break
        return _noun_phrase_before(toks, j - 2)
    if toks[j].text == ",":
        return _across_apposition(toks, j)
    return _noun_phrase_before(toks, j)


_TRY = {"attempted", "tried", "wanted", "went", "goes", "go", "continued", "began", "proceeded"}
_NOT_ADVERBS = {
    "family",
    "ally",
    "rally",
    "supply",
    "assembly",
    "daily",
    "weekly",
    "monthly",
    "anomaly",
    "italy",
    "july",
    "only",
}


def skip_adverbs(toks: list[Token], j: int) -> int:
    """Index of the first token at or before j that is no adverb or auxiliary."""
    return _skip_adverbs(toks, j)


def _skip_adverbs(toks: list[Token], j: int) -> int:
    while j >= 0:
        word = toks[j].lower
        adverb = word.endswith("ly") and len(word) > 4 and word not in _NOT_ADVERBS
        if word in SKIPPABLE or (adverb and not is_capitalised(toks[j].text)):
            j -= 1
            continue
        return j
    return j


def _across_apposition(toks: list[Token], comma: int) -> Mention | None:
    """ "Smith, a senator from Ohio, said", "Reed, Bishop of Dover, Kent, said" or
    "The photographer, Ann Lee, told": back over up to three comma-separated appositions
    to the name before them, else an apposition that is itself a name."""
    segments: list[tuple[int, int]] = []
    hi = comma
    for i in range(comma - 1, max(-1, comma - 30), -1):
        if toks[i].text in {".", ";", ":", "!", "?", QUOTE}:
            break
        if toks[i].text != ",":
            continue
        if i + 1 >= hi:
            return None
        segments.append((i + 1, hi))
        found = _noun_phrase_before(toks, i - 1)
        if found is not None and found.kind == "name":
            return found
        if len(segments) == 3:
            break
        hi = i
    for lo, end in segments:
        inner = toks[lo:end]
        if all(is_capitalised(t.text) or t.lower in PARTICLES for t in inner):
            return name_mention(inner)
    return None


def _noun_phrase_before(toks: list[Token], j: int) -> Mention | None:
    if j < 0:
        return None
    tok = toks[j]
    word = tok.lower
    personal = pronoun(word)
    if personal is not None:
        return Mention(tok.start, tok.end, "pronoun", gender=PRONOUNS[personal])
    if word in AUTHOR_PRONOUNS:
        return Mention(tok.start, tok.end, "author")
    if word in RELATIVES:
        return None  # "“…,” which repeated": a relative without its comma refers to a thing
    if word in GROUP_PRONOUNS:
        return Mention(tok.start, tok.end, "generic")
    if word in FUNCTION_WORDS or (j == 0 and word in NOT_NAMES):
        return None  # "…, but explained", a sentence-initial imperative ("Take note that")
    if word in GENERIC_SOURCES and is_capitalised(tok.text):
        return Mention(tok.start, tok.end, "generic", word)  # "Officials said"
    if is_capitalised(tok.text) and word not in NOT_NAMES:
        i = j
        while i - 1 >= 0 and _continues_run(toks, i - 1):
            i -= 1
        found = name_mention(toks[i : j + 1])
        if found is not None and found.kind == "role" and i > 0 and toks[i - 1].lower in {"a", "an"}:
            return Mention(toks[i - 1].start, tok.end, "generic")  # "a senior Labour MP"
        return found
    if tok.text[:1].isalpha() and not possessive(tok.text):
        i = j
        while i - 1 >= 0 and j - i < 4 and toks[i - 1].text[:1].isalpha():
            if toks[i - 1].lower in DETERMINERS or possessive(toks[i - 1].text):
                i -= 1
                break
            i -= 1
        det = toks[i].lower
        if word in ROLE_NOUNS and det == "the":
            return Mention(toks[i].start, tok.end, "role", word)
        if (
            det in DETERMINERS
            or possessive(toks[i].text)
            or (word.endswith("s") and not word.endswith("ss"))
            or word in GENERIC_SOURCES
        ):
            return Mention(toks[i].start, tok.end, "generic", word)  # "his lawyer", "critics"
        return None  # "anti-semite claims": a noun, not a subject and its verb
    return None


def _continues_run(toks: list[Token], i: int) -> bool:
    tok = toks[i]
    if possessive(tok.text):
        return False
    if tok.lower in PARTICLES and i >= 1 and is_capitalised(toks[i - 1].text):
        return True
    return is_capitalised(tok.text) and tok.end + 3 >= toks[i + 1].start


def name_after(toks: list[Token], k: int) -> Mention | None:
    """The subject of an inverted attribution: "said Smith", "said attorney Ann Lee",
    "says the report", "wrote he". Callers ask only where inversion is possible (see
    :func:`inverted`)."""
    j = k + 1
    if j < len(toks) and toks[j].lower in PRONOUNS:
        return Mention(toks[j].start, toks[j].end, "pronoun", gender=PRONOUNS[toks[j].lower])
    skipped = 0
    while j < len(toks) and not is_capitalised(toks[j].text) and skipped < 6:
        word = toks[j].lower
        if not toks[j].text[:1].isalpha() or (word in FUNCTION_WORDS and word != "and"):
            break
        skipped += 1
        j += 1
    if j >= len(toks) or not is_capitalised(toks[j].text) or toks[j].lower in NOT_NAMES - {"the"}:
        if skipped and toks[k + 1].lower in DETERMINERS:
            return Mention(toks[k + 1].start, toks[j - 1].end, "generic")  # "says the report"
        return None
    i = j
    while (
        j + 1 < len(toks)
        and (
            (is_capitalised(toks[j + 1].text) and toks[j].end + 3 >= toks[j + 1].start)
            or (toks[j + 1].lower in PARTICLES and j + 2 < len(toks) and is_capitalised(toks[j + 2].text))
        )
        and not possessive(toks[j].text)
    ):
        j += 1
    if j + 1 < len(toks) and _noun_head(toks[j + 1]):
        return Mention(toks[k + 1].start, toks[j + 1].end, "generic")  # "two House employees"
    return name_mention(toks[i : j + 1])


def _noun_head(tok: Token) -> bool:
    """A lower-case word that makes the capitalised words before it a modifier."""
    word = tok.lower
    return (
        tok.text.islower()
        and word not in FUNCTION_WORDS
        and word not in SKIPPABLE
        and word not in _AFTER_NAME
        and not word.endswith(("ing", "ly", "ed"))
    )


_AFTER_NAME = frozenset(
    ["yesterday", "today", "tonight", "recently", "earlier", "last", "this", "told", "said", "says", "wrote"]
)


def sentence_subject(toks: list[Token], k: int) -> Mention | None:
    """The subject a participle or a coordinated verb shares ("Reed …, calling it “a lie”",
    "Lee praised Reed and wrote", "Reed had mounted a defence, saying"): the latest name or
    pronoun before it that a verb follows, else the subject that opens the sentence."""
    latest: Mention | None = None
    i = 0
    while i < k:
        found, j = _mention_at(toks, i, k)
        if found is not None and j + 1 < len(toks) and _verb_like(toks[j + 1]):
            latest = found
        i = j + 1
    return latest or opening_subject(toks, k)


def opening_subject(toks: list[Token], k: int) -> Mention | None:
    """A name, a described person ("Danish bishop") or a pronoun among the first three words
    of the sentence, before toks[k]."""
    words = 0  # words seen, quotations and leading non-names aside
    i = 0
    while i < k and words < 3:
        tok = toks[i]
        if tok.text == QUOTE or not tok.text[:1].isalnum():
            i += 1
            continue
        found, j = _mention_at(toks, i, k)
        if found is not None:
            if found.kind == "name" and j + 1 < k and toks[j + 1].lower in ROLE_NOUNS:
                head = toks[j + 1]  # "Danish bishop": a description, not a name
                return Mention(tok.start, head.end, "role", head.lower)
            return found
        if tok.lower not in NOT_NAMES:
            words += 1
        i = j + 1
    return None


def _mention_at(toks: list[Token], i: int, k: int) -> tuple[Mention | None, int]:
    """The name run or pronoun starting at toks[i] (and the index of its last token)."""
    tok = toks[i]
    personal = pronoun(tok.lower)
    if personal is not None:
        return Mention(tok.start, tok.end, "pronoun", gender=PRONOUNS[personal]), i
    if not is_capitalised(tok.text) or tok.lower in NOT_NAMES or possessive(tok.text):
        return None, i
    j = i
    while (
        j + 1 < k
        and not possessive(toks[j].text)
        and is_capitalised(toks[j + 1].text)
        and toks[j].end + 3 >= toks[j + 1].start
    ):
        j += 1
    if possessive(toks[j].text):
        return None, j  # "Lee’s attorney": a possessor, not the subject
    if i == j and tok.lower.endswith(("ed", "ing")) and (i == 0 or not toks[i - 1].text[:1].isalnum()):
        return None, j  # "Seen on video: …", "Speaking in Leeds, …"
    found = name_mention(toks[i : j + 1])
    return (found if found is not None and found.kind in {"name", "role"} else None), j


def _verb_like(tok: Token) -> bool:
    """A lower-case word that may be the verb after a subject: "Reed had", "Lee praised"."""
    word = tok.lower
    return tok.text.islower() and (word in VERB_LIKE or word.endswith("ed") or word in ATTRIBUTION_VERBS)


def inverted(toks: list[Token], k: int) -> bool:
    """Whether the verb at toks[k] may have its subject after it: it opens its sentence or follows
    a comma, a colon or a quotation (`“…,” said Smith`, `…, said Smith.`)."""
    j = _skip_adverbs(toks, k - 1)
    return j < 0 or toks[j].text in {",", ":", QUOTE, "—", "–", "-"}
