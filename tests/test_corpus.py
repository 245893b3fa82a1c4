"""Browsing a batch output: filters, paging and opening an article (library and web app)."""

from __future__ import annotations

import pytest

from propscan.batch.corpus import ArticleNotFound, Corpus, Filters
from propscan.errors import InputError


def ids(page):
    return [a["id"] for a in page.articles]


def test_articles_are_listed_newest_first_with_undated_last(corpus_dir):
    page = Corpus(corpus_dir).search()
    assert page.total == 4 and ids(page) == ["s1", "b2", "b1", "s2"]
    assert page.articles[0]["outlet"] == "Star" and page.articles[0]["words"] == 5
    assert page.articles[0]["headline"] == "nothing at all to see"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(outlet="Bugle"), ["b2", "b1"]),
        (Filters(technique="Name_Calling,Labeling"), ["b1"]),  # FakeDetector: traitors
        (Filters(technique="Loaded_Language"), ["b1", "s2"]),  # evil, Evil
        (Filters(since="2021-02-01"), ["s1", "b2"]),
        (Filters(since="2021-02-01", until="2021-02-10"), ["b2"]),  # a timestamp counts by its date
        (Filters(outlet="Star", technique="Loaded_Language"), ["s2"]),
        (Filters(outlet="Nobody"), []),
    ],
)
def test_filters_by_outlet_technique_and_date(corpus_dir, filters, expected):
    assert ids(Corpus(corpus_dir).search(filters)) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("evil", ["b1", "s2"]),  # any case
        ("EVIL plans", ["s2"]),  # every word
        ('"plain words"', ["b1"]),  # a quoted phrase as it is
        ('"words plain"', []),
        ("%", []),  # no wildcards: % and _ mean themselves
    ],
)
def test_keyword_search_keeps_articles_holding_every_word(corpus_dir, q, expected):
    assert ids(Corpus(corpus_dir).search(Filters(q=q))) == expected


def test_sort_by_spans_density_or_date(corpus_dir):
    corpus = Corpus(corpus_dir)
    by_spans = corpus.search(sort="spans").articles
    assert [a["spans"] for a in by_spans] == sorted((a["spans"] for a in by_spans), reverse=True)
    assert by_spans[0]["id"] == "b1"  # evil evil traitors
    by_density = corpus.search(sort="density").articles
    assert [a["density"] for a in by_density] == sorted((a["density"] for a in by_density), reverse=True)
    assert ids(corpus.search(sort="oldest")) == ["b1", "b2", "s1", "s2"]  # undated still last
    with pytest.raises(InputError, match="unknown sort 'random'"):
        corpus.search(sort="random")


def test_paging_gives_the_total_and_one_slice(corpus_dir):
    page = Corpus(corpus_dir).search(limit=2, offset=2)
    assert page.total == 4 and ids(page) == ["b1", "s2"]


def test_facets_list_outlets_techniques_and_the_date_range(corpus_dir):
    facets = Corpus(corpus_dir).facets()
    assert facets["articles"] == 4
    assert facets["outlets"] == [{"outlet": "Bugle", "articles": 2}, {"outlet": "Star", "articles": 2}]
    assert {"technique": "Loaded_Language", "articles": 2} in facets["techniques"]
    assert (facets["first"], facets["last"]) == ("2021-01-05", "2021-02-11")


def test_an_article_opens_as_the_document_the_run_found(corpus_dir):
    doc = Corpus(corpus_dir).document("b1")
    assert doc.text == "evil evil traitors and five more plain words here"
    assert [(s.text, s.technique) for s in doc.spans] == [
        ("evil", "Loaded_Language"),
        ("evil", "Loaded_Language"),
        ("traitors", "Name_Calling,Labeling"),
    ]
    assert doc.meta["outlet"] == "Bugle" and doc.meta["published"] == "2021-01-05"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"technique": "Lies"}, "unknown technique"),
        ({"since": "last week"}, "since must be a date"),
        ({"until": "2021-13-01"}, "until must be a date"),
    ],
)
def test_bad_filters_name_the_problem(kwargs, words):
    with pytest.raises(InputError, match=words):
        Filters(**kwargs)


def test_unknown_article_and_bad_paging_are_errors(corpus_dir):
    corpus = Corpus(corpus_dir)
    with pytest.raises(ArticleNotFound, match="no article with id 'zz'"):
        corpus.document("zz")
    with pytest.raises(InputError, match="limit must be"):
        corpus.search(limit=0)


def test_a_directory_without_output_says_how_to_make_one(tmp_path):
    with pytest.raises(InputError, match="propscan batch INPUT --output"):
        Corpus(tmp_path)


