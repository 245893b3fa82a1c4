"""propscan.checks: every Document says when its text is not English or much shorter than an article."""

from __future__ import annotations

import pytest

from propscan.checks import SHORT_WORDS, detect_language, text_checks

ENGLISH = (
    "The city council voted on Tuesday night to approve the sale of the old harbour warehouses to a "
    "private developer, ending a year of fierce debate about the future of the waterfront. "
) * 6  # about 190 words
GERMAN = (
    "Die Regierung hat gestern beschlossen, die Steuern zu erhöhen, was viele Bürger empört. Der "
    "Minister sagte, dass es keine andere Wahl gebe. Die Opposition nannte den Plan einen Verrat an "
    "den Familien und kündigte Widerstand an. In der Stadt gingen tausende Menschen auf die Straße. "
) * 4
FRENCH = (
    "Le gouvernement a décidé hier d'augmenter les impôts, ce qui a indigné de nombreux citoyens. Le "
    "ministre a déclaré qu'il n'y avait pas d'autre choix. L'opposition a qualifié le plan de trahison "
    "envers les familles et a annoncé sa résistance dans toute la ville. "
) * 4


def codes(text: str) -> list[str]:
    return [w["code"] for w in text_checks(text).get("warnings", [])]


def test_an_english_article_gets_no_warning():
    assert text_checks(ENGLISH) == {"language": "en"}


@pytest.mark.parametrize(("text", "code"), [(GERMAN, "de"), (FRENCH, "fr")])
def test_other_languages_are_named_and_warned_about(text, code):
    found = text_checks(text)
    assert found["language"] == code and codes(text) == ["W-LANGUAGE"]
    assert "English news only" in found["warnings"][0]["message"]


def test_a_short_text_is_warned_about_and_says_how_short():
    found = text_checks("Only a fool would trust these corrupt traitors. The vote is on Monday.")
    assert found["language"] == "en" and codes("Only a fool would trust these corrupt traitors.") == [
        "W-SHORT"
    ]
    assert "(13 words)" in found["warnings"][0]["message"]
    assert codes(" ".join(["word"] * SHORT_WORDS)) == []  # not short at the limit


def test_too_few_words_name_no_language_and_blank_text_says_nothing():
    assert detect_language("Stop the steal!") is None
    assert text_checks("Make America great again") == {
        "warnings": text_checks("Make America great again")["warnings"]
    }
    assert text_checks("") == {} and text_checks(" \n ") == {}


def test_the_detector_puts_the_checks_in_every_document(tiny_detector):
    short, german = tiny_detector.analyze_many(["They are evil.", GERMAN])
    assert [w["code"] for w in short.meta["warnings"]] == ["W-SHORT"]
    assert german.meta["language"] == "de" and "W-LANGUAGE" in [w["code"] for w in german.meta["warnings"]]
    assert "warnings" not in tiny_detector.analyze(ENGLISH).meta
