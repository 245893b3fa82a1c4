"""The web app's pages for people: the example button's article, the corpus link, /techniques."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi", reason="needs the server extra")

from fastapi.testclient import TestClient

from conftest import FakeDetector
from propscan.server import create_app


@pytest.fixture
def client():
    with TestClient(create_app(FakeDetector())) as c:
        yield c


def _config(page: str) -> dict:
    return json.loads(page.split('id="propscan-config">')[1].split("</script>")[0])


def test_page_carries_the_sample_article_for_its_example_button(client):
    from pathlib import Path

    page = client.get("/").text
    sample = Path(__file__).resolve().parent.parent / "examples" / "sample_article.txt"
    assert _config(page)["example"] == sample.read_text("utf-8")  # the package's copy is the same
    assert 'id="example"' in page and 'href="/techniques"' in page
    assert _config(page)["corpus"] is False


def test_page_links_the_corpus_browser_when_one_is_served(corpus_dir):
    with TestClient(create_app(FakeDetector(), corpus=corpus_dir)) as c:
        assert _config(c.get("/").text)["corpus"] is True


def test_techniques_page_defines_each_technique_and_says_how_to_read_a_score(client):
    from propscan.techniques import TECHNIQUES

    response = client.get("/techniques")
    assert response.status_code == 200 and "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    for t in TECHNIQUES:
        assert t.name in page and t.label in page
    assert "How to read what propscan shows" in page and "calibrated probability" in page
    assert "<script" not in page
