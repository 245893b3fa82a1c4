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
    ATTRIBUTION_VERBS,
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
    VERB_LIKE,
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


def pronoun(word: str) -> str | None:
    """ "he", "he'd", "she’s" -> "he" / "she": the personal pronoun a token stands for, if any."""
    base = word.split("'", 1)[0]
    return base if base in PRONOUNS and (base == word or word[len(base) + 1 :] in _CONTRACTED) else None


_CONTRACTED = {"d", "s", "ll", "ve", "re"}


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
    gives ["James", "Jordan"]; a run of titles only gives []. An organisation keeps its words
    ("House Office of Inspector General")."""
    words = [w.rstrip(".,") if w.lower().rstrip(".") in TITLES else w for w in words]
    last_title = -1
    for i, word in enumerate(words):
        if word.lower().rstrip(".") in TITLES and i < len(words) - 1:
            last_title = i
    person = words[last_title + 1 :]
    if last_title >= 0 and person and person[0].lower() in PARTICLES:
        return []  # "Roman Catholic Bishop of Worcester": a description, not a name
    organisation = any(_bare(w) in ORG_WORDS for w in words)
    named_person = len(person) >= 2 and not any(_bare(w) in ORG_WORDS for w in person)
    words = words if organisation and not named_person else person
    while words and (words[0].lower() in NOT_NAMES or words[0].lower() in PARTICLES):
        words = words[1:]
    while words and words[-1].lower() in PARTICLES:
        words = words[:-1]
    if words and _possessive(words[-1]):
        words[-1] = words[-1][:-2] if words[-1][-2:] in ("’s", "'s") else words[-1][:-1]
    if words and all(w.lower().rstrip(".") in TITLES for w in words):
        return []
    return words[-MAX_NAME_TOKENS:]


def _bare(word: str) -> str:
    word = word.lower().rstrip(".")
    return word[:-2] if word.endswith(("’s", "'s")) else word


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
    """ "Smith, a senator from Ohio, said", "McManus, Bishop of Worcester, Massachusetts, said" or
    "The photographer, Askia Muhammad, told": back over up to three comma-separated appositions
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
            return _name_mention(inner)
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
            or word in GENERIC_SOURCES
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
    "Geller praised Orban and wrote", "Trump had mounted a defense, saying"): the latest name or
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
    """A name, a described person ("Swiss bishop") or a pronoun among the first three words
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
                head = toks[j + 1]  # "Swiss bishop": a description, not a name
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
    if not is_capitalised(tok.text) or tok.lower in NOT_NAMES or _possessive(tok.text):
        return None, i
    j = i
    while (
        j + 1 < k
        and not _possessive(toks[j].text)
        and is_capitalised(toks[j + 1].text)
        and toks[j].end + 3 >= toks[j + 1].start
    ):
        j += 1
    if _possessive(toks[j].text):
        return None, j  # "Abid’s attorney": a possessor, not the subject
    if i == j and tok.lower.endswith(("ed", "ing")) and (i == 0 or not toks[i - 1].text[:1].isalnum()):
        return None, j  # "Caught on video: …", "Speaking in Ankara, …"
    found = _name_mention(toks[i : j + 1])
    return (found if found is not None and found.kind in {"name", "role"} else None), j


def _verb_like(tok: Token) -> bool:
    """A lower-case word that may be the verb after a subject: "Trump had", "Geller praised"."""
    word = tok.lower
    return tok.text.islower() and (word in VERB_LIKE or word.endswith("ed") or word in ATTRIBUTION_VERBS)


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


def organisation(name: str) -> bool:
    """A name of an organisation or a place: an organisation word, or one word in capitals ("FBI")."""
    words = name.split()
    return any(_bare(w) in ORG_WORDS for w in words) or (len(words) == 1 and name.isupper() and len(name) > 1)


def person_like(name: str, raw: frozenset[str]) -> bool:
    """A run that may be a person a pronoun points to: two or more words or a title, and no word
    of an organisation ("Congressional Black Caucus")."""
    words = name.lower().split()
    return (len(words) >= 2 or bool(raw & TITLES)) and not any(w in ORG_WORDS for w in words)
