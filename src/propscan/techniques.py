"""The 14 propaganda techniques of the Propaganda Techniques Corpus.

Label strings are exactly those of the corpus files. Display names, definitions and examples are
written in our own words; colours are chosen to stay distinguishable next to each other, and each
technique has its own one of the 14 background colours a 16-colour terminal can show (``ansi``).
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
    short: str = ""  # the tag at a span in the terminal and notebook views
    ansi: str = ""  # the nearest of the 16 terminal colours, distinct for every technique


TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "Loaded_Language",
        "Loaded language",
        "Words or phrases with strong emotional charge, positive or negative, chosen to sway the "
        "reader rather than to inform.",
        "The council's reckless, disastrous scheme will gut our schools.",
        "#e6194b",
        short="Loaded language",
        ansi="bright_red",
    ),
    Technique(
        "Name_Calling,Labeling",
        "Name calling / labeling",
        "Attaching a label to the target of the message that the audience fears, despises or, "
        "conversely, admires, so that the label stands in for an argument.",
        "Only a spineless bureaucrat would sign such a deal.",
        "#f58231",
        short="Name calling",
        ansi="yellow",
    ),
    Technique(
        "Repetition",
        "Repetition",
        "Restating the same message or phrase again and again so that the audience comes to "
        "accept it through familiarity.",
        "We need jobs. Jobs for our towns, jobs for our children, jobs now.",
        "#ffe119",
        short="Repetition",
        ansi="bright_yellow",
    ),
    Technique(
        "Doubt",
        "Doubt",
        "Casting suspicion on the credibility of a person, group or claim without showing that "
        "it is actually wrong.",
        "Can we really trust a committee that has never published its own figures?",
        "#bfef45",
        short="Doubt",
        ansi="bright_green",
    ),
    Technique(
        "Exaggeration,Minimisation",
        "Exaggeration / minimisation",
        "Making something look far bigger, better or worse than it is, or playing down something "
        "that matters as if it were trivial.",
        "It was the biggest rally this country has ever seen, and the leak was just a harmless typo.",
        "#3cb44b",
        short="Exaggeration",
        ansi="green",
    ),
    Technique(
        "Appeal_to_fear-prejudice",
        "Appeal to fear / prejudice",
        "Winning support for an idea by stirring up anxiety or panic about the alternative, often "
        "by playing on existing prejudices.",
        "If this bill passes, gangs will be roaming your street before Christmas.",
        "#42d4f4",
        short="Fear appeal",
        ansi="bright_cyan",
    ),
    Technique(
        "Flag-Waving",
        "Flag-waving",
        "Justifying an action or idea by appealing to strong feelings of loyalty to a nation or "
        "another group, such as a party, faith or ethnicity.",
        "Every true patriot will stand behind this pipeline.",
        "#4363d8",
        short="Flag-waving",
        ansi="blue",
    ),
    Technique(
        "Causal_Oversimplification",
        "Causal oversimplification",
        "Pinning a complex issue on a single cause when several factors are at play, including "
        "blaming one person or group for it.",
        "Prices rose the week the new governor took office, so she is why your groceries cost more.",
        "#911eb4",
        short="Causal oversimpl.",
        ansi="magenta",
    ),
    Technique(
        "Appeal_to_Authority",
        "Appeal to authority",
        "Presenting a claim as true because an authority or celebrity said so, without other "
        "evidence, whether or not that person is really an expert on the matter.",
        "A famous surgeon has backed the plan, so there is nothing left to discuss.",
        "#f032e6",
        short="Authority appeal",
        ansi="bright_magenta",
    ),
    Technique(
        "Slogans",
        "Slogans",
        "A short, catchy phrase, often built on labels or stereotypes, that works as an emotional "
        "rallying cry rather than an argument.",
        "Strong borders, strong families!",
        "#a9a9a9",
        short="Slogan",
        ansi="white",
    ),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism / straw man / red herring",
        "Dodging an argument instead of answering it: accusing the other side of hypocrisy, "
        "refuting a distorted version of its position, or steering attention to something irrelevant.",
        "He talks about safer roads, but what about the potholes his own party ignored for years?",
        "#9a6324",
        short="Whataboutism",
        ansi="bright_black",
    ),
    Technique(
        "Black-and-White_Fallacy",
        "Black-and-white fallacy",
        "Presenting two options as the only possible ones when others exist, or telling the "
        "audience the one thing it must do as if there were no other choice.",
        "Either you back this law or you are on the side of the criminals.",
        "#800000",
        short="Black-and-white",
        ansi="red",
    ),
    Technique(
        "Thought-terminating_Cliches",
        "Thought-terminating cliché",
        "A stock phrase that cuts discussion short and discourages critical thinking by offering "
        "a simple-sounding answer to a complicated question.",
        "It is what it is, and that is the end of the story.",
        "#469990",
        short="Cliché",
        ansi="cyan",
    ),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum",
        "Bandwagon / reductio ad Hitlerum",
        "Urging people to adopt an idea because everyone else already has, or to reject one "
        "because groups the audience despises are said to support it.",
        "Half the town has already joined the boycott; only the usual extremists still oppose it.",
        "#000075",
        short="Bandwagon",
        ansi="bright_blue",
    ),
)

LABELS: tuple[str, ...] = tuple(t.label for t in TECHNIQUES)
_BY_LABEL = {t.label: t for t in TECHNIQUES}


def get(label: str) -> Technique:
    """The technique with this corpus label; raises InvalidSpanError naming the valid labels."""
    try:
        return _BY_LABEL[label]
    except KeyError:
        raise InvalidSpanError(f"unknown technique {label!r}; use one of: {', '.join(LABELS)}") from None


def is_label(label: str) -> bool:
    return label in _BY_LABEL
