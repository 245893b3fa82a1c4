"""The articles/s a model directory records for ``propscan models list``: ``analyze_many`` over
the PTC's unlabelled test articles (or, lacking them, its val articles), after a warm-up."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Protocol

from ..io.ptc import load_split


class _Analyzer(Protocol):
    def analyze_many(self, texts: list[str]) -> Any: ...


def speed_texts(data_dir: str | Path) -> list[str]:
    """The articles speed is measured on: ``test-articles/*.txt`` of a PTC corpus, else val."""
    paths = sorted((Path(data_dir) / "test-articles").glob("*.txt"))
    return [p.read_text("utf-8") for p in paths] or [a.text for a in load_split(data_dir, "val")]


def measure_speed(detector: _Analyzer, texts: list[str]) -> dict[str, Any]:
    """{"articles_per_s", "speed_note"} of ``detector`` over ``texts``."""
    detector.analyze_many(texts[:8])  # warm-up
    t0 = time.perf_counter()
    detector.analyze_many(texts)
    speed = len(texts) / (time.perf_counter() - t0)
    return {
        "articles_per_s": round(speed, 2),
        "speed_note": f"analyze_many over {len(texts)} unlabelled articles, {os.cpu_count()} cores",
    }
