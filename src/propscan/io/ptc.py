"""Read a corpus directory laid out like the PTC (SemEval-2020 Task 11) training data.

    <data_dir>/train-articles/article<ID>.txt   one article, UTF-8
    <data_dir>/train-task-tc.labels             ID<TAB>TECHNIQUE<TAB>START<TAB>END (END exclusive)
    <data_dir>/splits.json                      {"train": [ids], "val": [ids]}

Texts are read without newline translation so that label offsets index the exact string.
Every problem raises :class:`~propscan.errors.DataError` naming the file (and line) to fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..document import Document, Span
from ..errors import DataError, InputError, PropscanError
from ..techniques import LABELS, is_label
from .readers import read_text_file
from .records import record_id

ARTICLES_DIR = "train-articles"
LABELS_FILE = "train-task-tc.labels"
SPLITS_FILE = "splits.json"
ALL = "all"  # every article in train-articles, whatever splits.json says
_FOLD = re.compile(r"(not-)?fold-(\d+)/(\d+)")


@dataclass(frozen=True)
class Article:
    """One corpus article with its gold spans (score 1.0), sorted by (start, end, technique)."""

    id: str
    text: str
    spans: list[Span] = field(default_factory=list)

    def to_document(self) -> Document:
        return Document(self.text, self.spans, {"id": self.id})


def article_id(path: str | Path) -> str:
    """The digits of ``article<ID>.txt``, else the file stem."""
    return record_id(Path(path))


def read_article(path: str | Path) -> str:
    """The exact text of one article file ("\\r" kept, so offsets match the label files)."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise DataError(f"article file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read article file {path} as UTF-8 text: {exc}") from exc


def read_labels(path: str | Path) -> list[tuple[str, int, int, str]]:
    """Rows of a TC label file as (article_id, start, end, technique); blank lines skipped."""
    return [row[1:] for row in _label_rows(path)]


def _label_rows(path: str | Path) -> list[tuple[int, str, int, int, str]]:
    rows = []
    for number, cols in _rows(path):
        if len(cols) != 4:
            raise DataError(
                f"{path}, line {number}: expected 4 tab-separated columns "
                f"ID, TECHNIQUE, START, END; got {len(cols)}"
            )
        ident, technique, start, end = cols
        if not is_label(technique):
            raise DataError(
                f"{path}, line {number}: unknown technique {technique!r}; use one of: {', '.join(LABELS)}"
            )
        rows.append((number, ident, *_offsets(path, number, start, end), technique))
    return rows


def read_template(path: str | Path) -> list[tuple[str, int, int]]:
    """Rows of a TC template (``ID<TAB>?<TAB>START<TAB>END``; any value in column 2) as
    (article_id, start, end)."""
    rows = []
    for number, cols in _rows(path):
        if len(cols) != 4:
            raise DataError(
                f"{path}, line {number}: expected 4 tab-separated columns ID, ?, START, END; got {len(cols)}"
            )
        rows.append((cols[0], *_offsets(path, number, cols[2], cols[3])))
    return rows


def fold_of(article: str, folds: int) -> int:
    """The cross-validation fold (0 .. folds-1) of an article, fixed by a hash of its id: no id
    list is stored, and an article keeps its fold whatever else is in the corpus."""
    return int.from_bytes(hashlib.sha256(article.encode("utf-8")).digest()[:8], "big") % folds


def fold_split(fold: int, folds: int, *, held_out: bool) -> str:
    """The split name of fold ``fold`` of ``folds`` (``held_out``) or of every other fold."""
    return f"{'' if held_out else 'not-'}fold-{fold}/{folds}"


def parse_fold(split: str) -> tuple[int, int, bool] | None:
    """(fold, folds, held out?) of a fold split name ("fold-2/5", "not-fold-2/5"), else None."""
    match = _FOLD.fullmatch(split)
    if match is None:
        return None
    fold, folds = int(match.group(2)), int(match.group(3))
    if folds < 2 or not 0 <= fold < folds:
        raise DataError(f"split {split!r}: a fold split names fold I of K with K >= 2 and 0 <= I < K")
    return fold, folds, not match.group(1)


