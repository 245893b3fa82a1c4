import io
import json
from pathlib import Path

from propscan.io.readers import Record, count_inputs, read_inputs, read_jsonl, read_text_file, record_id


def test_text_file_keeps_exact_newlines_so_offsets_match(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"Title\r\n\r\nBody \xe2\x80\x94 line\r\n")
    record = read_text_file(path)
    assert record.ok
    assert record.text == "Title\r\n\r\nBody — line\r\n"
    assert record.source == str(path)


def test_record_id_uses_article_digits_else_stem(tmp_path):
    assert record_id(tmp_path / "article111111.txt") == "111111"
    assert record_id(tmp_path / "news.txt") == "news"
    assert record_id(tmp_path / "article12b.txt") == "article12b"


def test_directory_yields_its_txt_files_sorted_and_not_recursive(tmp_path):
    (tmp_path / "b.txt").write_text("B", encoding="utf-8")
    (tmp_path / "a.txt").write_text("A", encoding="utf-8")
    (tmp_path / "notes.md").write_text("M", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("C", encoding="utf-8")
    records = list(read_inputs([tmp_path]))
    assert [(r.id, r.text) for r in records] == [("a", "A"), ("b", "B")]


def test_directory_without_txt_files_is_an_error_record(tmp_path):
    records = list(read_inputs([tmp_path]))
    assert len(records) == 1
    assert not records[0].ok
    assert ".txt or .html" in records[0].error


def test_jsonl_ids_default_to_stem_and_line_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "feed.jsonl"
    body = '{"id": "x1", "text": "one"}\n\n{"text": "two"}\n{"id": 5, "text": ""}\n'
    path.write_text(body, encoding="utf-8")
    records = list(read_jsonl(path))
    assert [(r.id, r.text, r.source) for r in records] == [
        ("x1", "one", f"{path}:1"),
        ("feed:3", "two", f"{path}:3"),
        ("5", "", f"{path}:4"),
    ]
    assert all(r.ok for r in records)


def test_jsonl_bad_lines_become_error_records_naming_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = [
        '{"text": "fine"}',
        "{not json",
        '{"id": "no-text"}',
        '{"text": 3}',
        '["text"]',
        '{"id": [1], "text": "x"}',
        '{"text": "still fine"}',
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "\xff"}\n')
    records = list(read_jsonl(path))
    assert [r.ok for r in records] == [True, False, False, False, False, False, True, False]
    assert [r.source for r in records if not r.ok] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6, 8)]
    errors = [r.error for r in records if not r.ok]
    assert "not valid JSON" in errors[0]
    assert "'text'" in errors[1] and "missing" in errors[1]
    assert "int" in errors[2]
    assert "JSON object" in errors[3]
    assert "'id'" in errors[4]
    assert "UTF-8" in errors[5]
    assert records[-2].text == "still fine"


def test_invalid_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("first\nsecond café\n".encode("latin-1"))
    record = read_text_file(path)
    assert record.text is None
    assert "UTF-8" in record.error and "line 2" in record.error


def test_binary_file_is_an_error_record(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    record = read_text_file(path)
    assert record.text is None
    assert "binary" in record.error


def test_bad_inputs_do_not_stop_the_others(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("evil", encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"a\x00b")
    records = list(read_inputs([tmp_path / "missing.txt", binary, good]))
    assert [r.ok for r in records] == [False, False, True]
    assert records[0].source.endswith("missing.txt")
    assert "no such file" in records[0].error
    assert records[2].text == "evil"


def test_empty_and_whitespace_text_are_not_errors(tmp_path):
    (tmp_path / "a.txt").write_text("", encoding="utf-8")
    (tmp_path / "b.txt").write_text("  \n", encoding="utf-8")
    records = list(read_inputs([tmp_path]))
    assert [(r.ok, r.text) for r in records] == [(True, ""), (True, "  \n")]


def test_stdin_is_one_record_decoded_from_bytes():
    (record,) = read_inputs(["-"], stdin=io.BytesIO(b"evil\r\nplan"))
    assert record == Record("stdin", "<stdin>", "evil\r\nplan")
    (bad,) = read_inputs(["-"], stdin=io.BytesIO(b"\xff"))
    assert bad.text is None and "UTF-8" in bad.error


def test_inputs_are_read_lazily(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("A", encoding="utf-8")

    def inputs():
        yield path
        raise AssertionError("the second input was read before the first record was used")

    records = read_inputs(inputs())
    assert next(records).text == "A"


def test_count_inputs_counts_jsonl_lines_and_dir_files(tmp_path):
    (tmp_path / "d").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "d" / name).write_text("x", encoding="utf-8")
    feed = tmp_path / "f.jsonl"
    feed.write_text("\n".join(json.dumps({"text": str(i)}) for i in range(5)) + "\n\n", encoding="utf-8")
    assert count_inputs([tmp_path / "d", feed, "-", tmp_path / "missing.txt"]) == 2 + 5 + 1 + 1


def test_jsonl_extra_fields_are_kept_as_metadata(tmp_path):
    path = tmp_path / "feed.jsonl"
    line = {"id": 7, "text": "T", "outlet": "Gazette", "published": "2026-01-02", "n": 3, "tags": ["x"]}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    (record,) = read_jsonl(path)
    assert record.meta == {"outlet": "Gazette", "published": "2026-01-02", "n": 3}


def test_a_json_array_is_read_like_jsonl_lines_and_documents_keep_their_meta(tmp_path: Path) -> None:
    from propscan.io.readers import read_json

    path = tmp_path / "feed.json"
    items = [
        {"id": "a1", "text": "evil plans", "outlet": "Bugle"},
        {"text": "saved output", "spans": [{"start": 0, "end": 5}], "meta": {"id": "d7", "outlet": "Post"}},
        {"id": "a3"},
        "not an object",
    ]
    path.write_text(json.dumps(items), "utf-8")
    records = list(read_inputs([path]))
    assert [(r.id, r.text, r.meta.get("outlet")) for r in records[:2]] == [
        ("a1", "evil plans", "Bugle"),
        ("d7", "saved output", "Post"),  # a Document as --format json writes it: re-analysed, meta kept
    ]
    assert "spans" not in records[1].meta
    assert [r.ok for r in records] == [True, True, False, False]
    assert "'text' must be a string" in (records[2].error or "") and records[3].source.endswith("feed.json:4")
    assert count_inputs([path]) == 4
    path.write_text('{"text": "one object, not an array"}', "utf-8")
    (only,) = read_json(path)
    assert not only.ok and "JSON array" in (only.error or "")
    path.write_text("[" * 100_000, "utf-8")
    (deep,) = read_json(path)
    assert not deep.ok and "nested too deeply" in (deep.error or "")
