"""Open a model by name or directory: verify it and build its scorer (one model or an ensemble)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChecksumError, ModelError
from ..hub.checksums import fingerprint, sha256, verify
from ..hub.config import ModelConfig, read_config
from ..hub.layout import CONFIG, PLOT, SUMS
from ..hub.registry import resolve
from ..techniques import LABELS
from .ensemble import FILES, EnsembleScorer
from .model import Model
from .scorer import ModelScorer, Scorer


@dataclass(frozen=True)
class Opened:
    """A verified model directory and the scorer that runs it."""

    scorer: Scorer
    config: ModelConfig
    directory: Path
    checksums: dict[str, str]
    members: tuple[Opened, ...] = ()  # an ensemble's members, the decoding one first


def open_model(name_or_path: str | os.PathLike[str] | None, *, threads: int | None = None) -> Opened:
    """A shipped model's name (None: the default), or a model or ensemble directory, opened."""
    directory = resolve(name_or_path)
    if is_ensemble(directory):
        return _open_ensemble(directory, threads)
    model = Model(directory, threads=threads)
    return Opened(ModelScorer(model), model.config, directory, dict(model.checksums))


def is_ensemble(directory: Path) -> bool:
    """Whether ``directory`` holds an ensemble (a peek, before anything is verified)."""
    try:
        return "ensemble" in json.loads((directory / CONFIG).read_text("utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def member_dir(directory: Path, ref: str) -> Path:
    """A member reference -> its directory: a path relative to the ensemble directory, an
    absolute path, or a shipped model's name."""
    local = directory / ref
    if not os.path.isabs(ref) and local.is_dir() and (local / CONFIG).is_file():
        return local
    return resolve(ref)


def _open_ensemble(directory: Path, threads: int | None) -> Opened:
    checksums = verify(directory, required=FILES, optional=(PLOT,))
    config = read_config(directory)
    spec = config.ensemble
    if spec is None:
        raise ModelError(f"{directory / 'config.json'} is not a valid ensemble config: it has no 'ensemble'")
    if tuple(config.labels) != LABELS:
        raise ModelError(f"{directory / 'config.json'} lists labels this propscan version does not know")
    if len(spec.members) != 2:
        raise ModelError(f"an ensemble needs exactly 2 members, {directory} lists {len(spec.members)}")
    members = []
    for member in spec.members:
        path = member_dir(directory, member.model)
        if member.sha256sums not in (fingerprint(path), sha256(path / SUMS)):
            raise ChecksumError(
                f"ensemble member {member.model!r} ({path}) is not the model this ensemble was built and "
                "measured with: rebuild it with 'propscan ensemble', or restore that member"
            )
        opened = open_model(path, threads=threads)
        if not isinstance(opened.scorer, ModelScorer):
            raise ModelError(f"ensemble member {member.model!r} is itself an ensemble: give single models")
        members.append(opened)
    first, second = (m.scorer for m in members)
    assert isinstance(first, ModelScorer) and isinstance(second, ModelScorer)  # checked above
    scorer = EnsembleScorer(first, second, spec.token_weight, spec.technique_weight)
    return Opened(scorer, config, directory, dict(checksums), tuple(members))


__all__ = ["Opened", "is_ensemble", "member_dir", "open_model"]
