"""The quotation finder on invented articles: marks and apostrophes, multi-line and nested quotes,
headlines, embedded posts, scare quotes, the Quote record and its JSON form, voice_of, and
hostile input. Speakers and indirect speech have their own file (test_quotes_speech.py)."""

from __future__ import annotations

import itertools
import json
import random
import time

import pytest

from propscan.errors import InvalidSpanError, PropscanError
from propscan.quotes import Quote, find_quotes, voice_of


def found(text: str, kind: str | None = None) -> list[tuple[str, str | None]]:
    """(content, speaker) of every quote of ``kind`` (all kinds when None), in order."""
    return [(text[q.start : q.end], q.speaker) for q in find_quotes(text) if kind in (None, q.kind)]


def direct(text: str) -> list[tuple[str, str | None]]:
    return found(text, "direct")


# --- quotation marks ---------------------------------------------------------------------------


def test_straight_double_quotes_give_the_content_without_the_marks() -> None:
    text = '"The plan will fail," Smith said.'
    assert direct(text) == [("The plan will fail,", "Smith")]


def test_curly_double_quotes_with_the_speaker_before_the_quote() -> None:
    text = "Smith said: “We will not give up on this city.”"
    assert direct(text) == [("We will not give up on this city.", "Smith")]


@pytest.mark.parametrize("marks", ["‘’", "''"])
def test_single_quotes_are_quotes_at_the_top_level(marks: str) -> None:
    text = f"{marks[0]}We will win this fight,{marks[1]} Jones said."
    assert direct(text) == [("We will win this fight,", "Jones")]


def test_apostrophes_are_not_quotation_marks() -> None:
    text = "We don’t care about the ’90s, Jones’ car or rock ’n’ roll, and they won't either."
    assert find_quotes(text) == []
    straight = "We don't care about the '90s, Jones' car or rock 'n' roll, said nobody."
    assert direct(straight) == []


def test_an_apostrophe_inside_a_single_quoted_quote_does_not_close_it() -> None:
    text = "‘Jones’ car is red and it is parked outside,’ he said."
    assert direct(text) == [("Jones’ car is red and it is parked outside,", None)]


def test_a_quote_runs_over_several_lines_to_its_closing_mark() -> None:
    text = "“First we fix the roads.\nThen we fix the schools.\nThen the rest,” Mayor Ann Lee said."
    assert direct(text) == [("First we fix the roads.\nThen we fix the schools.\nThen the rest,", "Ann Lee")]


def test_a_paragraph_left_open_ends_where_the_next_one_reopens() -> None:
    text = (
        "Mayor Ann Lee said: “We will fix the roads this year.\n\n"
        "“And the schools will follow next spring,” she said."
    )
    assert direct(text) == [
        ("We will fix the roads this year.", "Ann Lee"),
        ("And the schools will follow next spring,", "Ann Lee"),
    ]


def test_a_quote_never_crosses_a_blank_line_without_a_reopening_mark() -> None:
    text = "He wrote “this is where it all began\n\nThe author went on to other things.” The end."
    quotes = find_quotes(text)
    assert all("\n\n" not in text[q.start : q.end] for q in quotes)
    assert [text[q.start : q.end] for q in quotes if q.kind == "direct"] == ["this is where it all began"]


def test_a_stray_opening_mark_is_bounded_to_its_line() -> None:
    lines = ["The council met on “Tuesday and voted."] + [f"Line {i} is narration." for i in range(20)]
    text = "\n".join(lines) + "\nThen came the end”."
    for q in find_quotes(text):
        assert "\n" not in text[q.start : q.end]


def test_a_nested_single_quote_is_part_of_the_outer_quote() -> None:
    text = "“He told me ‘never again’ and walked out of the room,” Smith said."
    assert direct(text) == [("He told me ‘never again’ and walked out of the room,", "Smith")]


def test_two_quotes_around_one_attribution_share_the_speaker() -> None:
    text = "“We tried,” Smith said, “and we will try again next year.”"
    assert direct(text) == [("We tried,", "Smith"), ("and we will try again next year.", "Smith")]


# --- scare quotes, titles, names ----------------------------------------------------------------


