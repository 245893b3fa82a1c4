"""Static pages of the web app for people: the techniques, with how to read what propscan shows."""

from __future__ import annotations

from functools import cache

from ..io.report import asset, html_text
from ..techniques import TECHNIQUES

_CSS = """
.tq-list { list-style: none; padding: 0; margin: 1rem 0; }
.tq-item { border: 1px solid var(--ps-line); border-radius: 8px; padding: .7rem .9rem; margin: .7rem 0; }
.tq-item h3 { margin: 0 0 .2rem; font-size: 1.1rem; display: flex; align-items: center; gap: .5rem; }
.tq-item p { margin: .3rem 0; }
.tq-example { border-left: 4px solid var(--ps-line); padding-left: .6rem; font-style: italic; }
.tq-label { font-family: ui-monospace, monospace; font-size: .8rem; color: var(--ps-muted); }
.tq-nav { font-size: .9rem; margin-top: .5rem; }
.tq-nav a, .tq-item a { color: #1a73e8; }
"""

_READING = """
<h2 id="scores">How to read what propscan shows</h2>
<ul>
<li><strong>A highlighted passage</strong> is a span where the model thinks a technique is used.
Its tag, and the tooltip on the page, give the technique and a <strong>score</strong>.</li>
<li><strong>The score is a calibrated probability</strong> that the span is right (the passage
and the technique both). On news articles like those the model was trained on, spans scored 0.6
are right about 6 times in 10, and spans scored 0.2 about 2 times in 10. On other kinds of text
(opinion blogs, speeches, social media, fiction) the model is wrong more often than its scores
say.</li>
<li><strong>The minimum-score slider</strong> hides spans scored below it, as
<code>--min-score</code> does on the command line and <code>min_score</code> in the API.</li>
<li><strong>No highlight is not a clean bill.</strong> The model finds about half of the
spans that the corpus's annotators marked, and rare techniques least often.</li>
<li><strong>Short texts and other languages.</strong> The model was trained on whole English news
articles (the shortest had 112 words). A text that is much shorter, or not in English, gets a
warning: read its results with extra care.</li>
<li>Treat every span as a prompt to look closer, not as a verdict: vivid or emotional wording is
not propaganda by itself.</li>
</ul>
"""


@cache
def techniques_html() -> str:
    """The techniques page: each technique's definition and an example, and how to read a score."""
    items = "".join(
        f'<li class="tq-item" id="{html_text(t.label)}"><h3><span class="ps-swatch" aria-hidden="true" '
        f'style="background:{t.color}"></span>{html_text(t.name)}</h3>'
        f'<p class="tq-label">label {html_text(t.label)} · tag “{html_text(t.short)}”</p>'
        f"<p>{html_text(t.definition)}</p>"
        f'<p class="tq-example">Example (invented): {html_text(t.example)}</p></li>'
        for t in TECHNIQUES
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>propscan: the 14 propaganda techniques</title>\n"
        f"<style>\n{asset('report.css')}{_CSS}</style>\n</head>\n<body>\n"
        '<main class="ps-report">'
        '<nav class="tq-nav" aria-label="Pages"><a href="/">← Analyze an article</a></nav>'
        "<h1>The 14 propaganda techniques</h1>"
        "<p>propscan finds the techniques of the Propaganda Techniques Corpus (Da San Martino et al., "
        "2019), annotated in 371 English news articles. The definitions and examples are ours. "
        '<a href="#scores">How to read a score</a>.</p>'
        f'<ol class="tq-list">{items}</ol>{_READING}</main>\n</body>\n</html>\n'
    )


__all__ = ["techniques_html"]
