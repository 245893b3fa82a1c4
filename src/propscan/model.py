"""Load a model directory and verify it: ONNX weights, tokenizer, span head, config, checksums.

A model directory holds::

    config.json      labels, window sizes, decision thresholds, base model and its sha256
    model.onnx       encoder + token head; outputs token_logits (B, T, 1+L) and hidden (B, T, H)
    span_head.npz    the span classifier MLP as numpy arrays (w1, b1, w2, b2)
    tokenizer.json   the fast tokenizer of the base encoder
    MODEL_CARD.md    data, training command, measured scores, limitations
    SHA256SUMS       "<sha256>  <file>" for every file above; checked at every load
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ChecksumError, ModelError
from .techniques import LABELS

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = "fast"
REQUIRED = ("config.json", "model.onnx", "span_head.npz", "tokenizer.json", "MODEL_CARD.md")


@dataclass(frozen=True)
class ModelConfig:
    name: str
    version: str
    labels: tuple[str, ...]
    max_tokens: int = 256  # the window the encoder was fine-tuned on
    min_overlap: int = 32  # tokens shared by neighbouring windows at inference
    threshold: float = 0.4  # token probability above which a token is inside a span
    bridge_tokens: int = 2  # gaps of at most this many tokens inside a run are closed
    single_token_threshold: float = 0.6  # lone-token runs are mostly noise: they need this much
    multi_label_threshold: float = 0.5  # a span also gets every other technique this likely
    token_blend: float = 0.0  # weight of the token head's technique channels in a span's label
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelConfig:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "extra"}
        known["labels"] = tuple(known.get("labels", ()))
        extra = {k: v for k, v in data.items() if k not in cls.__dataclass_fields__}
        return cls(**known, extra=extra)

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "extra"}
        out["labels"] = list(self.labels)
        out.update(self.extra)
        return out


def resolve(name_or_path: str | os.PathLike[str] | None) -> Path:
    """A shipped model's name (None for the default) or a directory path -> its directory."""
    if name_or_path is None:
        name_or_path = DEFAULT_MODEL
    shipped = MODELS_DIR / str(name_or_path)
    if str(name_or_path) and "/" not in str(name_or_path) and shipped.is_dir():
        from .registry import locate  # registry imports this module

        return locate(str(name_or_path))
    path = Path(name_or_path)
    if path.is_dir():
        return path
    available = sorted(p.name for p in MODELS_DIR.iterdir() if p.is_dir()) if MODELS_DIR.is_dir() else []
    raise ModelError(
        f"no model named or found at {str(name_or_path)!r}; give a model directory written by "
        f"'propscan train' or one of the shipped models: {', '.join(available) or '(none)'}"
    )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


OPTIONAL = ("base.json", "base.bin", "lora.npz")  # base layers rebuilt on install: see propscan.basepart


def write_checksums(directory: Path, names: tuple[str, ...] | None = None) -> None:
    """SHA256SUMS over ``names`` (default: a model directory's required and present optional files)."""
    names = names or (*REQUIRED, *(n for n in OPTIONAL if (directory / n).is_file()))
    lines = [f"{sha256(directory / name)}  {name}" for name in names]
    (directory / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def verify(
    directory: Path, required: tuple[str, ...] = REQUIRED, optional: tuple[str, ...] = OPTIONAL
) -> dict[str, str]:
    """Check every required file (and each optional one SHA256SUMS lists) against SHA256SUMS;
    return {file: sha256}."""
    sums_path = directory / "SHA256SUMS"
    if not sums_path.is_file():
        raise ModelError(f"{sums_path} is missing: this is not a complete propscan model directory")
    expected: dict[str, str] = {}
    for line in sums_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            expected[parts[1]] = parts[0]
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


def _gelu(x: np.ndarray) -> np.ndarray:
    # exact GELU, as torch.nn.GELU(): x * Phi(x)
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): enough for a classifier head
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


class Model:
    """A verified model directory: run the encoder and the span head."""

    def __init__(self, directory: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        from .windows import load_tokenizer

        self.directory = directory
        self.checksums = verify(directory)
        try:
            self.config = ModelConfig.from_json(json.loads((directory / "config.json").read_text("utf-8")))
        except (ValueError, TypeError) as exc:
            raise ModelError(f"{directory / 'config.json'} is not a valid model config: {exc}") from exc
        if tuple(self.config.labels) != LABELS:
            raise ModelError(f"{directory / 'config.json'} lists labels this propscan version does not know")
        self.tokenizer = load_tokenizer(str(directory / "tokenizer.json"))
        # BERT tokenizers say [CLS]/[SEP]; MPNet's say <s>/</s>: the config records the ids
        self.cls_id = int(self.config.extra.get("cls_id", self.tokenizer.token_to_id("[CLS]")))
        self.sep_id = int(self.config.extra.get("sep_id", self.tokenizer.token_to_id("[SEP]")))
        self.pad_id = int(self.config.extra.get("pad_id", 0))
        head = np.load(directory / "span_head.npz")
        self.head = {k: head[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")}
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Token probabilities (B, T, 1+L) and hidden states (B, T, H)."""
        logits, hidden = self.session.run(
            ["token_logits", "hidden"], {"input_ids": ids, "attention_mask": mask}
        )
        return 1.0 / (1.0 + np.exp(-logits)), hidden

    def span_probs(self, vectors: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """Technique distribution (S, L) for S spans from their pooled vectors and features."""
        x = np.concatenate([vectors, feats], axis=1).astype(np.float32)  # (S, 4H+F)
        # einsum, not @: a BLAS call here wakes OpenBLAS's thread pool, whose spinning threads then
        # compete with ONNX Runtime's for the same cores (measured: 16.2 -> 13.8 articles/s).
        h = _gelu(np.einsum("sf,hf->sh", x, self.head["w1"]) + self.head["b1"])  # (S, Hs)
        logits = np.einsum("sh,lh->sl", h, self.head["w2"]) + self.head["b2"]  # (S, L)
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)
