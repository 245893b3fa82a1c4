"""Names: mentions, the fullest form of a name, persons versus organisations.

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
    FEMALE_TITLES,
    NOT_NAMES,
    ORG_WORDS,
    PARTICLES,
    PRONOUNS,
    ROLE_NOUNS,
    TITLES,
)
from .sentences import Token

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


def possessive(word: str) -> bool:
    return word.endswith(("’s", "'s", "s’", "s'"))


def clean_name(words: list[str]) -> list[str]:
    """Drop leading non-name words and everything up to the last title: "Ohio Rep. James Jordan"
    gives ["James", "Jordan"]; a run of titles only gives []. An organisation keeps its words
    ("City Office of Budget Review")."""
    words = [w.rstrip(".,") if w.lower().rstrip(".") in TITLES else w for w in words]
    last_title = -1
    for i, word in enumerate(words):
        if word.lower().rstrip(".") in TITLES and i < len(words) - 1:
            last_title = i
    person = words[last_title + 1 :]
    if last_title >= 0 and person and person[0].lower() in PARTICLES:
        return []  # "Anglican Bishop of Dover": a description, not a name
    organisation = any(bare(w) in ORG_WORDS for w in words)
    named_person = len(person) >= 2 and not any(bare(w) in ORG_WORDS for w in person)
    words = words if organisation and not named_person else person
    while words and (words[0].lower() in NOT_NAMES or words[0].lower() in PARTICLES):
        words = words[1:]
    while words and words[-1].lower() in PARTICLES:
        words = words[:-1]
    if words and possessive(words[-1]):
        words[-1] = words[-1][:-2] if words[-1][-2:] in ("’s", "'s") else words[-1][:-1]
    if words and all(w.lower().rstrip(".") in TITLES for w in words):
        return []
    return words[-MAX_NAME_TOKENS:]


def bare(word: str) -> str:
    word = word.lower().rstrip(".")
    return word[:-2] if word.endswith(("’s", "'s")) else word


def fold(name: str) -> str:
    """Lower case without accents, for comparing name tokens ("Zoë" == "zoe")."""
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


def name_mention(run: list[Token]) -> Mention | None:
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


def organisation(name: str) -> bool:
    """A name of an organisation or a place: an organisation word, or one word in capitals ("FBI")."""
    words = name.split()
    return any(bare(w) in ORG_WORDS for w in words) or (len(words) == 1 and name.isupper() and len(name) > 1)


def person_like(name: str, raw: frozenset[str]) -> bool:
    """A run that may be a person a pronoun points to: two or more words or a title, and no word
    of an organisation ("Green Party Caucus")."""
    words = name.lower().split()
    return (len(words) >= 2 or bool(raw & TITLES)) and not any(w in ORG_WORDS for w in words)
