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

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..hub.checksums import verify
from ..hub.config import read_config
from ..techniques import LABELS


def _token_id(recorded: int | None, tokenizer: Any, token: str, directory: Path) -> int:
    """A special token's id: as the config records it, else the tokenizer's id of ``token``."""
    if recorded is not None:
        return recorded
    found = tokenizer.token_to_id(token)
    if found is None:
        raise ModelError(f"{directory / 'config.json'} records no id for {token} and the tokenizer has none")
    return int(found)


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
        self.config = read_config(directory)
        if tuple(self.config.labels) != LABELS:
            raise ModelError(f"{directory / 'config.json'} lists labels this propscan version does not know")
        self.tokenizer = load_tokenizer(str(directory / "tokenizer.json"))
        # BERT tokenizers say [CLS]/[SEP]; MPNet's say <s>/</s>: the config records the ids
        cfg = self.config
        self.cls_id = _token_id(cfg.cls_id, self.tokenizer, "[CLS]", directory)
        self.sep_id = _token_id(cfg.sep_id, self.tokenizer, "[SEP]", directory)
        self.pad_id = int(cfg.pad_id or 0)
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
