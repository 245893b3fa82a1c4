"""HTML pages -> article title and main text, with trafilatura (the ``html`` extra).

Only the extracted text is analysed, so span offsets index :attr:`Extracted.text`, never the HTML.
Markup, scripts and navigation are dropped by the extractor; nothing in the page is executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from ..errors import InputError, require
from ..text import clean_text

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


@dataclass(frozen=True)
class Extracted:
    """The main text of a page and its title (None when the page names none)."""

    text: str
    title: str | None = None


def _trafilatura() -> ModuleType:
    return require("html", "trafilatura")


def require_html_extra() -> None:
    """Raise MissingExtraError (with the pip line) unless HTML extraction is installed."""
    _trafilatura()


def extract(html: str | bytes, url: str | None = None) -> Extracted:
    """The title and main text of an HTML page (``bytes`` are decoded by the page's charset).

    Raises InputError when the page holds no article text, e.g. an empty page or a page of links.
    """
    trafilatura = _trafilatura()
    if isinstance(html, str):  # the input contract: lxml stops at a lone surrogate, dropping the rest
        html = clean_text(html, "the HTML page")
    if not html.strip():
        raise InputError("the HTML page is empty; give a page with an article in it")
    try:
        result = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as exc:  # the extractor fails on some malformed markup; say so, do not crash
        raise InputError(f"could not parse the HTML page: {exc}") from exc
    text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    if not text:
        raise InputError("found no article text in the HTML page (is it an article, not an index page?)")
    title = (getattr(result, "title", None) or "").strip() or None
    return Extracted(text=text, title=title)


__all__ = ["HTML_SUFFIXES", "Extracted", "extract", "require_html_extra"]
