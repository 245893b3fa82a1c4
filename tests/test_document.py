import json

import pytest

from propscan.document import Document, Span
from propscan.errors import InvalidSpanError, PropscanError

LL, NC, DOUBT, SLOGANS = "Loaded_Language", "Name_Calling,Labeling", "Doubt", "Slogans"

# 0         1         2
# 0123456789012345678901234567890
# "Bad men lie.\nWe win.\nCalm day."
TEXT = "Bad men lie.\nWe win.\nCalm day."


def hand_doc() -> Document:
    return Document(
        TEXT,
        [Span(16, 19, LL), Span(13, 19, SLOGANS), Span(8, 11, DOUBT), Span(4, 7, NC), Span(0, 7, LL)],
        {"id": "hand"},
    )


def test_spans_are_sorted_and_given_their_text():
    doc = hand_doc()
    assert [(s.start, s.end, s.technique) for s in doc.spans] == [
        (0, 7, LL),
        (4, 7, NC),
        (8, 11, DOUBT),
        (13, 19, SLOGANS),
        (16, 19, LL),
    ]
    assert [s.text for s in doc.spans] == ["Bad men", "men", "lie", "We win", "win"]
    assert Document("abc", [Span(0, 2, LL, text="wrong")]).spans[0].text == "ab"


def test_overlapping_and_coinciding_spans_are_kept():
    doc = Document(TEXT, [Span(0, 7, NC), Span(0, 7, LL), Span(4, 7, NC)])
    assert [(s.start, s.end, s.technique) for s in doc.spans] == [(0, 7, LL), (0, 7, NC), (4, 7, NC)]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (Span(-1, 3, LL), r"\[-1, 3\) does not fit a text of 30"),
        (Span(25, 31, LL), r"\[25, 31\) does not fit"),
        (Span(5, 5, LL), r"\[5, 5\) does not fit"),
        (Span(6, 2, LL), r"\[6, 2\) does not fit"),
        (Span(1.0, 3, LL), "offsets must be integers"),
        (Span(0, 3, "Sarcasm"), "unknown technique 'Sarcasm'"),
        (Span(0, 3, LL, 1.5), r"score must lie in \[0, 1\]"),
        ((0, 3, LL), "expected a Span, got tuple"),
    ],
)
def test_invalid_spans_are_rejected_with_the_reason(span, message):
    with pytest.raises(InvalidSpanError, match=message):
        Document(TEXT, [span])


def test_text_must_be_a_string():
    with pytest.raises(InvalidSpanError, match="must be a str"):
        Document(b"bytes")


def test_json_round_trip_keeps_text_spans_and_meta():
    doc = Document(
        "Café\r\nThey lie.",
        [Span(0, 4, LL, 0.25), Span(6, 10, NC, 0.9375), Span(6, 14, DOUBT)],
        {"id": "7", "source": "x.txt"},
    )
    payload = doc.to_json()
    assert "Café" in payload  # not escaped to \u00e9
    back = Document.from_json(payload)
    assert back == doc
    assert back.text == "Café\r\nThey lie."
    assert [s.text for s in back.spans] == ["Café", "They", "They lie"]
    assert json.loads(payload)["spans"][1] == {
        "start": 6,
        "end": 10,
        "technique": NC,
        "score": 0.9375,
        "text": "They",
    }


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "not valid Document JSON"),
        ('{"spans": []}', "needs a 'text' string"),
        ('["a"]', "needs a 'text' string"),
        ('{"text": "abc", "spans": [{"start": 0, "technique": "Doubt"}]}', "span #0 needs"),
        ('{"text": "abc", "spans": [{"start": 0, "end": 2, "technique": "Nope"}]}', "unknown technique"),
        ('{"text": "abc", "spans": 5}', "'spans' must be a list"),
        ('{"text": "abc", "meta": "x"}', "'meta' an object"),
    ],
)
def test_bad_json_raises_a_propscan_error(payload, message):
    with pytest.raises(PropscanError, match=message):
        Document.from_json(payload)


def test_summary_counts_density_and_top_sentences():
    summary = hand_doc().summary()
    assert summary.span_count == 5
    # non-whitespace characters: "Bad men lie." 10 + "We win." 6 + "Calm day." 8 = 24
    # inside a span: [0,7) "Bad men" 6 + [8,11) "lie" 3 + [13,19) "We win" 5 = 14 -> 14/24
    assert summary.density == pytest.approx(14 / 24)
    # most frequent first, ties in corpus label order
    assert list(summary.counts.items()) == [(LL, 2), (NC, 1), (DOUBT, 1), (SLOGANS, 1)]
    # sentence 1 uses 3 techniques, sentence 2 uses 2, "Calm day." none (left out)
    assert [(s.start, s.end, s.techniques) for s in summary.top_sentences] == [
        (0, 12, (LL, NC, DOUBT)),
        (13, 20, (LL, SLOGANS)),
    ]
    assert summary.top_sentences[1].text == "We win."
    assert [s.start for s in hand_doc().summary(top=1).top_sentences] == [0]
    data = summary.to_dict()
    assert data["density"] == 0.5833
    assert data["top_sentences"][0]["techniques"] == [LL, NC, DOUBT]


def test_summary_of_a_document_without_spans():
    summary = Document("   \n").summary()
    assert (summary.span_count, summary.density, summary.counts, summary.top_sentences) == (0, 0.0, {}, ())
