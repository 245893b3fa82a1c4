import io
import json
import os
import stat

import pytest
from rich.console import Console

from propscan.document import Document, Span
from propscan.errors import InputError
from propscan.io.writers import TextWriter, atomic_output, highlight, open_writer, render


def _write(fmt, docs):
    out = io.StringIO()
    writer = open_writer(fmt, out)
    for doc in docs:
        writer.write(doc)
    writer.close()
    return out.getvalue()


def test_json_is_always_an_array_of_documents(overlap_doc, plain_doc):
    data = json.loads(_write("json", [overlap_doc, plain_doc]))
    assert [Document.from_dict(d) for d in data] == [overlap_doc, plain_doc]
    assert json.loads(_write("json", [plain_doc])) == [plain_doc.to_dict()]
    assert json.loads(_write("json", [])) == []


def test_jsonl_is_one_document_per_line(overlap_doc, plain_doc):
    lines = _write("jsonl", [overlap_doc, plain_doc]).splitlines()
    assert [Document.from_json(line) for line in lines] == [overlap_doc, plain_doc]


def test_ptc_rows_use_the_meta_id(overlap_doc, plain_doc):
    assert _write("ptc", [overlap_doc, plain_doc]) == (
        "42\tLoaded_Language\t9\t22\n42\tName_Calling,Labeling\t14\t22\n"
    )


def test_ptc_without_id_is_an_input_error():
    with pytest.raises(InputError, match="id"):
        _write("ptc", [Document("evil", [])])


def test_unknown_format_names_the_choices():
    with pytest.raises(InputError, match="jsonl"):
        open_writer("xml", io.StringIO())


def test_highlight_gives_overlaps_the_innermost_colour_underlined(overlap_doc):
    text = highlight(overlap_doc)
    console = Console()
    outside = text.get_style_at_offset(console, 2)
    loaded_only = text.get_style_at_offset(console, 10)  # "evil"
    both = text.get_style_at_offset(console, 15)  # "traitors", inside both spans
    assert outside.bgcolor is None
    assert loaded_only.bgcolor.triplet.hex == "#e6194b" and not loaded_only.underline
    assert both.bgcolor.triplet.hex == "#f58231" and both.underline


def test_highlight_prefers_the_higher_score_between_equal_spans():
    doc = Document("evil", [Span(0, 4, "Loaded_Language", 0.3), Span(0, 4, "Doubt", 0.8)])
    style = highlight(doc).get_style_at_offset(Console(), 1)
    assert style.bgcolor.triplet.hex == "#bfef45" and style.underline


def test_text_render_in_colour_has_ansi_highlights_and_summary(overlap_doc):
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=100).print(render(overlap_doc))
    shown = out.getvalue()
    assert "48;2;245;130;49" in shown  # background of Name_Calling,Labeling
    assert "Summary" in shown and "Name calling / labeling" in shown
    assert "Spans" not in shown  # the colour view needs no span table


def test_text_writer_without_colour_adds_a_span_table(overlap_doc):
    shown = _write("text", [overlap_doc])
    assert "\x1b[" not in shown
    assert "They are evil traitors" in shown
    assert "Spans" in shown and "Name_Calling,Labeling" in shown
    assert "spans" in shown and "2" in shown and "density" in shown


def test_atomic_output_replaces_the_file_on_success(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    with atomic_output(target) as fh:
        fh.write("new\r\n")
        assert target.read_text(encoding="utf-8") == "old"  # nothing visible until the end
    assert target.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.json"]


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_atomic_output_leaves_old_file_and_no_temp_file_on_error(tmp_path, error):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(type(error)), atomic_output(target) as fh:
        fh.write("partial")
        raise error
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.json"]


def test_atomic_output_creates_no_file_on_error(tmp_path):
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "new.jsonl") as fh:
        fh.write("partial")
        raise RuntimeError
    assert os.listdir(tmp_path) == []


def test_plain_text_marks_each_span_with_its_technique_and_score(overlap_doc):
    shown = _write("text", [overlap_doc])
    assert "They are [evil [traitors|Name calling 0.90]|Loaded language 0.60], all of them." in shown