def test_scare_quotes_are_the_authors_voice() -> None:
    text = 'The so-called "experts" were wrong again, and this “peace plan” failed.'
    assert find_quotes(text) == []


def test_titles_and_names_in_quotes_are_not_quotations() -> None:
    text = "They watched “The Road to Nowhere” twice and met “Big Mike” at the bar."
    assert find_quotes(text) == []


def test_the_scare_quote_rule_stops_at_four_unattributed_words() -> None:
    four = "The banner “we will never surrender” hung over the gate."
    five = "The banner “we will never give up” hung over the gate."
    assert find_quotes(four) == []
    assert direct(five) == [("we will never give up", None)]


def test_a_short_quote_with_a_named_speaker_is_a_quotation() -> None:
    text = "Smith called the plan “a total disaster” on Monday."
    assert direct(text) == [("a total disaster", "Smith")]


def test_a_short_quote_after_a_question_verb_stays_a_scare_quote() -> None:
    text = "Smith asked about the “intent” of the rule."
    assert find_quotes(text) == []


# --- headlines and embedded posts --------------------------------------------------------------


def test_a_headline_name_and_colon_make_a_quote_by_that_name() -> None:
    text = "Rand Paul: I'll do whatever it takes\n\nSenator Rand Paul said that he would fight on."
    quotes = find_quotes(text)
    head = quotes[0]
    assert (text[head.start : head.end], head.kind, head.speaker) == (
        "I'll do whatever it takes",
        "direct",
        "Rand Paul",
    )
    assert text[head.speaker_start : head.speaker_end] == "Rand Paul"


def test_a_headline_description_stands_for_the_first_speaker_of_the_body() -> None:
    text = "Crash Witness: “The Driver Never Braked”\n\nMary Jones said the car was going too fast."
    assert direct(text) == [("The Driver Never Braked", "Mary Jones")]


def test_a_topic_before_a_headline_colon_is_no_speaker() -> None:
    text = "Blue Monday: The storm is back in the city\n\nDoctors are worried about the summer."
    assert direct(text) == []


def test_an_embedded_tweet_is_a_direct_quote_by_its_signature_name() -> None:
    text = (
        "The mayor answered on Twitter:\n"
        "We will rebuild the bridge and the county will pay for it!\n"
        "pic.twitter.com/abc123 — Jane Q. Roe (@janeroe) May 1, 2017\n"
        "Critics disagreed."
    )
    quotes = [q for q in find_quotes(text) if q.kind == "direct"]
    assert [(text[q.start : q.end], q.speaker) for q in quotes] == [
        ("We will rebuild the bridge and the county will pay for it!\npic.twitter.com/abc123", "Jane Q. Roe")
    ]
    assert text[quotes[0].speaker_start : quotes[0].speaker_end] == "Jane Q. Roe"


def test_a_facebook_embed_is_read_like_a_tweet() -> None:
    text = "Our new park opens on Sunday Posted by Anna Berg on Wednesday, February 7, 2018"
    assert direct(text) == [("Our new park opens on Sunday", "Anna Berg")]


# --- the Quote record --------------------------------------------------------------------------


def test_a_quote_round_trips_through_json_with_exact_field_names() -> None:
    quote = Quote(3, 9, "direct", "Rand Paul", 20, 29)
    data = json.loads(json.dumps(quote.to_dict()))
    assert list(data) == ["start", "end", "kind", "speaker", "speaker_start", "speaker_end"]
    assert Quote.from_dict(data) == quote
    nobody = Quote(0, 1, "indirect")
    assert Quote.from_dict(json.loads(json.dumps(nobody.to_dict()))) == nobody
    assert nobody.to_dict()["speaker"] is None


@pytest.mark.parametrize(
    "bad",
    [
        {"start": 5, "end": 5, "kind": "direct"},
        {"start": -1, "end": 5, "kind": "direct"},
        {"start": 0, "end": 5, "kind": "scare"},
        {"start": "0", "end": 5, "kind": "direct"},
        {"start": True, "end": 5, "kind": "direct"},
        {"start": 0, "end": 5, "kind": "direct", "speaker_start": 3},
        {"start": 0, "end": 5, "kind": "direct", "speaker": 7},
        {"end": 5, "kind": "direct"},
        ["not", "a", "dict"],
    ],
)
def test_a_malformed_quote_dict_raises_a_propscan_error(bad: object) -> None:
    with pytest.raises(InvalidSpanError):
        Quote.from_dict(bad)  # type: ignore[arg-type]


