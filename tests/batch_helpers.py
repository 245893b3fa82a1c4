"""Small corpora for the batch tests, and a way to read a batch output back as sorted rows."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

# words of tests/tiny_model.py's vocabulary; the HOT ones light up spans
WORDS = ("the", "a", "of", "and", "is", "are", "they", "we", "people", "plan", "city", "said", ".", ",")
HOT = ("evil", "traitors", "disgraceful", "corrupt", "cowards")


def write_jsonl(path: Path, n: int, *, seed: int = 0) -> Path:
    """``n`` articles with outlet and published fields, of 5 to 60 words (several tiny-model windows)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            words = [rng.choice(WORDS + HOT) for _ in range(rng.randint(5, 60))]
            record = {
                "id": f"a{i:04d}",
                "text": " ".join(words),
                "outlet": rng.choice(["North Star", "Daily Bugle"]),
                "published": f"2021-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}",
            }
            fh.write(json.dumps(record) + "\n")
    return path


def read_output(directory: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of a batch output as sorted row tuples (order of parts does not matter)."""
    import pyarrow.parquet as pq

    out = {}
    for table in ("articles", "spans", "errors"):
        rows: list[tuple[Any, ...]] = []
        for part in sorted((directory / table).glob("part-*.parquet")):
            rows.extend(tuple(row.values()) for row in pq.read_table(part).to_pylist())
        out[table] = sorted(rows, key=repr)
    return out


def visible_files(directory: Path) -> list[str]:
    """Files a reader of the output would see (everything but hidden names), relative."""
    return sorted(
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )
