"""SHA256SUMS: the checksum of every file of a model directory, checked at every load."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import ChecksumError, ModelError
from .layout import CARD, CONFIG, ENCODER, PLOT, SPAN_HEAD, SUMS, TOKENIZER

_HEX = re.compile(r"[0-9a-fA-F]{64}")
_TAGGED = re.compile(r"SHA256 \((.+)\) = ([0-9a-fA-F]{64})")
REQUIRED = (CONFIG, ENCODER, SPAN_HEAD, TOKENIZER, CARD)
DOCS = (CARD, PLOT)  # words and pictures about a model: no effect on its output
OPTIONAL = ("base.json", "base.bin", "lora.npz")  # base layers rebuilt on install: see hub.basepart


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(directory: Path, names: tuple[str, ...] | None = None) -> None:
    """SHA256SUMS over ``names`` (default: a model directory's required and present optional files)."""
    names = names or (*REQUIRED, *(n for n in OPTIONAL if (directory / n).is_file()))
    lines = [f"{sha256(directory / name)}  {name}" for name in names]
    (directory / SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def fingerprint(directory: Path) -> str:
    """sha256 over the SHA256SUMS lines of everything in ``directory`` that shapes its output (its
    card and plot aside, sorted by name): what an ensemble records of a member, so that editing a
    member's card neither breaks the ensemble nor an installed copy of the member made before."""
    sums = read_checksums(directory / SUMS)
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()) if name not in DOCS)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def read_checksums(path: Path) -> dict[str, str]:
    """{file: sha256} of a SHA256SUMS file in any of sha256sum's formats: ``HASH  NAME`` (text
    mode), ``HASH *NAME`` (binary mode, ``sha256sum -b``) or ``SHA256 (NAME) = HASH``
    (``sha256sum --tag``)."""
    expected: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} cannot be read as text ({exc}); restore the model directory") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        tagged = _TAGGED.fullmatch(line.strip())
        if tagged:
            name, digest = tagged.group(1), tagged.group(2)
        else:
            digest, _, name = line.partition(" ")
            name = name[1:] if name[:1] in (" ", "*") else name
        if not _HEX.fullmatch(digest) or not name:
            raise ModelError(
                f"{path} line {number} is not a 'HASH  FILE' checksum line: {line[:80]!r}; restore the "
                "model directory from a clean copy"
            )
        expected[name] = digest.lower()
    return expected


def verify(
    directory: Path, required: tuple[str, ...] = REQUIRED, optional: tuple[str, ...] = OPTIONAL
) -> dict[str, str]:
    """Check every required file (and each optional one SHA256SUMS lists) against SHA256SUMS;
    return {file: sha256}."""
    sums_path = directory / SUMS
    if not sums_path.is_file():
        raise ModelError(f"{sums_path} is missing: this is not a complete propscan model directory")
    expected = read_checksums(sums_path)
    if "base.bin" in expected and not (directory / "base.bin").is_file():
        raise ModelError(
            f"{directory} needs its base weights (base.bin), which are not installed: run "
            f"'propscan models install {directory.name}'"
        )
    for name in [*required, *(n for n in optional if n in expected)]:
        path = directory / name
        if not path.is_file():
            raise ModelError(f"{path} is missing from the model directory; re-install or re-train the model")
        if name not in expected:
            raise ChecksumError(f"{sums_path} lists no checksum for {name}; the directory was altered")
        if sha256(path) != expected[name]:
            raise ChecksumError(
                f"checksum mismatch for {path}: the file is corrupted or was modified; "
                "restore the model directory from a clean copy"
            )
    return expected


__all__ = [
    "DOCS",
    "OPTIONAL",
    "REQUIRED",
    "SUMS",
    "fingerprint",
    "read_checksums",
    "sha256",
    "verify",
    "write_checksums",
]
