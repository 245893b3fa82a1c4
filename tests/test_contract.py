"""The input contract at the core: every text entering propscan is checked once (lone surrogates
become U+FFFD, offsets kept), every reader fails a bad line or row alone, and every output is
standard JSON and unforgeable PTC rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import propscan
from propscan import Detector, Document, Span
from propscan.cli import app
from propscan.errors import InputError, InvalidSpanError
from propscan.io.readers import read_jsonl
from propscan.io.tables import read_csv

runner = CliRunner()
LL = "Loaded_Language"


def _strict_json(payload: str) -> object:
    """json.loads that refuses NaN and Infinity, which standard JSON has not."""

    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(payload, parse_constant=refuse)


def test_clean_text_replaces_lone_surrogates_one_for_one_and_refuses_non_text():
    from propscan.text import clean_text

    assert clean_text("a \ud800 b \udfff") == "a \ufffd b \ufffd"
    assert clean_text("pair \U0001f600 ok") == "pair \U0001f600 ok"
    with pytest.raises(InputError, match="must be a str, got bytes"):
        clean_text(b"bytes")


def test_a_lone_surrogate_is_analysed_with_its_offsets_kept(tiny_detector: Detector, tiny_model_dir: Path):
    text = "they are evil \ud800 traitors and \udc00 cowards"
    doc = propscan.analyze(text, model=tiny_model_dir)
    assert len(doc.text) == len(text)
    assert doc.text == text.replace("\ud800", "\ufffd").replace("\udc00", "\ufffd")
    assert [s.text for s in doc.spans] == ["evil", "traitors", "cowards"]
    assert all(doc.text[s.start : s.end] == s.text for s in doc.spans)
    doc.text.encode("utf-8")
    # one such text in a batch fails nothing
    docs = tiny_detector.analyze_many(["evil people", "\ud800", "corrupt city"])
    assert [[s.text for s in d.spans] for d in docs] == [["evil"], [], ["corrupt"]]
    spans = tiny_detector.classify_spans("\ud800 evil traitors", [(2, 6), (7, 15)])
    assert [s.text for s in spans] == ["evil", "traitors"]
    assert tiny_detector.char_probs("a\udfffevil").shape[0] == 6


def test_document_text_is_cleaned_and_always_writable():
    doc = Document("bad \ud800 evil", [Span(6, 10, LL)], {"id": "x\udfff"})
    assert doc.text == "bad \ufffd evil" and doc.spans[0].text == "evil"
    payload = doc.to_json()
    payload.encode("utf-8")
    assert _strict_json(payload)["meta"] == {"id": "x\ufffd"}


def test_nan_and_infinity_in_meta_are_written_as_null_not_as_non_standard_json():
    doc = Document("text", [], {"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": float("-inf")}})
    assert _strict_json(doc.to_json())["meta"] == {"a": None, "b": [None, 1.5], "c": {"d": None}}


def test_json_round_trip_keeps_scores_exactly():
    doc = Document("They lie.", [Span(5, 8, LL, 0.123456789)])
    back = Document.from_json(doc.to_json())
    assert back == doc and back.spans[0].score == 0.123456789


@pytest.mark.parametrize(
    "span",
    [
        {"start": True, "end": 3, "technique": LL},
        {"start": 0, "end": 1.9, "technique": LL},
        {"start": 0, "end": 2.0, "technique": LL},
        {"start": "0", "end": 3, "technique": LL},
        {"start": 0, "end": 3, "technique": 7},
        {"start": 0, "end": 3, "technique": LL, "score": "0.5"},
        {"start": 0, "end": 3, "technique": LL, "score": True},
        [0, 3, LL],
    ],
)
def test_document_json_refuses_offsets_that_are_not_integers(span):
    with pytest.raises(InvalidSpanError, match="span #0 needs integer"):
        Document.from_dict({"text": "abcdef", "spans": [span]})


@pytest.mark.parametrize(
    "payload",
    [
        '{"text": "abc", "spans": [{"start": Infinity, "end": 2, "technique": "Doubt"}]}',
        '{"text": "abc", "spans": [{"start": 0, "end": 2, "technique": "Doubt", "score": NaN}]}',
        '{"text": "abc", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"text": "abc", "meta": {"n": ' + "9" * 5000 + "}}",
        '{"text": "abc", "meta": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}",
    ],
)
def test_document_json_refuses_infinity_nan_deep_nesting_and_huge_numbers(payload):
    with pytest.raises(InvalidSpanError):
        Document.from_json(payload)


def test_bool_offsets_are_refused_by_the_document_too():
    with pytest.raises(InvalidSpanError, match="offsets must be integers"):
        Document("abc", [Span(True, 2, LL)])


POISON = [
    '{"id": "surrogate\\ud800", "text": "evil \\udfff plan", "outlet": "\\ud801"}',
    "[" * 100_000 + "]" * 100_000,
    '{"id": "big", "text": "fine", "n": ' + "7" * 4_301 + "}",
    '{"id": "deep", "text": "fine", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}",
]


def _feed(path: Path) -> Path:
    good = ['{"id": "good1", "text": "They are evil traitors."}', '{"id": "good2", "text": "A disaster."}']
    lines = [good[0], *POISON, good[1]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_jsonl_reader_fails_each_poison_line_alone(tmp_path):
    records = list(read_jsonl(_feed(tmp_path / "feed.jsonl")))
    assert [r.id for r in records] == ["good1", "surrogate\ufffd", "feed:3", "feed:4", "feed:5", "good2"]
    assert records[1].text == "evil \ufffd plan" and records[1].meta == {"outlet": "\ufffd"}
    assert "nested too deeply" in (records[2].error or "")
    assert "4,300 digits" in (records[3].error or "")
    assert "nested too deeply" in (records[4].error or "")
    assert records[5].ok


def test_the_cli_writes_every_good_line_around_poison_lines(fake_detector, tmp_path):
    out = tmp_path / "out.jsonl"
    feed = _feed(tmp_path / "feed.jsonl")
    result = runner.invoke(app, ["analyze", str(feed), "-f", "jsonl", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "3 input(s) could not be read" in result.stderr and "Traceback" not in result.stderr
    docs = [_strict_json(line) for line in out.read_text("utf-8").splitlines()]
    assert [d["meta"]["id"] for d in docs] == ["good1", "surrogate\ufffd", "good2"]


def test_nan_and_infinity_in_jsonl_metadata_count_as_missing(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": 1, "text": "x", "score": NaN, "w": -Infinity, "ok": 2.5}\n', encoding="utf-8")
    (record,) = read_jsonl(path)
    assert record.meta == {"ok": 2.5}


def test_an_id_with_a_tab_or_line_break_cannot_forge_ptc_rows(fake_detector, tmp_path):
    path = tmp_path / "feed.jsonl"
    rows = [
        {"id": "1", "text": "evil"},
        {"id": "2\t999\t0\t4\nLoaded_Language", "text": "evil"},
        {"id": "3\u2028x", "text": "evil"},
        {"id": "4", "text": "evil"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.tsv"
    result = runner.invoke(app, ["analyze", str(path), "-f", "ptc", "-o", str(out)])
    assert result.exit_code == 1 and "tab or a line break" in result.stderr
    assert out.read_text("utf-8").splitlines() == ["1\tLoaded_Language\t0\t4", "4\tLoaded_Language\t0\t4"]


def test_a_csv_decoding_error_in_a_metadata_column_fails_the_row_naming_the_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,text,outlet\na,fine,Star\nb,fine,St\xffar\n")
    first, second = read_csv(path)
    assert first.ok and first.meta == {"outlet": "Star"}
    assert not second.ok and "'outlet' is not valid UTF-8" in (second.error or "")


def test_html_with_a_lone_surrogate_is_extracted_whole():
    pytest.importorskip("trafilatura")
    from propscan.io.html import extract

    words = "The council plan is fine and good for all the people of the town. " * 5
    tail = "tail words are here too, all of them."
    page = f"<html><body><article><p>{words} \ud800 {tail}</p></article></body></html>"
    assert extract(page).text.endswith(tail)


def test_ctrl_c_during_analyze_exits_130_with_a_message_and_leaves_the_output(fake_detector, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    fake_detector.analyze_many = interrupted
    (tmp_path / "a.txt").write_text("evil", encoding="utf-8")
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["analyze", str(tmp_path / "a.txt"), "-f", "json", "-o", str(out)])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr and str(out) in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.json*"))


def test_an_output_path_error_names_the_path_given_not_the_temporary_file(fake_detector, tmp_path):
    (tmp_path / "a.txt").write_text("evil", encoding="utf-8")
    out = tmp_path / "missing" / "out.json"
    result = runner.invoke(app, ["analyze", str(tmp_path / "a.txt"), "-o", str(out)])
    assert result.exit_code == 1
    assert f"cannot access {out}:" in result.stderr and ".out.json." not in result.stderr


def test_a_huge_text_reports_progress_by_characters(tiny_detector, fake_detector, tmp_path, monkeypatch):
    text = "the evil plan of the city .\n" * 2_000  # 56,000 characters: three blocks
    seen: list[int] = []
    (doc,) = tiny_detector.analyze_many([text], progress_chars=seen.append)
    assert sum(seen) == len(text) and len(seen) == 3 and doc.spans

    import io

    from rich.console import Console

    import propscan.cli.common

    screen = io.StringIO()
    monkeypatch.setattr(propscan.cli.common, "stderr", lambda: Console(file=screen, force_terminal=True))
    (tmp_path / "big.txt").write_text(text * 10, encoding="utf-8")  # over HUGE_TEXT
    args = ["analyze", str(tmp_path / "big.txt"), "-f", "jsonl", "-o", str(tmp_path / "o")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "million characters" in screen.getvalue()