@pytest.fixture
def client(corpus_dir):
    pytest.importorskip("fastapi", reason="needs the server extra")
    from fastapi.testclient import TestClient

    from conftest import FakeDetector
    from propscan.server import create_app

    return TestClient(create_app(FakeDetector(), corpus=corpus_dir))


def test_corpus_page_lists_filters_and_links_articles(client):
    page = client.get("/corpus", params={"outlet": "Bugle"})
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert "<option value='Bugle' selected>Bugle (2)</option>" in page.text
    assert "/corpus/articles/b1" in page.text and "/corpus/articles/s1" not in page.text
    assert "Articles: 1–2 of 2." in page.text


def test_corpus_page_form_may_submit_to_itself_and_shows_readable_dates(client):
    page = client.get("/corpus")
    csp = page.headers["Content-Security-Policy"]
    assert "form-action 'self'" in csp and "form-action 'none'" not in csp  # the Filter button works
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert (
        "<td class='date'>5 Jan 2021</td>" in page.text and "<td class='date'>10 Feb 2021</td>" in page.text
    )
    assert "<td class='date'>someday</td>" in page.text  # not a date: shown as it is
    assert "5 Jan 2021 to 11 Feb 2021" in page.text


def test_corpus_page_searches_and_sorts(client):
    page = client.get("/corpus", params={"q": "plain words", "sort": "spans"})
    assert "/corpus/articles/b1" in page.text and "/corpus/articles/s2" not in page.text
    assert "<option value='spans' selected>" in page.text and "value='plain words'" in page.text


def test_article_page_is_titled_by_its_headline_with_a_link_back_to_the_list(client):
    listing = client.get("/corpus", params={"outlet": "Bugle", "sort": "spans"})
    assert "/corpus/articles/b1?back=outlet%3DBugle%26sort%3Dspans" in listing.text
    page = client.get("/corpus/articles/b1", params={"back": "outlet=Bugle&sort=spans&evil=1"})
    assert "<title>evil evil traitors and five more plain words here</title>" in page.text
    assert '<a href="/corpus?outlet=Bugle&amp;sort=spans">← All articles</a>' in page.text
    elsewhere = client.get("/corpus/articles/b1", params={"back": "//evil.example/x"})
    assert '<a href="/corpus">← All articles</a>' in elsewhere.text


def test_corpus_page_pages_keep_the_filters(client, monkeypatch):
    from propscan.server import corpus as corpus_module

    monkeypatch.setattr(corpus_module, "PAGE_SIZE", 1)
    first = client.get("/corpus", params={"technique": "Loaded_Language"})
    assert "/corpus/articles/b1" in first.text and "/corpus/articles/s2" not in first.text
    assert "/corpus?technique=Loaded_Language&amp;page=2" in first.text
    second = client.get("/corpus", params={"technique": "Loaded_Language", "page": 2})
    assert "/corpus/articles/s2" in second.text and "rel='prev'" in second.text


def test_corpus_page_shows_a_bad_filter_as_a_message_with_422(client):
    page = client.get("/corpus", params={"since": "<script>alert(1)</script>"})
    assert page.status_code == 422
    assert "since must be a date" in page.text and "<script>alert" not in page.text


def test_article_opens_in_the_highlighted_view(client):
    page = client.get("/corpus/articles/b1")
    assert page.status_code == 200
    assert "evil evil traitors" in page.text and "Name_Calling,Labeling" in page.text


def test_corpus_api_answers_json_and_404_for_unknown_ids(client):
    found = client.get("/v1/corpus/articles", params={"outlet": "Star", "limit": 1}).json()
    assert found["total"] == 2 and [a["id"] for a in found["articles"]] == ["s1"]
    doc = client.get("/v1/corpus/articles/b1").json()
    assert [s["technique"] for s in doc["spans"]][-1] == "Name_Calling,Labeling"
    assert client.get("/v1/corpus/facets").json()["last"] == "2021-02-11"
    missing = client.get("/v1/corpus/articles/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "E-NOT-FOUND"
    bad = client.get("/v1/corpus/articles", params={"technique": "Lies"})
    assert bad.status_code == 422 and "unknown technique" in bad.json()["error"]["message"]


def test_serving_a_directory_that_is_not_a_batch_output_fails_before_loading(tmp_path):
    pytest.importorskip("fastapi", reason="needs the server extra")
    from propscan.server import create_app

    with pytest.raises(InputError, match="holds no batch output"):
        create_app(detector=None, corpus=tmp_path)
