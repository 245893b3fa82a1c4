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
import threading
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from ..hub.checksums import verify
from ..hub.config import read_config
from ..hub.layout import CONFIG, ENCODER, SPAN_HEAD, TOKENIZER
from ..techniques import LABELS
from .calibration import Calibrator
from .features import N_FEATURES

_HEAD = ("w1", "b1", "w2", "b2")
Pair = tuple[np.ndarray, np.ndarray]  # (ids, mask) in; (token probs, hidden) out
_RESTORE = "re-install or re-train the model"


def _token_id(recorded: int | None, tokenizer: Any, token: str, directory: Path) -> int:
    """A special token's id: as the config records it, else the tokenizer's id of ``token``."""
    if recorded is not None:
        return recorded
    found = tokenizer.token_to_id(token)
    if found is None:
        raise ModelError(f"{directory / 'config.json'} records no id for {token} and the tokenizer has none")
    return int(found)


def _span_head(path: Path) -> dict[str, np.ndarray]:
    """The span head's arrays, checked: w1 (Hs, 4H+F), b1 (Hs,), w2 (L, Hs), b2 (L,), all finite."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in _HEAD if k not in npz.files]
            if missing:
                raise ModelError(f"{path} lacks the array {missing[0]!r} of the span head: {_RESTORE}")
            head = {k: np.asarray(npz[k], dtype=np.float32) for k in _HEAD}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        why = "it holds pickled objects, which propscan never loads" if "pickle" in str(exc) else str(exc)
        raise ModelError(f"{path} is not a readable .npz file of arrays ({why}): {_RESTORE}") from None
    w1, b1, w2, b2 = (head[k] for k in _HEAD)
    if not (w1.ndim == w2.ndim == 2 and b1.ndim == b2.ndim == 1):
        raise ModelError(f"{path}: w1 and w2 must be matrices and b1 and b2 vectors: {_RESTORE}")
    shapes = f"w1 {w1.shape}, b1 {b1.shape}, w2 {w2.shape}, b2 {b2.shape}"
    if not (w1.shape[0] == b1.shape[0] == w2.shape[1] and w2.shape[0] == b2.shape[0] == len(LABELS)):
        raise ModelError(
            f"{path}: the span head's shapes do not fit together or {len(LABELS)} techniques "
            f"({shapes}): {_RESTORE}"
        )
    if w1.shape[1] <= N_FEATURES or (w1.shape[1] - N_FEATURES) % 4:
        raise ModelError(f"{path}: w1 has {w1.shape[1]} columns, not 4 x hidden + {N_FEATURES}: {_RESTORE}")
    bad = [k for k in _HEAD if not np.isfinite(head[k]).all()]
    if bad:
        raise ModelError(f"{path}: the array {bad[0]!r} holds NaN or infinite values: {_RESTORE}")
    return head


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


def cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Model:
    """A verified model directory: run the encoder and the span head.

    Each window runs alone, unpadded, on one core; ``threads`` windows run at once. The int8 encoder
    quantizes its activations per input, so a window's outputs depend on that window only: not on
    the batch size, the other texts, padding or the thread count (batched windows shared one
    quantization scale, and a text's scores moved with its neighbours)."""

    def __init__(self, directory: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        from .windows import load_tokenizer

        if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
            raise InputError(f"threads must be a positive integer, got {threads!r}")

        self.directory = directory
        self.checksums = verify(directory)
        self.config = read_config(directory)
        if tuple(self.config.labels) != LABELS:
            raise ModelError(f"{directory / 'config.json'} lists labels this propscan version does not know")
        Calibrator.from_json(self.config.calibration, directory / CONFIG)  # malformed: ModelError
        path = directory / TOKENIZER
        try:
            self.tokenizer = load_tokenizer(str(path))
        except Exception as exc:  # tokenizers raises a bare Exception for any malformed file
            raise ModelError(f"{path} is not a tokenizer propscan can read ({exc}): {_RESTORE}") from None
        # BERT tokenizers say [CLS]/[SEP]; MPNet's say <s>/</s>: the config records the ids
        cfg = self.config
        self.cls_id = _token_id(cfg.cls_id, self.tokenizer, "[CLS]", directory)
        self.sep_id = _token_id(cfg.sep_id, self.tokenizer, "[SEP]", directory)
        self.pad_id = int(cfg.pad_id or 0)
        vocab = self.tokenizer.get_vocab_size()
        for field, value in (("cls_id", self.cls_id), ("sep_id", self.sep_id), ("pad_id", self.pad_id)):
            if value >= vocab:
                raise ModelError(
                    f"{directory / 'config.json'}: field {field!r} is {value}, outside the tokenizer's "
                    f"{vocab} tokens: {_RESTORE}"
                )
        self.head = _span_head(directory / SPAN_HEAD)
        self.threads = threads or cores()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one core per window: threads run windows side by side
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        path = directory / ENCODER
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ONNX Runtime's errors (InvalidProtobuf, Fail, ...) derive from Exception
            raise ModelError(f"{path} cannot be loaded by ONNX Runtime ({exc}): {_RESTORE}") from None
        self._check_forward(path)

    def _check_forward(self, path: Path) -> None:
        """One forward pass of [CLS] [SEP]: the graph's inputs, outputs and widths must be the
        ones the scorer and the span head expect, or loading fails here, not in the first text."""
        names = {i.name for i in self.session.get_inputs()}, {o.name for o in self.session.get_outputs()}
        if not ({"input_ids", "attention_mask"} <= names[0] and {"token_logits", "hidden"} <= names[1]):
            raise ModelError(
                f"{path} must take input_ids and attention_mask and give token_logits and hidden; "
                f"it takes {sorted(names[0])} and gives {sorted(names[1])}: {_RESTORE}"
            )
        ids = np.asarray([[self.cls_id, self.sep_id]], dtype=np.int64)
        try:
            probs, hidden = self.forward(ids, np.ones_like(ids))
        except Exception as exc:  # ONNX Runtime's own error classes again
            raise ModelError(f"{path} fails on a two-token input ({exc}): {_RESTORE}") from None
        width = self.head["w1"].shape[1] - N_FEATURES
        if probs.shape != (1, 2, 1 + len(LABELS)) or hidden.ndim != 3 or 4 * hidden.shape[2] != width:
            raise ModelError(
                f"{path} gives token_logits of shape {probs.shape} and hidden of shape {hidden.shape}, "
                f"but (B, T, {1 + len(LABELS)}) and (B, T, {width // 4}) are needed to match span_head.npz: "
                f"{_RESTORE}"
            )

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Token probabilities (B, T, 1+L) and hidden states (B, T, H)."""
        logits, hidden = self.session.run(
            ["token_logits", "hidden"], {"input_ids": ids, "attention_mask": mask}
        )
        return 1.0 / (1.0 + np.exp(-logits)), hidden

    def forward_each(self, windows: Iterable[Pair]) -> Iterator[Pair]:
        """Token probabilities (1, T, 1+L) and hidden states (1, T, H) of each (ids, mask) pair of
        one window, in order, ``threads`` windows at a time."""
        if self.threads == 1:
            return map(self._forward_pair, windows)
        return self._executor().map(self._forward_pair, windows)

    def _forward_pair(self, pair: Pair) -> Pair:
        return self.forward(*pair)

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:  # a server's request threads may share one model
            if self._pool is None or self._pool_pid != os.getpid():  # a forked child has no threads
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="propscan-window")
                self._pool_pid = os.getpid()
            return self._pool

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
