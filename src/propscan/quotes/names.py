"""Names: the noun phrase before or after a speech verb, and the fullest form of a name.

A *mention* is what the text says at an attribution: a name ("Senator Rand Paul"), a pronoun
("he"), a description that points back to a person ("the senator"), or a generic source
("officials", "a source", "the report") that names nobody.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from .lexicon import (
    AUTHOR_PRONOUNS,
    DETERMINERS,
    FEMALE_TITLES,
    FUNCTION_WORDS,
    GENERIC_SOURCES,
    GROUP_PRONOUNS,
    NOT_NAMES,
    ORG_WORDS,
    PARTICLES,
    PRONOUNS,
    RELATIVES,
    ROLE_NOUNS,
    SKIPPABLE,
    TITLES,
)
from .sentences import QUOTE, Token

MentionKind = Literal["name", "pronoun", "role", "generic", "author"]
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž]")
_RUN = re.compile(
    r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'\-]*\.?(?:[ \t]+(?:(?:de|da|van|von|bin|ibn|al|del|la|le|du|of)[ \t]+)?"
    r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'\-]*\.?)+"
)  # two capitalised words or more: a lone one is no fuller form of a name, nor a person
MAX_NAME_TOKENS = 4


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: MentionKind
    name: str | None = None  # the cleaned name for kind "name", the role noun for kind "role"
    gender: str | None = None  # "m" or "f" where a pronoun or title tells


def is_capitalised(word: str) -> bool:
    """Starts with a capital, and is no capitalised compound such as "Anti-jihadist"."""
    if not word or _UPPER.match(word) is None:
        return False
    tail = word.rsplit("-", 1)[-1]
    return "-" not in word or not tail[:1].islower()


def _possessive(word: str) -> bool:
    return word.endswith(("’s", "'s", "s’", "s'"))


def clean_name(words: list[str]) -> list[str]:
    """Drop leading non-name words and everything up to the last title: "Ohio Rep. James Jordan"
    gives ["James", "Jordan"]; a run of titles only gives []."""
    words = [w.rstrip(".,") if w.lower().rstrip(".") in TITLES else w for w in words]
    last_title = -1
    for i, word in enumerate(words):
        if word.lower().rstrip(".") in TITLES and i < len(words) - 1:
            last_title = i
    words = words[last_title + 1 :]
    while words and (words[0].lower() in NOT_NAMES or words[0].lower() in PARTICLES):
        words = words[1:]
    while words and words[-1].lower() in PARTICLES:
        words = words[:-1]
    if words and _possessive(words[-1]):
        words[-1] = words[-1][:-2] if words[-1][-2:] in ("’s", "'s") else words[-1][:-1]
    if words and all(w.lower().rstrip(".") in TITLES for w in words):
        return []
    return words[-MAX_NAME_TOKENS:]


def fold(name: str) -> str:
    """Lower case without accents, for comparing name tokens ("Orbán" == "orban")."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


class NameIndex:
    """Every capitalised run of the article: the fullest form of a name, and the runs in order
    for resolving "the senator" to the last "Senator ..." mentioned."""

    def __init__(self, text: str) -> None:
        self._by_last: dict[str, str] = {}
        self.runs: list[tuple[int, int, frozenset[str], str]] = []  # start, end, raw words, name
        for match in _RUN.finditer(text):
            raw = match.group().split()
            words = clean_name(raw)
            if not words:
                continue
            name = " ".join(words)
            key = fold(words[-1])
            best = self._by_last.get(key)
            if best is None or len(words) > len(best.split()):
                self._by_last[key] = name
            end = match.end() - (len(raw[-1]) - len(words[-1]) if raw[-1].startswith(words[-1]) else 0)
            start = end - len(name) if text.endswith(name, 0, end) else match.start()
            self.runs.append((start, end, frozenset(w.lower().rstrip(".") for w in raw), name))
        self.starts = [run[0] for run in self.runs]

    def fullest(self, name: str) -> str:
        words = name.split()
        best = self._by_last.get(fold(words[-1])) if words else None
        if best is None:
            return name
        have = {fold(w) for w in best.split()}
        return best if {fold(w) for w in words} <= have and len(best) > len(name) else name


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
        # "Cruz, who said" or "Cruz as well, who said": the nearest name before the comma
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
    """ "Smith, a senator from Ohio, said" or "The photographer, Askia Muhammad, told": the
    apposition opens with a determiner or a relative pronoun, or is itself a name."""
    for i in range(comma - 1, max(-1, comma - 25), -1):
        if toks[i].text in {".", ";", ":", "!", "?", QUOTE}:
            return None
        if toks[i].text == ",":
            inner = toks[i + 1 : comma]
            if not inner:
                return None
            if all(is_capitalised(t.text) or t.lower in PARTICLES for t in inner):
                return _name_mention(inner)
            if inner[0].lower in DETERMINERS or inner[0].lower in RELATIVES:
                found = _noun_phrase_before(toks, i - 1)
                return found if found is not None and found.kind == "name" else None
            return None
    return None


