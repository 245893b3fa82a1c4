"""The spaCy component on the tiny real model: found through the entry point, spans and scores kept."""

import subprocess
import sys

import pytest

spacy = pytest.importorskip("spacy", reason="needs the spacy extra: pip install 'propscan[spacy]'")

from propscan.spacy_component import render  # noqa: E402  (after the importorskip)

TEXT = "They said the plan is evil and corrupt.\nThe traitors of the city are cowards."


@pytest.fixture
def nlp(tiny_model_dir):
    nlp = spacy.blank("en")
    nlp.add_pipe("propscan", config={"model": str(tiny_model_dir)})
    return nlp


def test_add_pipe_finds_the_factory_through_the_entry_point_without_an_import():
    code = "import spacy, sys; nlp = spacy.blank('en'); nlp.add_pipe('propscan'); print(nlp.pipe_names)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['propscan']"


def test_spans_carry_technique_labels_and_scores_like_the_detector(nlp, tiny_detector):
    doc = nlp(TEXT)
    group = doc.spans["propaganda"]
    expected = tiny_detector.analyze(TEXT).spans
    assert [(s.start_char, s.end_char, s.label_) for s in group] == [
        (s.start, s.end, s.technique) for s in expected
    ]
    assert group.attrs["scores"] == [s.score for s in expected]
    assert [s._.propscan_score for s in group] == [s.score for s in expected]
    assert ("traitors", "Name_Calling,Labeling") in [(s.text, s.label_) for s in group]


def test_pipe_batches_and_matches_one_by_one(nlp):
    texts = [TEXT, "nothing here .", "the corrupt cowards"]
    batched_docs, single_docs = list(nlp.pipe(texts, batch_size=2)), [nlp(t) for t in texts]
    batched = [[(s.start_char, s.label_) for s in d.spans["propaganda"]] for d in batched_docs]
    single = [[(s.start_char, s.label_) for s in d.spans["propaganda"]] for d in single_docs]
    assert batched == single and batched[1] == []


def test_token_threshold_and_spans_key_are_config(tiny_model_dir):
    nlp = spacy.blank("en")
    config = {"model": str(tiny_model_dir), "token_threshold": 0.99999, "spans_key": "ps"}
    nlp.add_pipe("propscan", config=config)
    doc = nlp(TEXT)
    assert list(doc.spans["ps"]) == [] and "propaganda" not in doc.spans


def test_min_score_keeps_only_spans_scored_that_much_and_threshold_still_works(tiny_model_dir):
    every = spacy.blank("en")
    every.add_pipe("propscan", config={"model": str(tiny_model_dir)})
    scores = every(TEXT).spans["propaganda"].attrs["scores"]
    cut = max(scores)
    strict = spacy.blank("en")
    strict.add_pipe("propscan", config={"model": str(tiny_model_dir), "min_score": cut})
    kept = strict(TEXT).spans["propaganda"].attrs["scores"]
    assert kept and all(s >= cut for s in kept) and len(kept) == sum(s >= cut for s in scores)
    old = spacy.blank("en")
    with pytest.warns(DeprecationWarning):
        old.add_pipe("propscan", config={"model": str(tiny_model_dir), "threshold": 0.99999})
    assert list(old(TEXT).spans["propaganda"]) == []


def test_render_keeps_spacing_and_paragraphs_and_shows_names_and_scores():
    from propscan.spacy_component import render

    text = "Title line\n\nThey are evil traitors , all of them."
    doc = spacy.blank("en")(text)
    at = text.index("traitors")
    doc.spans["propaganda"] = [doc.char_span(at, at + 8, label="Name_Calling,Labeling")]
    doc.spans["propaganda"].attrs["scores"] = [0.42]
    html = render(doc)
    assert "Name calling 0.42" in html  # the display name and the score, not Name_Calling,Labeling
    assert "Name_Calling" not in html.replace("data-", "")
    assert "Title line\n\nThey are evil " in html and "traitors</mark>" in html and " , all" in html
    assert "white-space:pre-wrap" in html
    page = render(doc, page=True)
    assert page.startswith("<!doctype html>") and "Name calling 0.42" in page


def test_displacy_view_shows_hostile_text_as_text(nlp):
    from propscan.spacy_component import render

    doc = nlp('evil <script>alert("x")</script> <img src=x onerror=alert(1)> \u202eevil')
    html = render(doc)
    assert "<script" not in html and "<img" not in html
    assert "&lt;" in html and "onerror" in html  # shown, as escaped text
    assert "\u202e" not in html and "[U+202E]" in html  # a right-to-left override cannot reorder it


QUOTED = "“The plan is evil and corrupt ,” said Ann Lee .\nThe traitors of the city are cowards ."


def test_quotations_and_each_span_voice_and_speaker_are_on_the_doc(nlp, tiny_detector):
    doc = nlp(QUOTED)
    expected = tiny_detector.analyze(QUOTED)
    group = doc.spans["propaganda"]
    assert [(s._.voice, s._.speaker) for s in group] == [(s.voice, s.speaker) for s in expected.spans]
    assert {s._.voice for s in group} == {"author", "quoted"}
    assert ("evil", "quoted", "Ann Lee") in [(s.text, s._.voice, s._.speaker) for s in group]
    quotes = doc.spans["quotes"]
    assert [(q.text, q.label_, q._.speaker) for q in quotes] == [
        ("The plan is evil and corrupt ,", "direct", "Ann Lee")
    ]
    assert [(q.start_char, q.end_char) for q in quotes] == [(q.start, q.end) for q in expected.quotes]
    assert "quoted: Ann Lee" in render(doc)  # the static view tags quoted spans with their speaker


def test_a_doc_without_quotations_gets_an_empty_quotes_group(nlp):
    doc = nlp("nothing here .")
    assert list(doc.spans["quotes"]) == [] and list(doc.spans["propaganda"]) == []
