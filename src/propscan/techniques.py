"""The 14 propaganda techniques of the Propaganda Techniques Corpus.

Label strings are exactly those of the corpus files. Display names, definitions and examples are
written in our own words; colours are chosen to stay distinguishable next to each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidSpanError


@dataclass(frozen=True)
class Technique:
    label: str  # exactly as in the corpus label files
    name: str  # for people
    definition: str
    example: str  # invented, not from the corpus
    color: str  # "#rrggbb"


TECHNIQUES: tuple[Technique, ...] = (
    Technique("Loaded_Language", "Loaded language", "TODO", "TODO", "#e6194b"),
    Technique("Name_Calling,Labeling", "Name calling / labeling", "TODO", "TODO", "#f58231"),
    Technique("Repetition", "Repetition", "TODO", "TODO", "#ffe119"),
    Technique("Doubt", "Doubt", "TODO", "TODO", "#bfef45"),
    Technique("Exaggeration,Minimisation", "Exaggeration / minimisation", "TODO", "TODO", "#3cb44b"),
    Technique("Appeal_to_fear-prejudice", "Appeal to fear / prejudice", "TODO", "TODO", "#42d4f4"),
    Technique("Flag-Waving", "Flag-waving", "TODO", "TODO", "#4363d8"),
    Technique("Causal_Oversimplification", "Causal oversimplification", "TODO", "TODO", "#911eb4"),
    Technique("Appeal_to_Authority", "Appeal to authority", "TODO", "TODO", "#f032e6"),
    Technique("Slogans", "Slogans", "TODO", "TODO", "#a9a9a9"),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism / straw man / red herring",
        "TODO",
        "TODO",
        "#9a6324",
    ),
    Technique("Black-and-White_Fallacy", "Black-and-white fallacy", "TODO", "TODO", "#800000"),
    Technique("Thought-terminating_Cliches", "Thought-terminating cliché", "TODO", "TODO", "#469990"),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum", "Bandwagon / reductio ad Hitlerum", "TODO", "TODO", "#000075"
    ),
)

LABELS: tuple[str, ...] = tuple(t.label for t in TECHNIQUES)
_BY_LABEL = {t.label: t for t in TECHNIQUES}


def get(label: str) -> Technique:
    """The technique with this corpus label; raises InvalidSpanError naming the valid labels."""
    try:
        return _BY_LABEL[label]
    except KeyError:
        raise InvalidSpanError(
            f"unknown technique {label!r}; use one of: {', '.join(LABELS)}"
        ) from None


def is_label(label: str) -> bool:
    return label in _BY_LABEL
