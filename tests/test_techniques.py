import re

import pytest

from propscan.errors import InvalidSpanError
from propscan.techniques import LABELS, TECHNIQUES, get, is_label

# The label column of the corpus README table, in its order.
README_LABELS = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Doubt",
    "Exaggeration,Minimisation",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Appeal_to_Authority",
    "Slogans",
    "Whataboutism,Straw_Men,Red_Herring",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Bandwagon,Reductio_ad_hitlerum",
)


def test_labels_match_the_corpus_in_order():
    assert LABELS == README_LABELS
    assert tuple(t.label for t in TECHNIQUES) == README_LABELS


def test_colours_are_unique_hex_triplets():
    colours = [t.color for t in TECHNIQUES]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert len(set(colours)) == len(colours)


def test_every_technique_is_documented():
    for t in TECHNIQUES:
        for text in (t.name, t.definition, t.example):
            assert text.strip() and "TODO" not in text, t.label
        assert len(t.definition) > 40, t.label


def test_get_returns_the_technique_and_rejects_unknown_labels():
    assert get("Doubt").name == "Doubt"
    assert is_label("Slogans") and not is_label("slogans")
    with pytest.raises(InvalidSpanError, match=r"unknown technique 'Sarcasm'.*Loaded_Language"):
        get("Sarcasm")
