"""Speakers and indirect speech on invented articles: where the speaker stands, pronouns,
descriptions and continued quotes, the fullest name form, and each reporting pattern."""

from __future__ import annotations

import pytest

from propscan.quotes import find_quotes


def found(text: str, kind: str) -> list[tuple[str, str | None]]:
    return [(text[q.start : q.end], q.speaker) for q in find_quotes(text) if q.kind == kind]


# --- speakers of direct quotes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "“The bridge is unsafe,” Smith said.",
        "“The bridge is unsafe,” said Smith.",
        "Smith said: “The bridge is unsafe.”",
        "Smith told reporters on Monday, “The bridge is unsafe.”",
        "“The bridge is unsafe,” Smith, an engineer from Ohio, told the council.",
        "Smith, an engineer from Ohio, told the council: “The bridge is unsafe.”",
        "“The bridge is unsafe,” Smith also warned.",
    ],
)
def test_the_speaker_stands_before_or_after_the_verb_or_across_an_apposition(text: str) -> None:
    quotes = [q for q in find_quotes(text) if q.kind == "direct"]
    assert [(text[q.start : q.end].rstrip(",."), q.speaker) for q in quotes] == [
        ("The bridge is unsafe", "Smith")
    ]
    assert text[quotes[0].speaker_start : quotes[0].speaker_end] == "Smith"


def test_a_dash_and_a_name_after_a_quote_name_its_speaker() -> None:
    text = "The essay opened with a line.\n“The tree of liberty must be refreshed.” — Thomas Jefferson"
    assert found(text, "direct") == [("The tree of liberty must be refreshed.", "Thomas Jefferson")]


def test_the_speaker_is_the_fullest_name_form_without_titles() -> None:
    text = "Senator Rand Paul spoke in Louisville.\n“We will win this vote,” Paul said."
    quotes = [q for q in find_quotes(text) if q.kind == "direct"]
    assert quotes[0].speaker == "Rand Paul"
    # the offsets index the mention the attribution rests on, here "Paul" next to the verb
    assert text[quotes[0].speaker_start : quotes[0].speaker_end] == "Paul"


def test_a_pronoun_resolves_to_the_last_named_speaker() -> None:
    text = (
        "“The plant will close in May,” said Mary Jones, the union leader.\n"
        "The company did not answer.\n"
        "“Nobody told us anything,” she said."
    )
    assert found(text, "direct") == [
        ("The plant will close in May,", "Mary Jones"),
        ("Nobody told us anything,", "Mary Jones"),
    ]


def test_a_pronoun_prefers_a_person_named_earlier_in_its_sentence() -> None:
    text = (
        "“We need more money,” Mary Jones said.\n"
        "Governor Tom Baker, who visited the plant, said he agreed: “We will find it.”"
    )
    assert found(text, "direct")[-1] == ("We will find it.", "Tom Baker")


def test_a_description_resolves_to_the_person_named_with_that_title() -> None:
    text = (
        "Senator Ann Lee met the workers on Friday.\n"
        "“This is a scandal and I will not accept it,” the senator said."
    )
    assert found(text, "direct") == [("This is a scandal and I will not accept it,", "Ann Lee")]


def test_a_chain_of_appositions_leads_back_to_the_name() -> None:
    text = "Tom Reed, Bishop of Dover, Kent, said: “We will pray for all of them.”"
    assert found(text, "direct") == [("We will pray for all of them.", "Tom Reed")]


def test_a_pronoun_takes_the_name_opening_the_sentence_before_over_an_older_speaker() -> None:
    text = (
        "“The plan is good,” Tom Baker said.\n"
        "Mary Jones, a nurse from Leeds, gave an interview on Friday.\n"
        "“We are angry and we are tired,” she said."
    )
    assert found(text, "direct")[-1] == ("We are angry and we are tired,", "Mary Jones")


