"""A teacher model's labels for distillation, optionally kept in a cache between runs.

Labelling the 371 training articles and 90 unlabelled ones with the MPNet teacher takes 7-11
minutes of a 40-minute student run on 2 cores, and it is the same for every student seed.
``teacher_outputs(..., cache=DIR)`` stores them in DIR under a key made of the teacher's
SHA256SUMS, propscan's version and every text and gold span offset, and reuses them when all of
those match.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..document import Document, Span
from ..engine.detector import Detector
from ..errors import DataError
from ..hub.checksums import sha256
from ..hub.layout import SUMS
from ..io.ptc import Article
from ..techniques import LABELS


@dataclass
class Teacher:
    spans: list[dict[tuple[int, int], np.ndarray]]  # per doc: technique distribution per span offsets
    chars: list[np.ndarray]  # per doc: (len(text), 1 + L) token-head probabilities per character
    pseudo: list[Document]  # the unlabelled articles with the teacher's spans


def teacher_outputs(
    teacher: str,
    articles: list[Article],
    unlabelled: list[str],
    log: Any,
    cache: str | Path | None = None,
    *,
    extra: list[list[tuple[int, int]]] | None = None,
) -> Teacher:
    """The teacher's view of the corpus articles (technique distributions of their gold spans and,
    per article, of the ``extra`` offsets given) and of the unlabelled texts (its own spans and their
    distributions), and its per-character token probabilities for both, in that order. With
    ``cache``, labels stored there by an earlier call with the same teacher, texts and spans are
    reused, and new ones are stored."""

    det = Detector.load(teacher)
    if extra is not None and len(extra) != len(articles):
        raise ValueError(f"extra offsets for {len(extra)} articles, not {len(articles)}")
    offsets = [
        sorted({(s.start, s.end) for s in a.spans} | set(extra[n] if extra else ()))
        for n, a in enumerate(articles)
    ]
    path = None
    if cache is not None:
        key = hashlib.sha256()
        key.update(sha256(Path(det.info()["path"]) / SUMS).encode())
        key.update(__version__.encode())
        for text, spans in [
            *zip((a.text for a in articles), offsets, strict=True),
            *((t, []) for t in unlabelled),
        ]:
            key.update(hashlib.sha256(text.encode("utf-8")).digest() + json.dumps(spans).encode())
        path = Path(cache) / f"teacher-{key.hexdigest()[:32]}.npz"
        if path.is_file():
            out = _load(path, [a.text for a in articles], unlabelled, offsets)
            log(f"teacher {det.name}: labels reused from {path}")
            return out
    t0 = time.time()
    spans, pseudo, chars = [], [], []

    def label(text: str, where: list[tuple[int, int]]) -> None:
        char_probs, probs = det.char_and_span_probs(text, where)  # one encoder pass for both
        spans.append(dict(zip(where, probs, strict=True)))
        chars.append(char_probs)

    for article, where in zip(articles, offsets, strict=True):
        label(article.text, where)
    for text, doc in zip(unlabelled, det.analyze_many(unlabelled), strict=True):
        label(text, sorted({(s.start, s.end) for s in doc.spans}))
        pseudo.append(Document(text, list(doc.spans)))
    log(
        f"teacher {det.name}: {len(articles)} articles and {len(unlabelled)} unlabelled "
        f"({sum(len(d.spans) for d in pseudo)} spans) labelled in {time.time() - t0:.0f}s"
    )
    out = Teacher(spans, chars, pseudo)
    if path is not None:
        problem = _save(path, out)
        if problem is None:
            log(f"teacher labels stored in {path}")
        else:  # the labelling is not thrown away: training goes on without the cache
            log(f"teacher labels not stored: --teacher-cache {path.parent} is not writable ({problem})")
    return out


def _save(path: Path, teacher: Teacher) -> str | None:
    """Write atomically: a run killed mid-write leaves no file that a later run would trust.
    Returns why the labels could not be stored (nothing is left behind then), else None."""
    arrays: dict[str, np.ndarray] = {}
    for n, (spans, chars) in enumerate(zip(teacher.spans, teacher.chars, strict=True)):
        arrays[f"chars{n}"] = chars
        arrays[f"offsets{n}"] = np.asarray(list(spans), dtype=np.int64).reshape(-1, 2)
        arrays[f"probs{n}"] = (
            np.stack(list(spans.values())) if spans else np.zeros((0, len(LABELS)), np.float32)
        )
    for n, doc in enumerate(teacher.pseudo):
        arrays[f"pseudo{n}"] = np.array([[s.start, s.end] for s in doc.spans], dtype=np.int64).reshape(-1, 2)
        arrays[f"scores{n}"] = np.array([s.score for s in doc.spans], dtype=np.float64)
        arrays[f"techniques{n}"] = np.array([s.technique for s in doc.spans], dtype=str)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return str(exc)
    return None


def _load(path: Path, texts: list[str], unlabelled: list[str], offsets: list[list]) -> Teacher:
    try:
        with np.load(path) as npz:
            spans, chars = [], []
            for n in range(len(texts) + len(unlabelled)):
                where = [tuple(int(x) for x in row) for row in npz[f"offsets{n}"]]
                spans.append(dict(zip(where, npz[f"probs{n}"], strict=True)))
                chars.append(npz[f"chars{n}"])
            pseudo = []
            for n, text in enumerate(unlabelled):
                rows = zip(npz[f"pseudo{n}"], npz[f"techniques{n}"], npz[f"scores{n}"], strict=True)
                pseudo.append(
                    Document(text, [Span(int(a), int(b), str(t), float(s)) for (a, b), t, s in rows])
                )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(
            f"{path} is not a complete teacher-label cache ({exc}): delete it and run again"
        ) from exc
    if any(list(s) != o for s, o in zip(spans, offsets, strict=False)):
        raise DataError(f"{path} does not match these articles' spans: delete it and run again")
    return Teacher(spans, chars, pseudo)