def test_plain_text_gives_spans_of_one_extent_one_mark():
    doc = Document("Our Harbour!", [Span(0, 11, "Slogans", 0.4), Span(0, 11, "Flag-Waving", 0.2)])
    assert "[Our Harbour|Flag-waving 0.20 · Slogan 0.40]!" in _write("text", [doc])


def test_terminal_view_tags_each_span_with_label_and_score_in_its_colour(overlap_doc):
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=100).print(render(overlap_doc))
    shown = out.getvalue()
    assert "Name calling 0.90" in shown and "Loaded language 0.60" in shown
    assert "[evil" not in shown  # colour shows where a span starts; brackets are for plain text


def test_sixteen_colour_terminals_get_a_distinct_colour_per_technique():
    from propscan.techniques import TECHNIQUES

    text = " ".join(f"w{i:02d}" for i in range(14))
    doc = Document(text, [Span(4 * i, 4 * i + 3, t.label, 0.5) for i, t in enumerate(TECHNIQUES)])
    view = highlight(doc, ansi=True)
    console = Console(color_system="standard")
    colours = []
    for span in doc.spans:  # the view holds tags after each span: find each span's word in it
        at = view.plain.index(f"{span.text} ")
        colours.append(view.get_style_at_offset(console, at).bgcolor.name)
    assert len(set(colours)) == len(TECHNIQUES)  # 14 techniques, 14 of the 16 terminal colours
    assert not {"black", "bright_white", "default"} & set(colours)  # never the terminal's own


def test_warnings_come_first_in_the_text_view():
    doc = Document("Kurz.", [], {"warnings": [{"code": "W-SHORT", "message": "a short text (1 word)"}]})
    shown = _write("text", [doc])
    assert shown.index("warning: a short text (1 word)") < shown.index("Kurz.")


QUOTED_TEXT = "“They are evil traitors,” Smith said. The evil plan."


def _quoted_doc():
    from propscan.engine.attribution import attribute

    spans = [Span(10, 14, "Loaded_Language", 0.9), Span(15, 23, "Name_Calling,Labeling", 0.8)]
    return attribute(Document(QUOTED_TEXT, [*spans, Span(42, 46, "Loaded_Language", 0.9)], {"id": "q"}))


def test_plain_text_marks_quoted_spans_with_their_speaker_and_counts_them():
    out = io.StringIO()
    TextWriter(out, width=200).write(_quoted_doc())
    shown = out.getvalue()
    assert "[evil|Loaded language 0.90, quoted: Smith]" in shown
    assert "[traitors|Name calling 0.80, quoted: Smith]" in shown
    assert "The [evil|Loaded language 0.90] plan." in shown  # the author's own words: no marker
    assert "in quoted speech" in shown and "2 of 3: Smith 2" in shown
    assert "author's voice" in shown and "1 span, density" in shown
    rows = [line for line in shown.splitlines() if line.startswith("│ 10 ") or line.startswith("│ 42 ")]
    assert "quoted: Smith" in rows[0] and "author" in rows[1]  # the span table's voice column


def test_the_terminal_shows_the_quoted_marker_in_colour_too():
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=100).print(render(_quoted_doc()))
    assert "Loaded language 0.90, quoted: Smith" in out.getvalue()


def test_a_document_without_voices_shows_no_voice_rows(overlap_doc):
    shown = _write("text", [overlap_doc])
    assert "quoted" not in shown and "author's voice" not in shown and "voice" not in shown


def test_speakers_and_span_texts_are_never_read_as_rich_markup():
    text = "[red]Evil[/red] said so."
    span = Span(0, 15, "Loaded_Language", 0.5, voice="quoted", speaker="[bold]Mallory[/bold]")
    shown = _write("text", [Document(text, [span])])
    assert "quoted: [bold]Mallory[/bold]" in shown and "[red]Evil[/red]" in shown
    assert "1 of 1: [bold]Mallory[/bold] 1" in shown