# --- voice_of ----------------------------------------------------------------------------------


def test_voice_is_quoted_from_exactly_half_of_the_span() -> None:
    quotes = [Quote(10, 20, "direct", "Smith", 30, 35)]
    assert voice_of(15, 25, quotes) == ("quoted", "Smith")  # 5 of 10 characters
    assert voice_of(15, 26, quotes) == ("author", None)  # 5 of 11
    assert voice_of(0, 5, quotes) == ("author", None)
    assert voice_of(12, 18, []) == ("author", None)


def test_voice_counts_several_quotes_and_names_the_one_covering_most() -> None:
    quotes = [Quote(0, 4, "direct", "Lee", 40, 43), Quote(6, 12, "indirect", "Smith", 50, 55)]
    # 4 + 6 of 14 characters lie inside quotations; Smith's covers more of them
    assert voice_of(0, 14, quotes) == ("quoted", "Smith")
    overlapping = [Quote(0, 10, "indirect", None), Quote(2, 6, "direct", "Lee", 40, 43)]
    assert voice_of(0, 12, overlapping) == ("quoted", None)


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5), (-1, 3), (1.0, 3)])
def test_voice_of_refuses_a_bad_span(start: int, end: int) -> None:
    with pytest.raises(PropscanError):
        voice_of(start, end, [])


# --- hostile input -----------------------------------------------------------------------------


def _valid(text: str) -> list[Quote]:
    quotes = find_quotes(text)
    assert quotes == sorted(quotes, key=lambda q: (q.start, q.end))
    for q in quotes:
        assert 0 <= q.start < q.end <= len(text)
        if q.speaker_start is not None:
            assert q.speaker_end is not None and 0 <= q.speaker_start < q.speaker_end <= len(text)
        else:
            assert q.speaker_end is None
    directs = [q for q in quotes if q.kind == "direct"]
    for a, b in itertools.pairwise(directs):
        assert a.end <= b.start  # direct quotations never overlap
    for q in quotes:
        if q.kind == "indirect":
            assert all(q.end <= d.start or q.start >= d.end for d in directs)
    return quotes


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n ",
        '"',
        "“”",
        "\ud800",
        "\ud800 “\udfff said the \udc00 man” \ud800",
        "\x00\x01“\x02\x03 said Smith”\x7f",
        "\u202e“evil,” \u202csaid \u2066Smith\u2069.",
        '"' * 100_000,
        "“" * 100_000,
        "’" * 100_000,
        "‘’" * 50_000,
        "said " * 1000,
        "According to",
        "A: b\n\n",
        "— x (@y) May 1, 2017",
        "He said that.\n" * 50,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_any_string_gives_valid_quotes(text: str) -> None:
    _valid(text)


def test_random_strings_of_quote_marks_and_speech_give_valid_quotes() -> None:
    rng = random.Random(7)
    pieces = [*"abc XYZ.,;:!?\"'“”‘’\n-—()@", "said ", "Smith ", "he ", "that ", "according to ", " — "]
    for _ in range(400):
        _valid("".join(rng.choice(pieces) for _ in range(rng.randint(0, 120))))


def test_a_ten_megabyte_text_finishes_in_bounded_time() -> None:
    # long narration lines, each ending in a quote with a stray second opening mark
    line = "The council met again and the budget was read aloud to all. " * 28
    line += "“We will open at “nine tomorrow and stay open, said Smith.\n"
    text = line * (10_000_000 // len(line))
    started = time.perf_counter()
    quotes = _valid(text)
    assert time.perf_counter() - started < 20  # about 1 s on a laptop: linear, not quadratic
    assert len(quotes) == text.count("\n")  # one bounded quote per line, nothing swallowed
    assert all("\n" not in text[q.start : q.end] for q in quotes)


def test_a_non_string_is_refused_with_a_propscan_error() -> None:
    with pytest.raises(InvalidSpanError):
        find_quotes(b"bytes")  # type: ignore[arg-type]
