"""From a mention to a speaker: the fullest name form, pronouns and descriptions resolved to
the most recent fitting named speaker."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .names import Mention, NameIndex, organisation, person_like

_HISTORY = 12  # how many earlier speakers a pronoun may reach back to
_RUNS_BACK = 60  # how many earlier capitalised runs a description or a lone pronoun may search


@dataclass(frozen=True)
class Speaker:
    name: str
    start: int  # the name mention the speaker rests on
    end: int
    gender: str | None = None


class Resolver:
    """Resolves mentions in text order; every named speaker becomes a candidate for the pronouns
    and descriptions that follow."""

    def __init__(self, names: NameIndex, zones: list[tuple[int, int]]) -> None:
        self.names = names
        self.history: list[Speaker] = []
        self._zones = zones  # quotations, sorted: a name inside one is nobody's antecedent
        self._zone_starts = [z[0] for z in zones]

    def resolve(
        self, mention: Mention | None, pos: int, sentence_start: int = 0, previous: Mention | None = None
    ) -> Speaker | None:
        """Speaker of an attribution at ``pos``; ``mention`` None is a participle's missing
        subject, which continues the last speaker. A pronoun prefers a person named earlier in
        its own sentence, then whichever came later: the last named speaker, or the name that
        opens the previous sentence (``previous``: "Reed gave an interview. “…,” he said")."""
        if mention is None:
            return self.history[-1] if self.history else None
        found: Speaker | None
        if mention.kind == "name" and mention.name:
            found = Speaker(self.names.fullest(mention.name), mention.start, mention.end, mention.gender)
        elif mention.kind == "pronoun":
            found = self._last_run(mention.start, None, sentence_start)
            last = self._last(mention.gender)
            if found is None and self._fits(previous, last):
                assert previous is not None and previous.name is not None  # checked by _fits
                found = Speaker(self.names.fullest(previous.name), previous.start, previous.end)
            found = found or last or self._last_run(pos, None)
        elif mention.kind == "role":
            found = self._last_run(pos, mention.name) or self._last(None)
        else:
            return None
        if found is not None:
            self.remember(found)
        return found

    def _fits(self, previous: Mention | None, last: Speaker | None) -> bool:
        """The name opening the previous sentence may stand for a pronoun: a person, outside any
        quotation, mentioned after the last named speaker."""
        if previous is None or previous.kind != "name" or not previous.name:
            return False
        if (last is not None and previous.start <= last.start) or self._quoted(previous.start):
            return False
        fullest = self.names.fullest(previous.name)  # "Reed" when "Tom Reed" is known
        return person_like(fullest, frozenset(w.lower() for w in previous.name.split()))

    def remember(self, speaker: Speaker) -> None:
        self.history.append(speaker)

    def _last(self, gender: str | None) -> Speaker | None:
        """The last named speaker a pronoun of ``gender`` may stand for: "he" is no organisation."""
        for speaker in reversed(self.history[-_HISTORY:]):
            if gender is not None and organisation(speaker.name):
                continue
            if gender is None or speaker.gender is None or speaker.gender == gender:
                return speaker
        return None

    def _last_run(self, pos: int, role: str | None, since: int = 0) -> Speaker | None:
        """The latest capitalised run before pos that carries ``role`` among its words (for "the
        senator"), or that looks like a person (two or more words, or a title) when role is None."""
        runs = self.names.runs
        k = bisect.bisect_left(self.names.starts, pos)
        for start, end, raw, name in reversed(runs[max(0, k - _RUNS_BACK) : k]):
            if start < since:
                break
            if role is not None and role in raw and name.lower() != role:
                return Speaker(self.names.fullest(name), start, end)
            if role is None and end <= pos and person_like(name, raw) and not self._quoted(start):
                return Speaker(self.names.fullest(name), start, end)
        return None

    def _quoted(self, pos: int) -> bool:
        k = bisect.bisect_right(self._zone_starts, pos) - 1
        return k >= 0 and self._zones[k][1] > pos