def test_he_or_she_is_no_organisation() -> None:
    text = "The FBI said that the case was closed.\n“We will appeal the ruling next week,” he said."
    assert found(text, "direct") == [("We will appeal the ruling next week,", None)]


def test_a_headline_description_is_a_person_not_the_agency_cited_first() -> None:
    text = (
        "Ohio Mom: My Daughter Was Robbed\n\n"
        "According to the Courier, the theft happened on Friday.\n"
        "Jane Miller said that her daughter was fine."
    )
    assert found(text, "direct") == [("My Daughter Was Robbed", "Jane Miller")]


def test_an_inline_post_starts_where_the_authors_sentence_ends() -> None:
    lead = "The city has sent crews to the river to stop what the mayor described as a flood"
    post = "Crews stacking sandbags under the bridge this morning pic.twitter.com/abc"
    text = f"{lead} {'and more ' * 20}today. {post} — Ann Lee (@annlee) November 2, 2018"
    assert found(text, "direct") == [(post, "Ann Lee")]


def test_a_bare_quote_paragraph_continues_the_speaker_before_it() -> None:
    text = (
        "“We lost everything in the flood,” Omar Ali said.\n"
        "“Our house, our car and our shop.”\n"
        "“We will rebuild it all.”"
    )
    assert [speaker for _, speaker in found(text, "direct")] == ["Omar Ali"] * 3


def test_a_bare_quote_paragraph_continues_a_speaker_of_indirect_speech() -> None:
    text = "Ann Lee said that the plant would close.\n“We did everything we could to keep it open.”"
    assert found(text, "direct") == [("We did everything we could to keep it open.", "Ann Lee")]


def test_a_quote_far_from_any_attribution_has_no_speaker() -> None:
    text = (
        "“We lost everything in the flood,” Omar Ali said.\n"
        "The river rose for three days.\nThe army came on the fourth.\nRain fell for a week.\n"
        "A sign on the church read “God help us all in this town.”"
    )
    assert found(text, "direct")[-1] == ("God help us all in this town.", None)


def test_generic_sources_name_nobody() -> None:
    text = "“The bridge is unsafe,” officials said.\n“It will close,” a source told the paper."
    assert [speaker for _, speaker in found(text, "direct")] == [None, None]


def test_the_authors_own_words_in_quotes_are_not_attributed_to_the_author() -> None:
    text = "I call them “traitors to the whole nation” and I mean it."
    assert found(text, "direct") == [("traitors to the whole nation", None)]


# --- indirect speech ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "content", "speaker"),
    [
        ("Smith said that the plan would fail.", "the plan would fail", "Smith"),
        ("Smith said the plan would fail.", "the plan would fail", "Smith"),
        ("Smith said on Monday that the plan would fail.", "the plan would fail", "Smith"),
        ("Smith told reporters that the plan would fail.", "the plan would fail", "Smith"),
        ("The plan will fail, Smith said.", "The plan will fail", "Smith"),
        ("The plan will fail, said Smith.", "The plan will fail", "Smith"),
        ("The plan will fail, Smith told reporters on Monday.", "The plan will fail", "Smith"),
        ("According to Jane Doe, the plan will fail.", "the plan will fail", "Jane Doe"),
        ("The plan will fail, according to Jane Doe.", "The plan will fail", "Jane Doe"),
        ("According to the report, crime rose.", "crime rose", None),
        ("Officials said that crime rose sharply.", "crime rose sharply", None),
        ("Smith claimed the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith argued that the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith announced that the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith wrote that the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith stated that the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith added that the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith insisted the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith warned that the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith suggested the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith believes the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith alleged that the vote was rigged.", "the vote was rigged", "Smith"),
        ("Smith pointed out that the vote was rigged.", "the vote was rigged", "Smith"),
    ],
)
def test_each_reporting_pattern_gives_the_reported_clause(
    text: str, content: str, speaker: str | None
) -> None:
    assert found(text, "indirect") == [(content, speaker)]


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("Reed told reporters he would invite her soon.", "he would invite her soon"),
        (
            "Reed warned Danish farmers could face severe losses.",
            "Danish farmers could face severe losses",
        ),
        ("Reed told Channel Four on Monday that the talks had failed.", "the talks had failed"),
        ("Reed reiterated his confidence that the talks would succeed.", "the talks would succeed"),
        ("Reed declared the city will stop the works.", "the city will stop the works"),
    ],
)
def test_a_recipient_or_a_noun_before_that_is_skipped(text: str, content: str) -> None:
    assert found(text, "indirect") == [(content, "Reed")]


