"""The Quote record: one quotation in an article, with its speaker, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..errors import InvalidSpanError

Kind = Literal["direct", "indirect"]
KINDS: tuple[str, ...] = get_args(Kind)
FIELDS = ("start", "end", "kind", "speaker", "speaker_start", "speaker_end")


@dataclass(frozen=True)
class Quote:
    """A quotation over text[start:end] (half-open str indices of the quoted or reported content,
    without quotation marks, speech verb or speaker).

    ``speaker`` is the fullest name form of the source found in the article, or None when the
    text names nobody; ``speaker_start``/``speaker_end`` index the name mention the attribution
    rests on (for a pronoun or a continued quote, the mention of the person it was resolved to).
    """

    start: int
    end: int
    kind: Kind
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None

    def __post_init__(self) -> None:
        if not (_is_int(self.start) and _is_int(self.end) and 0 <= self.start < self.end):
            raise InvalidSpanError(
                f"a quote needs integer offsets with 0 <= start < end, got {self.start!r}, {self.end!r}"
            )
        if self.kind not in KINDS:
            raise InvalidSpanError(f"a quote's kind must be one of {KINDS}, got {self.kind!r}")
        if self.speaker is not None and not isinstance(self.speaker, str):
            raise InvalidSpanError(f"a quote's speaker must be a str or None, got {self.speaker!r}")
        start, end = self.speaker_start, self.speaker_end
        if (start, end) != (None, None) and not (
            isinstance(start, int)
            and isinstance(end, int)
            and _is_int(start)
            and _is_int(end)
            and 0 <= start < end
        ):
            raise InvalidSpanError(
                "speaker_start and speaker_end must both be None or integers with 0 <= start < end, "
                f"got {(start, end)!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quote:
        if not isinstance(data, dict):
            raise InvalidSpanError(f"a Quote dict must be an object with fields {FIELDS}, got {data!r}")
        missing = [name for name in ("start", "end", "kind") if name not in data]
        if missing:
            raise InvalidSpanError(f"a Quote dict needs the fields {missing}: {data!r}")
        return cls(
            data["start"],
            data["end"],
            data["kind"],
            data.get("speaker"),
            data.get("speaker_start"),
            data.get("speaker_end"),
        )


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True is no offset
    return isinstance(value, int) and not isinstance(value, bool)
