"""Which articles of a corpus split a model has seen in training, from what its directory records.

A model directory records the split it was trained on in ``config.json`` (``train.split``):
``"train"`` (the train split of splits.json), ``"all"`` (every article, val included) or
``"not-fold-I/K"`` (every article but fold I of K, a cross-validation fold model). An ensemble has
seen what any of its members has, and a distilled model what its teacher has (the teacher's
scores of the training articles are what it learned from). Scoring a model on articles it has
seen measures memory, not skill, so ``propscan evaluate`` refuses to, unless asked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..engine.load import member_dir
from ..errors import PropscanError
from ..hub.config import read_config
from ..hub.registry import resolve
from ..io.ptc import load_split


@dataclass(frozen=True)
class Seen:
    """One model (a member or teacher of the one evaluated, or itself) and what it trained on."""

    model: str  # its name-version, with how it relates to the evaluated model
    split: str | None  # as recorded in its config.json; None: nothing recorded
    overlap: int | None  # articles of the evaluated split it trained on; None: cannot tell
    note: str = ""  # why it cannot tell


@dataclass(frozen=True)
class Overlap:
    """What the models behind a detector saw of an evaluation split."""

    split: str
    articles: int  # in the evaluated split
    models: tuple[Seen, ...]

    @property
    def seen(self) -> int:
        """The most articles of the split that any one of the models trained on."""
        return max((m.overlap or 0 for m in self.models), default=0)

    @property
    def unknown(self) -> tuple[Seen, ...]:
        return tuple(m for m in self.models if m.overlap is None)

    def summary(self) -> str:
        """Which models trained on how many articles of the split."""
        who = "; ".join(f"{m.model} was trained on split {m.split!r}" for m in self.models if m.overlap)
        return f"{who}: that includes {self.seen} of the {self.articles} articles of split {self.split!r}"

    def refusal(self) -> str:
        """Why the split is not a fair test of the model, and what to do instead."""
        return (
            f"{self.summary()}, so scores on them measure memory, not how well the model finds "
            "propaganda in new text. "
            "Score a model trained on 'train' on 'val', cross-validate with --folds K, or pass "
            "--allow-training-articles to get them as training-set figures"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "split": self.split,
            "articles": self.articles,
            "seen_in_training": self.seen,
            "models": [
                {"model": m.model, "trained_on": m.split, "overlap": m.overlap, "note": m.note}
                for m in self.models
            ],
        }


def training_overlap(directory: str | os.PathLike[str], data_dir: str | Path, split: str) -> Overlap:
    """What the model in ``directory`` (and its members and teachers) saw of ``split`` of the
    corpus in ``data_dir``. Split names are read against this corpus's splits.json and ids."""
    ids = {a.id for a in load_split(data_dir, split)}
    cache: dict[str, set[str] | None] = {}

    def articles_of(trained: str) -> set[str] | None:
        if trained not in cache:
            try:
                cache[trained] = {a.id for a in load_split(data_dir, trained)}
            except PropscanError:
                cache[trained] = None
        return cache[trained]

    found: list[Seen] = []
    visited: set[Path] = set()

    def walk(path: Path, role: str) -> None:
        path = path.resolve()
        if path in visited:  # a teacher whose member is the student itself: seen already
            return
        visited.add(path)
        config = read_config(path)
        own = f"{config.name}-{config.version}"
        name = own + role.replace(",,", ",")
        if config.ensemble is not None:
            for member in config.ensemble.members:
                walk(member_dir(path, member.model), f", a member of {own}{role},")
            return
        trained = config.trained_on
        if trained is None:
            found.append(Seen(name, None, None, "its config.json records no training split"))
        else:
            seen = articles_of(trained)
            note = "" if seen is not None else f"split {trained!r} is not a split of {data_dir}"
            found.append(Seen(name, trained, None if seen is None else len(seen & ids), note))
        teacher = str(config.train.get("teacher") or "")
        if teacher:
            try:
                walk(resolve(teacher), f", the teacher of {own}{role},")
            except PropscanError:
                found.append(
                    Seen(f"{teacher}, the teacher of {own}{role},", None, None, "it cannot be found here")
                )

    walk(Path(directory), "")
    return Overlap(split, len(ids), tuple(found))


__all__ = ["Overlap", "Seen", "training_overlap"]