def load_split(data_dir: str | Path, split: str) -> list[Article]:
    """The articles of ``split`` with their gold spans: "train", "val" or any key of splits.json
    (in the order it lists them), "all" (sorted by id), or a cross-validation fold of all articles,
    "fold-I/K" (the articles of fold I of K) or "not-fold-I/K" (the others), sorted by id."""
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(f"corpus directory {root} does not exist; point to a folder laid out like the PTC")
    art_dir = root / ARTICLES_DIR
    if not art_dir.is_dir():
        raise DataError(f"{art_dir} does not exist; a corpus directory holds {ARTICLES_DIR}/article<ID>.txt")
    paths = {article_id(p): p for p in art_dir.glob("*.txt") if p.is_file()}
    fold = parse_fold(split)
    if fold is not None:
        i, k, held_out = fold
        ids = [a for a in sorted(paths) if (fold_of(a, k) == i) == held_out]
    else:
        ids = sorted(paths) if split == ALL else _split_ids(root / SPLITS_FILE, split)
    for ident in ids:
        if ident not in paths:
            raise DataError(f"split {split!r} lists article {ident}, but {art_dir} has no article{ident}.txt")
    texts = {ident: read_article(paths[ident]) for ident in ids}
    spans: dict[str, list[Span]] = {ident: [] for ident in ids}
    label_path = root / LABELS_FILE
    if not label_path.is_file():
        raise DataError(f"label file {label_path} does not exist")
    for number, ident, start, end, technique in _label_rows(label_path):
        if ident not in paths:
            raise DataError(f"{label_path}, line {number}: article {ident} is not in {art_dir}")
        if ident in texts and end > len(texts[ident]):
            raise DataError(
                f"{label_path}, line {number}: span [{start}, {end}) ends past the end of "
                f"article{ident}.txt ({len(texts[ident])} characters)"
            )
        if ident in spans:
            spans[ident].append(Span(start, end, technique, 1.0, texts[ident][start:end]))
    return [Article(ident, texts[ident], sorted(spans[ident])) for ident in ids]


def split_size(data_dir: str | Path, split: str) -> int:
    """How many articles ``split`` holds, for sizing a progress bar; 0 if that cannot be told
    (load_split then reports what is wrong)."""
    root = Path(data_dir)
    try:
        fold = parse_fold(split)
        if split == ALL or fold is not None:
            ids = [article_id(p) for p in (root / ARTICLES_DIR).glob("article*.txt")]
            if fold is None:
                return len(ids)
            return sum((fold_of(a, fold[1]) == fold[0]) == fold[2] for a in ids)
        return len(_split_ids(root / SPLITS_FILE, split))
    except (DataError, OSError):
        return 0


def _split_ids(path: Path, split: str) -> list[str]:
    if not path.is_file():
        raise DataError(f"split file {path} does not exist; use split {ALL!r} or add it")
    try:
        splits = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read {path} as JSON: {exc}") from exc
    if not isinstance(splits, dict) or not all(
        isinstance(v, list) and all(isinstance(i, str | int) for i in v) for v in splits.values()
    ):
        raise DataError(f'{path} must be a JSON object of id lists, like {{"train": [...], "val": [...]}}')
    if split not in splits:
        valid = ", ".join(repr(s) for s in [*splits, ALL])
        raise DataError(f"unknown split {split!r}; use one of: {valid}")
    return [str(i) for i in splits[split]]


def _rows(path: str | Path) -> list[tuple[int, list[str]]]:
    """(line number, tab-separated columns) of each non-blank line."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        raise DataError(f"label file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path} as UTF-8 text: {exc}") from exc
    return [(n, line.split("\t")) for n, line in enumerate(lines, start=1) if line.strip()]


def _offsets(path: str | Path, number: int, start: str, end: str) -> tuple[int, int]:
    try:
        first, last = int(start), int(end)
    except ValueError:
        raise DataError(
            f"{path}, line {number}: START and END must be integers, got {start!r}, {end!r}"
        ) from None
    if not 0 <= first < last:
        raise DataError(f"{path}, line {number}: span [{first}, {last}) needs 0 <= START < END")
    return first, last


class _Classifier(Protocol):
    def classify(self, text: str, spans: Sequence[tuple[int, int]]) -> list[str]: ...


def classify_template(
    detector: _Classifier, articles_dir: str | Path, rows: Sequence[tuple[str, int, int]]
) -> tuple[list[tuple[str, str, int, int]], list[str]]:
    """The TC task on a template: each (article ID, start, end) row with the technique the detector
    gives it, as (ID, technique, start, end) in template order, and a problem line for each article
    that could not be read or classified (its rows are left out, the others kept)."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for article, start, end in rows:
        spans[article].append((start, end))
    labels: dict[str, Iterator[str]] = {}
    problems = []
    for article, article_spans in spans.items():
        record = read_text_file(Path(articles_dir) / f"article{article}.txt")
        try:
            if record.text is None:
                raise InputError(f"{record.source}: {record.error}")
            labels[article] = iter(detector.classify(record.text, article_spans))
        except PropscanError as exc:
            problems.append(f"article {article}: {exc}; its rows are left out")
    labelled = [(a, next(labels[a]), s, e) for a, s, e in rows if a in labels]
    return labelled, problems


__all__ = [
    "ALL",
    "Article",
    "article_id",
    "classify_template",
    "load_split",
    "read_article",
    "read_labels",
    "read_template",
]
