"""The token threshold for short texts of a model directory, chosen without labels.

A sentence analysed alone, without its article, gets higher token probabilities than inside it:
at the article threshold the lines of an article, each analysed alone, flag 1.3 to 2.8 times the
share of characters the whole article does (docs/experiments.md, row CV9). ``propscan short-threshold``
picks the short-text threshold at which lines analysed alone flag the share of characters their
articles flag analysed whole, on unlabelled articles: no gold span is read, so the setting is not
fitted to any articles it is later scored on. By cross-validation it did as well in sentence mode
as the threshold chosen on labelled lines (docs/models.md, "Short texts").
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..document import Document
from ..engine.detector import Detector
from ..engine.load import is_ensemble, member_dir
from ..errors import InputError
from ..evaluation.crossval import SHORT_GRID
from ..evaluation.folds import Fold, Settings
from ..hub.checksums import fingerprint, read_checksums, sha256
from ..hub.layout import CARD, CONFIG, SUMS
from ..io.ptc import Article
from ..io.writers import atomic_output

SECTION = "## Short texts"


@dataclass(frozen=True)
class ShortChoice:
    """What the rule saw and chose: the share of characters inside a span, articles analysed whole
    and their lines analysed alone at each candidate (None: the article threshold)."""

    value: float | None
    threshold: float  # the model's article threshold
    short_tokens: int
    articles: int
    lines: int
    article_share: float
    line_shares: dict[float | None, float]


def flagged_share(docs: Sequence[Document]) -> float:
    """Share of the characters of ``docs``' non-blank lines (line breaks left out, as lines
    analysed alone have none) that lie inside at least one span."""
    total = inside = 0
    for doc in docs:
        flagged = np.zeros(len(doc.text), dtype=bool)
        for span in doc.spans:
            flagged[span.start : span.end] = True
        offset = 0
        for line in doc.text.split("\n"):
            if line.strip():
                total += len(line)
                inside += int(flagged[offset : offset + len(line)].sum())
            offset += len(line) + 1
    return inside / total if total else 0.0


def choose_short_threshold(
    detector: Detector, texts: Sequence[str], grid: Sequence[float | None] = SHORT_GRID
) -> ShortChoice:
    """The candidate of ``grid`` whose lines-alone share is closest to the whole-article share of
    ``texts`` (the first such in grid order, so ties keep the lower threshold)."""
    articles = [Article(str(i), text) for i, text in enumerate(texts)]
    fold = Fold.of(0, detector, articles)
    if not fold.pieces():
        raise InputError("the texts hold no non-blank line: give articles with text in them")
    cfg = detector.config
    base = Settings(cfg.threshold, cfg.single_token_threshold, cfg.token_blend, cfg.multi_label_threshold)
    whole = flagged_share(fold.documents(base))
    alone = {value: fold.line_documents(replace(base, short_threshold=value)) for value in grid}
    shares = {value: flagged_share(docs) for value, docs in alone.items()}
    value = min(grid, key=lambda v: abs(shares[v] - whole))
    return ShortChoice(
        value, cfg.threshold, cfg.short_tokens, len(articles), len(fold.pieces()), whole, shares
    )


def read_texts(folder: str | os.PathLike[str]) -> list[str]:
    """The .txt files of ``folder``, sorted by name."""
    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"--texts {path} is not a folder: give a folder of unlabelled .txt articles")
    files = sorted(path.glob("*.txt"))
    if not files:
        raise InputError(f"--texts {path} holds no .txt file: give a folder of unlabelled .txt articles")
    texts = []
    for file in files:
        try:
            texts.append(file.read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file} cannot be read as UTF-8 text ({exc}): fix or remove it") from None
    return texts


def card_section(choice: ShortChoice, source: str) -> str:
    shares = ", ".join(
        f"{s:.3f} at {'the article threshold' if v is None else v}" for v, s in choice.line_shares.items()
    )
    return (
        f"{SECTION}\n"
        f"A text of at most {choice.short_tokens} tokens (a sentence, a short paragraph, a post) is decoded "
        f"with token probability {choice.value} instead of {choice.threshold}: alone, without its "
        "article, a sentence's tokens score higher. The value is the one at which the lines of "
        f"{choice.articles} unlabelled articles ({source}), each analysed alone, flag the share of "
        f"characters the articles flag analysed whole ({choice.article_share:.3f}); lines alone "
        f"flag {shares}. No labels were used (`propscan short-threshold`; docs/experiments.md, "
        "row CV9).\n"
    )


def write_short_threshold(directory: str | os.PathLike[str], choice: ShortChoice, source: str) -> list[Path]:
    """Record ``choice`` in the model directory: config.json, a "Short texts" section of its card
    (replaced if there is one) and SHA256SUMS. An ensemble beside it that recorded this model as a
    member re-records its new fingerprint (only the member's short-text setting and card changed,
    which the ensemble does not use). Returns the ensembles re-recorded."""
    path = Path(directory)
    before = (fingerprint(path), sha256(path / SUMS))  # as recorded since 2026-12-07, and before
    config_path = path / CONFIG
    config: dict[str, Any] = json.loads(config_path.read_text("utf-8"))
    if choice.value is None:
        config.pop("short_threshold", None)
    else:
        config["short_threshold"] = choice.value
    _replace(config_path, json.dumps(config, indent=2) + "\n")
    card = path / CARD
    if card.is_file():
        _replace(card, _with_section(card.read_text("utf-8"), card_section(choice, source)))
    update_checksums(path, (CONFIG, CARD))
    return _rerecord(path, before, fingerprint(path))


def _with_section(card: str, section: str) -> str:
    """``card`` with its Short texts section replaced, or added before Limitations (or at the end)."""
    if SECTION in card:
        head, rest = card.split(SECTION, 1)
        tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        return head + section + ("\n" + tail if tail else "")
    if "\n## Limitations" in card:
        head, tail = card.split("\n## Limitations", 1)
        return head.rstrip("\n") + "\n\n" + section + "\n## Limitations" + tail
    return card.rstrip("\n") + "\n\n" + section


def _rerecord(model: Path, before: tuple[str, ...], after: str) -> list[Path]:
    changed = []
    for config_path in sorted(model.parent.glob("*/config.json")):
        ensemble = config_path.parent
        if ensemble == model or not is_ensemble(ensemble):
            continue
        config = json.loads(config_path.read_text("utf-8"))
        members = config.get("ensemble", {}).get("members", [])
        hit = False
        for member in members:
            if (
                member.get("sha256sums") in before
                and member_dir(ensemble, member["model"]).resolve() == model.resolve()
            ):
                member["sha256sums"], hit = after, True
        if hit:
            _replace(config_path, json.dumps(config, indent=2) + "\n")
            update_checksums(ensemble, (CONFIG,))
            changed.append(ensemble)
    return changed


def update_checksums(directory: Path, names: Sequence[str]) -> None:
    """Re-hash ``names`` in the directory's SHA256SUMS and keep every other line as it is (a
    model's base.bin, rebuilt from PyPI on install, may be listed without being there)."""
    sums = read_checksums(directory / SUMS)
    sums.update({name: sha256(directory / name) for name in names if name in sums})
    _replace(directory / SUMS, "".join(f"{digest}  {name}\n" for name, digest in sums.items()))


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    with atomic_output(path) as fh:
        fh.write(text)


__all__ = ["ShortChoice", "choose_short_threshold", "flagged_share", "read_texts", "write_short_threshold"]
