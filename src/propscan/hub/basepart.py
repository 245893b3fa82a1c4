"""The base part of a model: tensors that are a pure function of the public base weights.

A model trained with frozen bottom layers (``frozen_layers``) carries those layers unchanged from
its base encoder. Shipping them would cost ~85 MB for MPNet; instead ``model.onnx`` refers to them
as ONNX external data in ``base.bin``, and ``base.json`` records how to rebuild every byte of
``base.bin`` from the base's ``model.safetensors``: which tensor, transposed or not, and how it is
quantized. ``propscan models install`` runs that recipe and checks the result against the sha256
in ``SHA256SUMS``, so an installed model is bit-identical to the one that was measured.

The quantizers here are the ones the export used (they replace ONNX Runtime's own values in the
exported graph), so the rebuild is exact; numpy only, no torch, no onnx.

A model fine-tuned with low-rank adapters (LoRA) ships the adapters in ``lora.npz`` (fp16): the
rebuild first merges each adapted weight, ``W + scale * B @ A``, with :func:`merge_lora`, whose
arithmetic is element-wise IEEE float64 in a fixed order (no BLAS), so every CPU gets the same bits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

RECIPE = "base.json"
BLOB = "base.bin"
ADAPTERS = "lora.npz"  # {key + ".a": (r, in), key + ".b": (out, r)} fp16, for recipe entries with "lora"
ALIGN = 64  # bytes; every tensor in base.bin starts on this boundary


# The integer range of each scheme by weight bits: 8 is ONNX Runtime's full range, 7 its
# reduce_range, whose uint8 x int8 products no CPU saturates (AVX2 without VNNI sums pairs of them in
# 16 bits), so every CPU computes the same integers.
SYMMETRIC_LIMIT = {8: 127, 7: 64}
ASYMMETRIC_LEVELS = {8: 255, 7: 127}


def quantize_symmetric(w: np.ndarray, axis: int, bits: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """int8 per-channel along ``axis``, zero point 0, range [-127, 127] (8 bits) or [-64, 64] (7
    bits): ONNX Runtime's scheme for MatMul weights: (q, scale, zero_point)."""
    limit = SYMMETRIC_LIMIT[bits]
    w = np.asarray(w, dtype=np.float32)
    reduce = tuple(i for i in range(w.ndim) if i != axis)
    absmax = np.abs(w).max(axis=reduce)  # (C,)
    scale = np.where(absmax > 0, absmax / np.float32(limit), np.float32(1.0)).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape)), -limit, limit).astype(np.int8)
    return q, scale, np.zeros_like(scale, dtype=np.int8)


