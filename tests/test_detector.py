"""The real Detector pipeline (windows -> ONNX -> decode -> spans) on the tiny hand-built model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import propscan
from propscan import ChecksumError, Detector, Document, InputError, InvalidSpanError, ModelError

TEXT = "They said the plan is evil and corrupt.\nThe traitors of the city are cowards."


def test_finds_hot_words_as_trimmed_character_spans(tiny_detector: Detector) -> None:
    doc = tiny_detector.analyze(TEXT)
    found = [(s.text, s.technique) for s in doc.spans]
    assert found == [
        ("evil", "Loaded_Language"),
        ("corrupt", "Loaded_Language"),
        ("traitors", "Name_Calling,Labeling"),
        ("cowards", "Loaded_Language"),
    ]
    for span in doc.spans:
        assert TEXT[span.start : span.end] == span.text
        assert 0.0 < span.score <= 1.0


def test_windows_with_stride_give_the_same_spans_as_one_window(tiny_model_dir: Path, tmp_path: Path) -> None:
    # max_tokens 8 forces many overlapping windows; 512 puts the whole text in one window
    from tiny_model import build

    wide = Detector.load(build(tmp_path / "wide", max_tokens=512), threads=1)
    narrow = Detector.load(tiny_model_dir, threads=1)
    long_text = " ".join([TEXT] * 20)
    assert [(s.start, s.end) for s in narrow.analyze(long_text).spans] == [
        (s.start, s.end) for s in wide.analyze(long_text).spans
    ]
    assert len(narrow.analyze(long_text).spans) == 80


def test_analyze_many_batches_across_articles_and_keeps_order(tiny_detector: Detector) -> None:
    texts = ["nothing to see here", TEXT, "", "   \n ", "evil " * 30]
    seen: list[int] = []
    docs = tiny_detector.analyze_many(texts, batch_size=3, progress=seen.append)
    assert [d.text for d in docs] == texts
    assert [d.spans for d in docs] == [tiny_detector.analyze(t).spans for t in texts]
    assert sum(seen) == len(texts)
    assert docs[0].spans == [] and docs[2].spans == [] and docs[3].spans == []
    # "evil evil ..." is one run of hot tokens: one span, not thirty
    assert [(s.start, s.end) for s in docs[4].spans] == [(0, len("evil " * 30) - 1)]


def test_token_threshold_controls_recall(tiny_detector: Detector) -> None:
    assert tiny_detector.analyze(TEXT, token_threshold=0.999).spans == []
    with pytest.raises(InputError, match="token_threshold"):
        tiny_detector.analyze(TEXT, token_threshold=1.5)


def test_threshold_is_a_deprecated_name_of_token_threshold(tiny_detector: Detector) -> None:
    with pytest.warns(DeprecationWarning, match="token_threshold"):
        assert tiny_detector.analyze(TEXT, threshold=0.999).spans == []
    with pytest.raises(InputError, match="not both"):
        tiny_detector.analyze(TEXT, threshold=0.5, token_threshold=0.5)


def test_min_score_keeps_exactly_the_spans_scored_at_least_that(tiny_detector: Detector) -> None:
    text = TEXT + " They are evil. " * 3 + "A calm evil day."
    every = tiny_detector.analyze(text).spans
    scores = sorted({s.score for s in every})
    assert len(scores) >= 2, "the fixture should give spans of different scores"
    cut = scores[len(scores) // 2]
    kept = tiny_detector.analyze(text, min_score=cut).spans
    assert kept == [s for s in every if s.score >= cut] and all(s.score >= cut for s in kept)
    assert tiny_detector.analyze_many([text], min_score=cut)[0].spans == kept
    assert tiny_detector.analyze(text, min_score=0).spans == every
    with pytest.raises(InputError, match="min_score"):
        tiny_detector.analyze(text, min_score=1.5)


def test_classify_gives_one_label_per_span_and_distinct_labels_for_repeated_spans(
    tiny_detector: Detector,
) -> None:
    traitors = TEXT.index("traitors")
    spans = [(traitors, traitors + 8), (traitors, traitors + 8), (24, 28)]
    labels = tiny_detector.classify(TEXT, spans)
    assert labels[0] == "Name_Calling,Labeling"
    assert labels[1] != labels[0]  # the same span twice: the two most likely techniques
    assert labels[2] == "Loaded_Language"
    with pytest.raises(InvalidSpanError):
        tiny_detector.classify(TEXT, [(5, 500)])


def test_huge_text_is_processed_in_blocks(tiny_detector: Detector) -> None:
    line = "The plan of the city is evil and the people said it.\n"
    text = line * 2_000  # ~108 kB: six 20 kB blocks
    doc = tiny_detector.analyze(text)
    assert len(doc.spans) == 2_000
    assert all(s.text == "evil" for s in doc.spans)


def test_non_text_input_is_refused(tiny_detector: Detector) -> None:
    with pytest.raises(InputError, match="str"):
        tiny_detector.analyze(b"bytes")  # type: ignore[arg-type]


def test_tampered_model_file_is_refused_naming_the_file(tiny_model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    with open(copy / "span_head.npz", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ChecksumError, match=r"span_head\.npz"):
        Detector.load(copy)


def test_missing_model_file_and_unknown_model_are_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match=r"tokenizer\.json"):
        Detector.load(copy)
    with pytest.raises(ModelError, match="no model named"):
        Detector.load(tmp_path / "nowhere")


def test_package_level_analyze_accepts_a_model_path(tiny_model_dir: Path) -> None:
    doc = propscan.analyze(TEXT, model=tiny_model_dir)
    assert isinstance(doc, Document) and len(doc.spans) == 4
    assert Document.from_json(doc.to_json()).spans == doc.spans


def test_text_whose_lowercase_changes_length_keeps_valid_offsets(tiny_detector: Detector) -> None:
    text = "İİİ the plan is evil. İstanbul traitors are corrupt."  # "İ".lower() is two characters
    doc = tiny_detector.analyze(text)
    assert [s.text for s in doc.spans] == ["evil", "traitors", "corrupt"]
    assert [s.technique for s in doc.spans][1] == "Name_Calling,Labeling"


def test_char_probs_mark_the_hot_words_and_agree_across_windows(tiny_model_dir: Path, tmp_path: Path) -> None:
    from tiny_model import build

    narrow = Detector.load(tiny_model_dir, threads=1)
    probs = narrow.char_probs(TEXT)
    assert probs.shape == (len(TEXT), 1 + len(propscan.LABELS))
    evil = TEXT.index("evil")
    plan = TEXT.index("plan")
    assert probs[evil : evil + 4, 0].min() > 0.5 > probs[plan : plan + 4, 0].max()
    assert not probs[TEXT.index(" "), :].any()  # spaces belong to no token
    wide = Detector.load(build(tmp_path / "wide", max_tokens=512), threads=1)
    long_text = " ".join([TEXT] * 5)
    np.testing.assert_allclose(narrow.char_probs(long_text), wide.char_probs(long_text), atol=1e-5)
    with pytest.raises(InputError):
        narrow.char_probs(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize("threads", [0, -2, 1.5, "2", True])
def test_threads_must_be_a_positive_integer(tiny_model_dir: Path, threads: object) -> None:
    with pytest.raises(InputError, match=r"threads must be a positive integer, got "):
        Detector.load(tiny_model_dir, threads=threads)  # type: ignore[arg-type]


def test_the_next_flush_runs_while_the_last_one_is_decoded(tiny_model_dir: Path) -> None:
    # the encoder's threads start on a flush's windows before the flush before it is handed on
    # for decoding, and the spans are those of texts analysed one by one
    detector = Detector.load(tiny_model_dir, threads=2)
    model = detector.model
    events: list[str] = []
    forward_each = model.forward_each

    def recorded(windows):  # type: ignore[no-untyped-def]
        events.append("start")
        return forward_each(windows)

    model.forward_each = recorded  # type: ignore[method-assign]
    texts = [f"{TEXT} Number {n}." for n in range(12)]
    blocks = detector.scorer.score(texts, 1)  # 8 windows a flush: two threads, four batches each
    first = next(blocks)
    assert first.index == 0 and events == ["start", "start"]
    rest = list(blocks)
    assert events.count("start") >= 3 and [b.index for b in rest if b.last][-1] == len(texts) - 1
    alone = Detector.load(tiny_model_dir, threads=1)
    assert [d.spans for d in detector.analyze_many(texts, batch_size=1)] == [
        alone.analyze(t).spans for t in texts
    ]
