import importlib
import re

import pytest

from propscan.errors import InputError, MissingExtraError, install_line
from propscan.io.html import extract
from propscan.io.readers import read_inputs

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Storm over the harbour</title></head>
<body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<article><h1>Storm over the harbour</h1>
<p>The council's reckless plan will ruin every family in this town, critics said on Monday, and
they promised to fight it at every meeting until the vote in the spring.</p>
<p>Officials replied <script>alert('x')</script> that the harbour works were long overdue and that
the money had been set aside years ago for exactly this purpose.</p></article>
<footer>Copyright 2026 The Harbour Gazette</footer></body></html>"""


def test_extract_returns_title_and_main_text_without_markup_or_scripts():
    page = extract(PAGE)
    assert page.title == "Storm over the harbour"
    assert "reckless plan will ruin every family" in page.text
    assert "long overdue" in page.text
    assert "alert" not in page.text and "<" not in page.text
    assert "Copyright" not in page.text


def test_extract_decodes_bytes_by_the_page_charset():
    page = extract(PAGE.replace("harbour works", "harbour’s works").encode("utf-8"))
    assert "harbour’s works" in page.text


@pytest.mark.parametrize("bad", ["", "   ", "<html><body></body></html>"])
def test_a_page_without_article_text_is_an_input_error(bad):
    with pytest.raises(InputError, match="HTML page"):
        extract(bad)


def test_html_files_and_directories_become_records_with_the_title_in_meta(tmp_path):
    (tmp_path / "a.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_text("plain", encoding="utf-8")
    (tmp_path / "c.htm").write_text("<html><body></body></html>", encoding="utf-8")
    records = list(read_inputs([tmp_path]))
    assert [r.id for r in records] == ["a", "b", "c"]
    assert records[0].ok and records[0].meta == {"title": "Storm over the harbour"}
    assert "reckless plan" in records[0].text
    assert records[1].text == "plain" and records[1].meta == {}
    assert not records[2].ok and "no article text" in records[2].error


def test_missing_html_extra_names_the_install_line(monkeypatch):
    def missing(name):
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(MissingExtraError, match=re.escape(install_line("html"))):
        extract(PAGE)
