"""Every span's voice and speaker, and Document.quotes, in the data model, its JSON and the
Detector's output (the quotation finder itself is tested in test_quotes*.py)."""

from __future__ import annotations

import pytest

from propscan import Detector, Document, Span
from propscan.engine.attribution import attribute
from propscan.errors import InputError, InvalidSpanError
from propscan.quotes import Quote

TEXT = "“They are evil traitors ,” Smith said .\nThe evil plan is the plan ."


def test_the_detector_gives_every_span_its_voice_and_the_document_its_quotes(tiny_detector: Detector) -> None:
    doc = tiny_detector.analyze(TEXT)
    quoted = [s for s in doc.spans if s.start < TEXT.index("Smith")]
    author = [s for s in doc.spans if s.start > TEXT.index("\n")]
    assert quoted and author
    assert {(s.voice, s.speaker) for s in quoted} == {("quoted", "Smith")}
    assert {(s.voice, s.speaker) for s in author} == {("author", None)}
    assert [(TEXT[q.start : q.end], q.kind, q.speaker) for q in doc.quotes] == [
        ("They are evil traitors ,", "direct", "Smith")
    ]


def test_voices_and_quotes_survive_the_json_round_trip(tiny_detector: Detector) -> None:
    doc = tiny_detector.analyze(TEXT)
    data = doc.to_dict()
    assert data["quotes"][0]["speaker"] == "Smith" and {"voice", "speaker"} <= set(data["spans"][0])
    again = Document.from_json(doc.to_json())
    assert again == doc
    assert [(s.voice, s.speaker) for s in again.spans] == [(s.voice, s.speaker) for s in doc.spans]


def test_a_document_without_quotation_finding_keeps_the_old_json() -> None:
    doc = Document("They are evil.", [Span(9, 13, "Loaded_Language", 0.9)])
    assert set(doc.to_dict()) == {"text", "spans", "meta"} and doc.spans[0].voice is None
    assert attribute(doc).spans[0].voice == "author"


@pytest.mark.parametrize(
    "bad",
    [
        {"text": "abc", "quotes": 5},
        {"text": "abc", "quotes": [{"start": 0, "end": 9, "kind": "direct"}]},
        {"text": "abc", "quotes": [{"start": 0, "end": 2, "kind": "scare"}]},
        {"text": "abc", "spans": [{"start": 0, "end": 2, "technique": "Doubt", "voice": "mine"}]},
        {"text": "abc", "spans": [{"start": 0, "end": 2, "technique": "Doubt", "speaker": 7}]},
    ],
)
def test_bad_quotes_or_voices_in_json_are_refused(bad: dict) -> None:
    with pytest.raises(InvalidSpanError):
        Document.from_dict(bad)


def test_a_quote_must_fit_its_document() -> None:
    with pytest.raises(InvalidSpanError, match="does not fit"):
        Document("short", quotes=[Quote(0, 50, "direct")])


def test_summary_of_one_voice_counts_its_spans_over_the_whole_text() -> None:
    text = "“They are evil,” Smith said. The evil plan."
    doc = attribute(Document(text, [Span(10, 14, "Loaded_Language", 0.9), Span(33, 37, "Doubt", 0.5)]))
    every, author, quoted = doc.summary(), doc.summary(voice="author"), doc.summary(voice="quoted")
    assert (author.span_count, author.counts) == (1, {"Doubt": 1})
    assert (quoted.span_count, quoted.counts) == (1, {"Loaded_Language": 1})
    visible = sum(not ch.isspace() for ch in text)
    assert author.density == pytest.approx(4 / visible) and quoted.density == pytest.approx(4 / visible)
    assert author.density + quoted.density == pytest.approx(every.density)
    assert [s.text for s in quoted.top_sentences] == ["“They are evil,” Smith said."]


def test_summary_of_a_voice_refuses_an_unknown_voice_and_a_document_without_voices() -> None:
    doc = attribute(Document("They are evil.", [Span(9, 13, "Loaded_Language", 0.9)]))
    with pytest.raises(InputError, match="use one of: author, quoted"):
        doc.summary(voice="narrator")
    unattributed = Document("They are evil.", [Span(9, 13, "Loaded_Language", 0.9)])
    assert unattributed.summary().span_count == 1
    with pytest.raises(InputError, match="no voice"):
        unattributed.summary(voice="author")
    assert Document("Calm.").summary(voice="quoted").span_count == 0  # no span: nothing to know
