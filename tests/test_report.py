"""The HTML report and the notebook fragment: structure, overlap and escaping (no browser here;
tests/test_browser.py runs them in Chromium)."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from propscan.cli import app
from propscan.document import Document, Span
from propscan.io.report import render_fragment, render_report, script_json, segments

PAYLOAD = "</script><script>alert(1)</script><img src=x onerror=alert(2)> \u2028 \u202eevil"


def _embedded(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="propscan-data">(.*?)</script>', page, re.S)
    assert match, "the report embeds its data"
    return json.loads(match.group(1))


def test_segments_cut_at_every_boundary_and_list_all_covering_spans(overlap_doc):
    cut = [(a, b, [s.technique for s in spans]) for a, b, spans in segments(overlap_doc)]
    assert cut == [
        (0, 9, []),
        (9, 14, ["Loaded_Language"]),
        (14, 22, ["Loaded_Language", "Name_Calling,Labeling"]),
        (22, len(overlap_doc.text), []),
    ]


def test_script_json_cannot_close_the_script_element_and_round_trips():
    text = script_json({"t": PAYLOAD + " <!-- & \u2029"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"t": PAYLOAD + " <!-- & \u2029"}


def test_report_embeds_documents_and_techniques_and_inlines_its_assets(overlap_doc):
    page = render_report([overlap_doc])
    data = _embedded(page)
    assert data["documents"] == [overlap_doc.to_dict()]
    assert {t["label"] for t in data["techniques"]} >= {"Loaded_Language", "Name_Calling,Labeling"}
    assert "window.Propscan" in page and ".ps-span" in page  # report.js and report.css inlined
    assert "http://" not in page and "https://" not in page  # nothing to fetch


def test_untrusted_text_cannot_become_markup_in_the_report():
    doc = Document(PAYLOAD, [Span(0, 9, "Loaded_Language", 0.5)], {"title": "<b>x</b>", "id": "<i>"})
    page = render_report([doc])
    assert page.count("<script") == 2  # the data block and report.js, nothing from the article
    assert "<img" not in page and "<b>x" not in page
    assert _embedded(page)["documents"][0]["text"] == PAYLOAD


def test_fragment_stacks_one_underline_per_covering_span(overlap_doc):
    html = overlap_doc._repr_html_()
    assert html == render_fragment(overlap_doc)
    marks = re.findall(r"<mark ([^>]*)>([^<]*)</mark>", html)
    assert [text for _, text in marks] == ["evil ", "traitors"]
    assert marks[0][0].count("inset 0") == 1 and marks[1][0].count("inset 0") == 2
    assert "Name calling / labeling (score 0.90)" in marks[1][0]  # tooltip names both techniques
    assert "Loaded language (score 0.60)" in marks[1][0]


def test_fragment_escapes_text_and_shows_bidi_controls_as_markers():
    doc = Document(PAYLOAD, [Span(len(PAYLOAD) - 4, len(PAYLOAD), "Loaded_Language", 0.5)], {"title": "<u>t"})
    html = doc._repr_html_()
    assert "<script" not in html and "<img" not in html and "<u>" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "\u202e" not in html and "[U+202E]" in html


def test_cli_writes_one_self_contained_report_for_several_inputs(tmp_path, fake_detector):
    (tmp_path / "a.txt").write_text("They are evil traitors.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("A disaster.", encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(tmp_path), "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    docs = _embedded(out.read_text("utf-8"))["documents"]
    assert [d["meta"]["id"] for d in docs] == ["a", "b"]
    assert [s["technique"] for s in docs[0]["spans"]] == ["Loaded_Language", "Name_Calling,Labeling"]


def test_empty_report_is_still_a_valid_page():
    page = render_report([])
    assert _embedded(page)["documents"] == [] and page.rstrip().endswith("</html>")


def test_report_says_scores_are_calibrated_probabilities(overlap_doc):
    page = render_report([overlap_doc])
    assert "uncalibrated" not in page and "calibrated probability that the span is right" in page


SPEAKER = '<img src=x onerror=alert(3)>"\u202eMallory'


def _speaker_doc() -> Document:
    text = "They are evil, he said. The plan is evil."
    quoted = Span(9, 13, "Loaded_Language", 0.5, voice="quoted", speaker=SPEAKER)
    return Document(text, [quoted, Span(36, 40, "Loaded_Language", 0.7, voice="author")])


def test_fragment_names_the_speaker_of_quoted_spans_as_escaped_text():
    html = render_fragment(_speaker_doc())
    assert "<img" not in html and "\u202e" not in html
    assert "quoted: &lt;img src=x onerror=alert(3)&gt;&quot;[U+202E]Mallory" in html  # tag and tooltip
    assert "2 spans (1 in quoted speech)" in html


def test_a_speaker_holding_markup_cannot_become_markup_in_the_report():
    page = render_report([_speaker_doc()])
    assert page.count("<script") == 2 and "<img" not in page
    assert _embedded(page)["documents"][0]["spans"][0]["speaker"] == SPEAKER