def test_a_contracted_pronoun_is_a_subject() -> None:
    text = "Ann Lee spoke to the council.\nShe'd admitted she didn't believe the report at all."
    assert found(text, "indirect") == [("she didn't believe the report at all", "Ann Lee")]


def test_an_attribution_in_the_middle_is_cut_out() -> None:
    text = "The plan, Smith said, would fail within a year."
    assert found(text, "indirect") == [("The plan", "Smith"), ("would fail within a year", "Smith")]


def test_a_second_attribution_ends_the_first_clause() -> None:
    text = "Smith said the plan had failed, but added that it would be tried again."
    assert found(text, "indirect") == [
        ("the plan had failed", "Smith"),
        ("it would be tried again", "Smith"),
    ]


def test_a_second_source_after_the_clause_does_not_take_it_over() -> None:
    text = "Ann Lee said she had helped him with the land deal, two House employees said."
    assert found(text, "indirect") == [("she had helped him with the land deal", "Ann Lee")]
    according = "Ann Lee said she had helped him with the land deal, according to two House employees."
    assert found(according, "indirect") == [("she had helped him with the land deal", "Ann Lee")]


def test_a_capitalised_word_before_a_common_noun_is_no_name() -> None:
    text = "Crime rose last year, according to two House employees."
    assert found(text, "indirect") == [("Crime rose last year", None)]


def test_text_inside_a_direct_quote_is_never_indirect() -> None:
    text = "Smith said that the plan “will fail within a year” and then left."
    quotes = find_quotes(text)
    assert found(text, "direct") == [("will fail within a year", "Smith")]
    assert found(text, "indirect") == [("the plan", "Smith"), ("and then left", "Smith")]
    direct = next(q for q in quotes if q.kind == "direct")
    for q in quotes:
        if q.kind == "indirect":
            assert q.end <= direct.start - 1 or q.start >= direct.end + 1  # marks excluded too


def test_a_quoted_statement_inside_a_quote_is_not_indirect_speech() -> None:
    text = "“My father said the war would end soon, and it did not,” Smith said."
    assert found(text, "indirect") == []


@pytest.mark.parametrize(
    "text",
    [
        "Smith confirmed the news on Monday.",
        "The college admitted two hundred students last year.",
        "Smith said it best.",
        "Smith said nothing.",
        "Smith said in a statement.",
        "I believe that the plan will fail.",
        "We think the plan will fail.",
        "Asked whether he thought the plan would fail, Smith shrugged.",
        "Smith told them to leave the building at once.",
        "The report on the attack was published.",
        "His claims about the vote were false.",
        "He is said to be the richest man in town.",
        "The so-called experts were wrong.",
        "Officials haven't said whether the plan works.",
        "Smith did not say that the plan failed.",
        "The rockets carry a small charge that lights their path.",
        "Reed told the truth about the bridge.",
        "Smith told passengers on the train to stay calm.",
    ],
)
def test_no_reported_clause_where_nothing_is_reported(text: str) -> None:
    assert found(text, "indirect") == []


def test_a_participle_shares_the_subject_of_its_sentence() -> None:
    text = "The minister spoke for an hour, adding that taxes would not rise this year."
    assert found(text, "indirect") == [("taxes would not rise this year", None)]
    named = "Ann Lee spoke for an hour, adding that taxes would not rise this year."
    assert found(named, "indirect") == [("taxes would not rise this year", "Ann Lee")]
