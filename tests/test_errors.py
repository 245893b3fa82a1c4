"""errors.install_line: the pip line that adds an extra to propscan as it was installed."""

from __future__ import annotations

import importlib.metadata
import json

import pytest

from propscan.errors import install_line


class _Dist:
    def __init__(self, direct_url: dict | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        assert name == "direct_url.json"
        return None if self.direct_url is None else json.dumps(self.direct_url)


@pytest.mark.parametrize(
    ("direct_url", "line"),
    [
        # a clone, editable (pip install -e .)
        (
            {"url": "file:///home/me/propscan", "dir_info": {"editable": True}},
            "pip install -e '/home/me/propscan[server]'",
        ),
        # a clone, not editable (pip install .), with a space in the path
        (
            {"url": "file:///home/me/my%20code/propscan", "dir_info": {}},
            "pip install '/home/me/my code/propscan[server]'",
        ),
        # a built wheel
        (
            {"url": "file:///tmp/dist/propscan-0.1.0-py3-none-any.whl", "archive_info": {}},
            "pip install '/tmp/dist/propscan-0.1.0-py3-none-any.whl[server]'",
        ),
        # from an index (no direct_url.json), or from somewhere this cannot name
        (None, "pip install 'propscan[server]'"),
        (
            {"url": "https://example.org/propscan.tar.gz", "archive_info": {}},
            "pip install 'propscan[server]'",
        ),
    ],
)
def test_install_line_names_how_propscan_was_installed(monkeypatch, direct_url, line):
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: _Dist(direct_url))
    assert install_line("server") == line


def test_install_line_survives_a_broken_record(monkeypatch):
    class Broken(_Dist):
        def read_text(self, name: str) -> str:
            return "{not json"

    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Broken(None))
    assert install_line("batch") == "pip install 'propscan[batch]'"