def _noun_phrase_before(toks: list[Token], j: int) -> Mention | None:
    if j < 0:
        return None
    tok = toks[j]
    word = tok.lower
    if word in PRONOUNS:
        return Mention(tok.start, tok.end, "pronoun", gender=PRONOUNS[word])
    if word in AUTHOR_PRONOUNS:
        return Mention(tok.start, tok.end, "author")
    if word in RELATIVES:
        return None  # "“…,” which repeated": a relative without its comma refers to a thing
    if word in GROUP_PRONOUNS:
        return Mention(tok.start, tok.end, "generic")
    if word in FUNCTION_WORDS or (j == 0 and word in NOT_NAMES):
        return None  # "…, but explained", a sentence-initial imperative ("Take note that")
    if word in GENERIC_SOURCES:
        return Mention(tok.start, tok.end, "generic")
    if is_capitalised(tok.text) and word not in NOT_NAMES:
        i = j
        while i - 1 >= 0 and _continues_run(toks, i - 1):
            i -= 1
        found = _name_mention(toks[i : j + 1])
        if found is not None and found.kind == "role" and i > 0 and toks[i - 1].lower in {"a", "an"}:
            return Mention(toks[i - 1].start, tok.end, "generic")  # "a senior Labour MP"
        return found
    if tok.text[:1].isalpha() and not _possessive(tok.text):
        i = j
        while i - 1 >= 0 and j - i < 4 and toks[i - 1].text[:1].isalpha():
            if toks[i - 1].lower in DETERMINERS or _possessive(toks[i - 1].text):
                i -= 1
                break
            i -= 1
        det = toks[i].lower
        if word in ROLE_NOUNS and det == "the":
            return Mention(toks[i].start, tok.end, "role", word)
        if (
            det in DETERMINERS
            or _possessive(toks[i].text)
            or (word.endswith("s") and not word.endswith("ss"))
        ):
            return Mention(toks[i].start, tok.end, "generic", word)  # "his lawyer", "critics"
        return None  # "anti-semite claims": a noun, not a subject and its verb
    return None


def _continues_run(toks: list[Token], i: int) -> bool:
    tok = toks[i]
    if _possessive(tok.text):
        return False
    if tok.lower in PARTICLES and i >= 1 and is_capitalised(toks[i - 1].text):
        return True
    return is_capitalised(tok.text) and tok.end + 3 >= toks[i + 1].start


def name_after(toks: list[Token], k: int) -> Mention | None:
    """The subject of an inverted attribution: "said Smith", "said attorney Elizabeth Yore",
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
        and not _possessive(toks[j].text)
    ):
        j += 1
    if j + 1 < len(toks) and _noun_head(toks[j + 1]):
        return Mention(toks[k + 1].start, toks[j + 1].end, "generic")  # "two House employees"
    return _name_mention(toks[i : j + 1])


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
    """The subject a participle or a coordinated verb shares ("Francis …, calling it “calumny”",
    "Geller praised Orban and wrote"): a name or pronoun among the first words of the sentence,
    else the first name of two or more words before the verb, else None."""
    first: Mention | None = None
    words = 0  # words seen, quotations and leading non-names aside
    i = 0
    while i < k:
        tok = toks[i]
        if tok.text == QUOTE or not tok.text[:1].isalnum():
            i += 1
            continue
        if tok.lower in PRONOUNS and words < 3:
            return Mention(tok.start, tok.end, "pronoun", gender=PRONOUNS[tok.lower])
        if is_capitalised(tok.text) and tok.lower not in NOT_NAMES and not _possessive(tok.text):
            j = i
            while (
                j + 1 < k
                and not _possessive(toks[j].text)
                and is_capitalised(toks[j + 1].text)
                and toks[j].end + 3 >= toks[j + 1].start
            ):
                j += 1
            found = _name_mention(toks[i : j + 1])
            if found is not None and found.kind == "name" and not _possessive(toks[j].text):
                if words < 3 or len(found.name.split()) >= 2:  # type: ignore[union-attr]
                    return found
                first = first or found
            i = j
        if tok.lower not in NOT_NAMES:
            words += 1
        i += 1
    return first


def _name_mention(run: list[Token]) -> Mention | None:
    words = clean_name([t.text for t in run])
    if not words or (len(words) == 1 and words[0].lower() in ROLE_NOUNS) or run[-1].lower in TITLES:
        if run and run[-1].lower in ROLE_NOUNS:
            return Mention(run[0].start, run[-1].end, "role", run[-1].lower)
        return None
    # the mention's offsets cover the kept words only, without a possessive ending
    start = run[len(run) - len(words)].start if len(words) <= len(run) else run[0].start
    end = run[-1].end - (len(run[-1].text) - len(words[-1]) if run[-1].text.startswith(words[-1]) else 0)
    gender = "f" if any(t.lower in FEMALE_TITLES for t in run) else None
    if any(t.lower in {"mr", "sir", "lord", "king", "prince", "father", "brother"} for t in run):
        gender = "m"
    return Mention(start, max(end, start + 1), "name", " ".join(words), gender)


def inverted(toks: list[Token], k: int) -> bool:
    """Whether the verb at toks[k] may have its subject after it: it opens its sentence or follows
    a comma, a colon or a quotation (`“…,” said Smith`, `…, said Smith.`)."""
    j = _skip_adverbs(toks, k - 1)
    return j < 0 or toks[j].text in {",", ":", QUOTE, "—", "–", "-"}


def person_like(name: str, raw: frozenset[str]) -> bool:
    """A run that may be a person a pronoun points to: two or more words or a title, and no word
    of an organisation ("Congressional Black Caucus")."""
    words = name.lower().split()
    return (len(words) >= 2 or bool(raw & TITLES)) and not any(w in ORG_WORDS for w in words)
