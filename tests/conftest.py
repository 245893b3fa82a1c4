"""Shared fixtures: a keyword-matching FakeDetector with the Detector interface, a fixture that puts
it behind the CLI, and hand-made Documents. No model, no network."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest

from propscan.document import Document, Span
from propscan.engine.attribution import attribute
from propscan.errors import InvalidSpanError

# keyword -> (technique, score); scores differ so threshold tests can drop one and keep another
KEYWORDS: dict[str, tuple[str, float]] = {
    "evil": ("Loaded_Language", 0.9),
    "traitors": ("Name_Calling,Labeling", 0.8),
    "disaster": ("Exaggeration,Minimisation", 0.7),
}
_PATTERN = re.compile(r"\b(" + "|".join(KEYWORDS) + r")\b", re.IGNORECASE)


class FakeDetector:
    """Marks every keyword of KEYWORDS as its technique, and finds quotations and each span's
    voice as the Detector does; records how it was called."""

    def __init__(self, name: str = "fake") -> None:
        self._name = name
        self.batches: list[int] = []  # number of texts per analyze_many call
        self.seen: list[str] = []  # every text analyzed, in order
        self.progress_calls: list[int] = []
        self.batch_size: int | None = None
        self.settings: list[tuple[float | None, float | None]] = []  # (min_score, token_threshold) per call

    @property
    def name(self) -> str:
        return self._name

    @property
    def threshold(self) -> float:
        return 0.5

    token_threshold = threshold

    def info(self) -> dict[str, str]:
        return {"name": self._name, "version": "0.0.0"}

    def analyze(
        self, text: str, *, min_score: float | None = None, token_threshold: float | None = None
    ) -> Document:
        # a keyword's score stands in for its tokens' probabilities: both cut-offs drop low scores
        cut = max(self.threshold if token_threshold is None else token_threshold, min_score or 0.0)
        spans = []
        for match in _PATTERN.finditer(text):
            technique, score = KEYWORDS[match.group(1).lower()]
            if score >= cut:
                spans.append(Span(match.start(), match.end(), technique, score))
        self.seen.append(text)
        return attribute(Document(text, spans, {"model": self.name}))  # as a Detector's are

    def analyze_many(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = 32,
        min_score: float | None = None,
        token_threshold: float | None = None,
        progress: Callable[[int], None] | None = None,
        progress_chars: Callable[[int], None] | None = None,
    ) -> list[Document]:
        texts = list(texts)
        self.batches.append(len(texts))
        self.batch_size = batch_size
        self.settings.append((min_score, token_threshold))
        docs = [self.analyze(t, min_score=min_score, token_threshold=token_threshold) for t in texts]
        if progress is not None:
            self.progress_calls.append(len(texts))
            progress(len(texts))
        if progress_chars is not None:
            progress_chars(sum(len(t) for t in texts))
        return docs

    def classify(self, text: str, spans: Sequence[Span | tuple[int, int]]) -> list[str]:
        labels = []
        for span in spans:
            start, end = (span.start, span.end) if isinstance(span, Span) else span
            if not 0 <= start < end <= len(text):
                raise InvalidSpanError(f"span [{start}, {end}) does not fit a text of {len(text)} characters")
            found = _PATTERN.search(text[start:end])
            labels.append(KEYWORDS[found.group(1).lower()][0] if found else "Doubt")
        return labels


class CheckedDetector(FakeDetector):
    """A FakeDetector whose Documents carry the real language and length checks, as the real
    Detector's do (meta.language, meta.warnings)."""

    def analyze(self, text: str, **settings: float | None) -> Document:
        from propscan.checks import text_checks

        doc = super().analyze(text, **settings)
        doc.meta.update(text_checks(text))
        return doc


@pytest.fixture
def fake_detector(monkeypatch: pytest.MonkeyPatch) -> FakeDetector:
    """A FakeDetector that the CLI gets instead of loading a model; ``loaded`` lists the model
    names the CLI asked for."""
    import propscan.cli

    detector = FakeDetector()
    detector.loaded = []  # type: ignore[attr-defined]

    def load(model: str | None) -> FakeDetector:
        detector.loaded.append(model)  # type: ignore[attr-defined]
        return detector

    monkeypatch.setattr(propscan.cli.common, "load_detector", load)
    return detector


OVERLAP_TEXT = "They are evil traitors, all of them."


@pytest.fixture
def overlap_doc() -> Document:
    """'evil traitors' is loaded language; 'traitors' inside it is also name calling."""
    return Document(
        OVERLAP_TEXT,
        [Span(9, 22, "Loaded_Language", 0.6), Span(14, 22, "Name_Calling,Labeling", 0.9)],
        {"id": "42", "source": "article42.txt"},
    )


@pytest.fixture
def plain_doc() -> Document:
    return Document("Nothing to see here.", [], {"id": "7", "source": "calm.txt"})


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real model directory with a hand-built tiny encoder (see tests/tiny_model.py)."""
    from tiny_model import build

    return build(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_detector(tiny_model_dir: Path):
    from propscan import Detector

    return Detector.load(tiny_model_dir, threads=1)


CORPUS_ARTICLES = [  # FakeDetector marks evil / traitors / disaster
    ("b1", "Bugle", "2021-01-05", "evil evil traitors and five more plain words here"),  # 9 words
    ("b2", "Bugle", "2021-02-10T08:00:00Z", "a disaster of calm words only now"),  # 7 words
    ("s1", "Star", "2021-02-11", "nothing at all to see"),  # 5 words
    ("s2", "Star", "someday", "Evil plans"),  # 2 words, date unknown
]


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A finished batch output of CORPUS_ARTICLES (2 outlets, 3 dated) plus one broken record."""
    from propscan.batch import run_batch

    feed = tmp_path / "feed.jsonl"
    rows = [{"id": i, "outlet": o, "published": p, "text": t} for i, o, p, t in CORPUS_ARTICLES]
    rows.append({"id": "broken"})
    feed.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    run_batch([str(feed)], tmp_path / "out", detector=FakeDetector(), chunk_size=2)
    return tmp_path / "out"