def quantize_asymmetric(w: np.ndarray, bits: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint8 per-tensor with a zero point, 0 to 255 (8 bits) or 0 to 127 (7 bits): ONNX Runtime's
    scheme for Gather, i.e. embeddings."""
    levels = ASYMMETRIC_LEVELS[bits]
    w = np.asarray(w, dtype=np.float32)
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = np.float32((hi - lo) / float(levels) if hi > lo else 1.0)
    zero = np.uint8(np.clip(np.rint(-lo / scale), 0, levels))
    q = np.clip(np.rint(w / scale) + np.float32(zero), 0, levels).astype(np.uint8)
    return q, np.array(scale, dtype=np.float32), np.array(zero, dtype=np.uint8)


def merge_lora(w: np.ndarray, a: np.ndarray, b: np.ndarray, scale: float) -> np.ndarray:
    """``w + scale * b @ a`` as float32, the same bits on every machine: the rank-r product is
    summed one outer product at a time in float64 (element-wise operations are exactly rounded;
    a BLAS matmul may sum in any order), then rounded once to float32.
    w (out, in), a (r, in), b (out, r)."""
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    fits = a64.ndim == b64.ndim == 2 and b64.shape[1] == a64.shape[0]
    if not fits or w.shape != (b64.shape[0], a64.shape[1]):
        raise ModelError(f"adapter shapes {a64.shape}, {b64.shape} do not fit a weight of shape {w.shape}")
    delta = np.zeros(w.shape, dtype=np.float64)
    for k in range(a64.shape[0]):
        delta += np.multiply.outer(b64[:, k], a64[k])
    return (np.asarray(w, dtype=np.float64) + np.float64(scale) * delta).astype(np.float32)


def source_tensor(
    entry: dict[str, Any], base_weights: dict[str, np.ndarray], adapters: dict[str, np.ndarray]
) -> np.ndarray:
    """The float32 tensor an entry quantizes: the base tensor, merged with its adapter if it has one."""
    w = np.asarray(base_weights[entry["key"]], dtype=np.float32)
    lora = entry.get("lora")
    if lora is None:
        return w
    key = entry["key"]
    if f"{key}.a" not in adapters or f"{key}.b" not in adapters:
        raise ModelError(f"{ADAPTERS} has no adapter for {key}; re-install propscan")
    return merge_lora(w, adapters[f"{key}.a"], adapters[f"{key}.b"], lora["scale"])


def derive(entry: dict[str, Any], source: np.ndarray) -> dict[str, np.ndarray]:
    """The initializers one recipe entry makes from its (merged) source tensor: {name: array}."""
    w = np.asarray(source, dtype=np.float32)
    if entry["transpose"]:
        w = np.ascontiguousarray(w.T)
    names = entry["names"]
    if entry["scheme"] == "raw":
        return {names["raw"]: w}
    bits = entry.get("bits", 8)  # recipes written before 7-bit weights do not say
    if bits not in SYMMETRIC_LIMIT:
        raise ModelError(f"{RECIPE}: weights of {bits!r} bits are not a scheme this propscan knows: upgrade")
    if entry["scheme"] == "symmetric":
        q, scale, zero = quantize_symmetric(w, entry["axis"], bits)
    elif entry["scheme"] == "asymmetric":
        q, scale, zero = quantize_asymmetric(w, bits)
    else:
        raise ModelError(f"{RECIPE}: unknown quantization scheme {entry['scheme']!r}; upgrade propscan")
    return {names["q"]: q, names["scale"]: scale, names["zero_point"]: zero}


def layout(entries: list[dict[str, Any]], arrays: dict[str, np.ndarray]) -> dict[str, tuple[int, int]]:
    """{initializer name: (offset, length)} in base.bin, in recipe order, ALIGN-ed."""
    places, offset = {}, 0
    for entry in entries:
        for name in sorted(entry["names"].values()):
            length = arrays[name].nbytes
            places[name] = (offset, length)
            offset += -(-length // ALIGN) * ALIGN
    return places


def build(directory: Path, base_weights: dict[str, np.ndarray], log: Any = None) -> Path:
    """Write ``directory/base.bin`` from the recipe in ``directory/base.json`` (via a temp file,
    renamed when complete). The caller checks its sha256."""
    try:
        recipe = json.loads((directory / RECIPE).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{directory / RECIPE} is missing or unreadable: {exc}; re-install propscan"
        ) from exc
    adapters: dict[str, np.ndarray] = {}
    if any("lora" in entry for entry in recipe["entries"]):
        try:
            with np.load(directory / ADAPTERS) as npz:
                adapters = {name: npz[name] for name in npz.files}
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"{directory / ADAPTERS} is missing or unreadable: {exc}; re-install propscan"
            ) from exc
    target, tmp = directory / BLOB, directory / (BLOB + ".partial")
    with open(tmp, "wb") as fh:
        for entry in recipe["entries"]:
            if entry["key"] not in base_weights:
                tmp.unlink(missing_ok=True)
                raise ModelError(f"the base weights have no tensor {entry['key']!r}: wrong base model")
            try:
                arrays = derive(entry, source_tensor(entry, base_weights, adapters))
            except ModelError:
                tmp.unlink(missing_ok=True)
                raise
            for name in sorted(arrays):
                offset, length = entry["offsets"][name]
                fh.seek(offset)
                data = np.ascontiguousarray(arrays[name]).tobytes()
                if len(data) != length:
                    tmp.unlink(missing_ok=True)
                    raise ModelError(f"{name}: rebuilt {len(data)} bytes, the recipe says {length}")
                fh.write(data)
        fh.truncate(recipe["size"])
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(target)
    if log:
        log(f"wrote {target} ({recipe['size'] / 1e6:.0f} MB)")
    return target
