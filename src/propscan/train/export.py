"""Write a model directory: ONNX (fused by ORT, then int8 per-channel), span head, tokenizer,
config, model card and checksums."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..hub import basepart
from ..hub.checksums import REQUIRED, write_checksums
from ..hub.config import ModelConfig
from ..hub.config import write_config as config_json
from ..hub.layout import CARD, ENCODER, SPAN_HEAD, TOKENIZER
from .attention import fuse_relative_attention
from .model import Net
from .outliers import split_outlier_channels


def export_onnx(
    net: Net,
    path: Path,
    heads: int,
    hidden: int,
    quantize: bool,
    base_weights: dict | None = None,
    fp32_ffn_layers: tuple[int, ...] = (),
    adapters: dict | None = None,
    outlier_channels: int = 0,
    calibration: Sequence[dict[str, np.ndarray]] = (),
    weight_bits: int = 8,
) -> None:
    """Encoder + token head -> ONNX (a net with LoRA adapters: export ``net.merged()``). Eager
    attention exports a graph ORT fuses into Attention ops (2x faster on CPU than the unfused SDPA
    graph); MPNet's, which ORT's optimizer leaves unfused, becomes MultiHeadAttention ops with its
    relative-position bias as attention bias (attention.py).

    ``fp32_ffn_layers``: layers whose feed-forward output projection stays unquantized. Dynamic
    int8 quantizes its input (3072 GELU outputs) with one scale per tensor, and in some layers a
    few huge activations make that scale coarse for all the rest: in MPNet's layers 6-10 this alone
    took the int8 model's hidden states to cosine 0.86 of fp32 (0.986 with those five in fp32).
    With ``outlier_channels`` k > 0 those projections are quantized too, all but the k input
    channels with the largest activations over the ``calibration`` inputs (see outliers.py).

    ``weight_bits`` 7 quantizes the weights to ONNX Runtime's reduced range, so that every CPU
    computes the same integer products (basepart.SYMMETRIC_LIMIT)."""
    import onnx
    from onnxruntime.transformers import optimizer

    net = net.float().eval()
    previous = net.encoder.config._attn_implementation
    _set_attention(net, "eager")
    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory() as tmp:
        raw, fused = Path(tmp) / "raw.onnx", Path(tmp) / "fused.onnx"
        torch.onnx.export(
            net,
            (ids, torch.ones_like(ids)),
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["token_logits", "hidden"],
            dynamic_axes={n: axes for n in ("input_ids", "attention_mask", "token_logits", "hidden")},
            opset_version=17,
            dynamo=False,
        )
        opt = optimizer.optimize_model(str(raw), model_type="bert", num_heads=heads, hidden_size=hidden)
        fuse_relative_attention(opt.model, heads)  # MPNet's; BERT's is fused by the optimizer
        opt.save_model_to_file(str(fused))
        if quantize:
            graph = onnx.load(str(fused)).graph
            keep = {f"/layer.{i}/output/dense/MatMul" for i in fp32_ffn_layers}
            excluded = [n.name for n in graph.node if any(n.name.endswith(k) for k in keep)]
            if len(excluded) != len(keep):
                raise RuntimeError(
                    f"found {len(excluded)} of the {len(keep)} FFN projections to keep in fp32"
                )
            _quantize(fused, path, weight_bits, nodes_to_exclude=excluded)
            if excluded and outlier_channels:
                _quantize_inliers(path, excluded, outlier_channels, calibration, weight_bits)
        else:
            shutil.copyfile(fused, path)
        if base_weights is not None:
            split_base(path, fused, base_weights, adapters, weight_bits)
        _store_fp16(path)
    _set_attention(net, previous)  # not a fixed "sdpa": MPNet under sdpa leaves padding unmasked


def _set_attention(net: Net, implementation: str) -> None:
    net.encoder.config._attn_implementation = implementation
    if hasattr(net.encoder, "set_attn_implementation"):
        net.encoder.set_attn_implementation(implementation)


def _quantize(src: Path, dst: Path, weight_bits: int, **selection: list[str]) -> None:
    """ONNX Runtime's dynamic int8, per channel, of the MatMuls ``selection`` picks
    (``nodes_to_quantize`` / ``nodes_to_exclude``), weights in 8 or 7 bits."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        per_channel=True,
        weight_type=QuantType.QInt8,
        reduce_range=weight_bits == 7,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        **selection,
    )


def _quantize_inliers(
    path: Path, nodes: list[str], k: int, calibration: Sequence[dict[str, np.ndarray]], weight_bits: int
) -> None:
    """Quantize the fp32 MatMul ``nodes`` of the int8 model at ``path`` too, all but their ``k``
    largest input channels over ``calibration`` (outliers.split_outlier_channels)."""
    import onnx

    if not calibration:
        raise ValueError("outlier_channels needs calibration inputs")
    model = onnx.load(str(path))
    small = split_outlier_channels(model, nodes, calibration, k)
    with tempfile.TemporaryDirectory() as tmp:
        split = Path(tmp) / "split.onnx"
        onnx.save(model, str(split))
        _quantize(split, path, weight_bits, nodes_to_quantize=nodes, nodes_to_exclude=small)


def _store_fp16(path: Path, min_size: int = 1 << 20) -> None:
    """Store large fp32 weights that stay in the graph (not in base.bin) as fp16 with a Cast back
    to fp32, which ONNX Runtime folds once at load: half the file size, the same arithmetic."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path), load_external_data=False)
    graph, changed = model.graph, False
    for init in list(graph.initializer):
        if init.data_type != onnx.TensorProto.FLOAT or init.data_location == onnx.TensorProto.EXTERNAL:
            continue
        if int(np.prod(init.dims)) < min_size:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        graph.node.insert(0, helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT))
        changed = True
    if changed:
        onnx.save(model, str(path))


def split_base(
    path: Path, fp32_path: Path, base_weights: dict, adapters: dict | None = None, weight_bits: int = 8
) -> None:
    """Move every large initializer that is a function of the base weights alone (the frozen
    layers, quantized or not) out of ``path`` into base.bin beside it, recomputed by
    propscan.hub.basepart's quantizers, and write the recipe (base.json) that rebuilds base.bin.
    ``adapters`` ({key: (A, B, scale)}): those base weights enter merged with their adapter, which
    the install merges again from lora.npz."""
    import hashlib

    import onnx
    from onnx import external_data_helper, numpy_helper

    def digest(a: np.ndarray) -> str:
        return hashlib.sha1(
            str(a.shape).encode() + np.ascontiguousarray(a, dtype=np.float32).tobytes()
        ).hexdigest()

    adapters = adapters or {}
    base_weights = {
        key: basepart.merge_lora(np.asarray(arr, np.float32), *adapters[key]) if key in adapters else arr
        for key, arr in base_weights.items()
    }
    index: dict[str, tuple[str, bool]] = {}
    for key, arr in base_weights.items():
        if arr.dtype == np.float32 and arr.size >= 4096:
            index[digest(arr)] = (key, False)
            if arr.ndim == 2:
                index.setdefault(digest(arr.T), (key, True))
    fp32 = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(fp32_path)).graph.initializer}
    model = onnx.load(str(path))
    inits = {i.name: i for i in model.graph.initializer}
    entries, arrays = [], {}
    for src, value in fp32.items():
        if value.dtype != np.float32 or digest(value) not in index:
            continue
        key, transpose = index[digest(value)]
        if src + "_quantized" in inits:
            q = numpy_helper.to_array(inits[src + "_quantized"])
            names = {"q": src + "_quantized", "scale": src + "_scale", "zero_point": src + "_zero_point"}
            ort_scale = numpy_helper.to_array(inits[names["scale"]])
            # the bits ONNX Runtime used: weight_bits for MatMul weights, but 8 for the embeddings
            # of an EmbedLayerNormalization, which it quantizes over the full range regardless
            # (harmless: an embedding is looked up, not multiplied)
            entry: dict[str, Any]
            if q.dtype == np.uint8:
                bits = next(
                    b
                    for b in (weight_bits, 8)
                    if np.allclose(basepart.quantize_asymmetric(value, b)[1], ort_scale, rtol=1e-5)
                )
                entry = {"scheme": "asymmetric"}
            else:
                bits, axis = next(
                    (b, a)
                    for b in (weight_bits, 8)
                    for a in range(q.ndim)
                    if q.shape[a] == ort_scale.size
                    and np.allclose(basepart.quantize_symmetric(value, a, b)[1], ort_scale, rtol=1e-5)
                )
                entry = {"scheme": "symmetric", "axis": axis}
            if bits != 8:
                entry["bits"] = bits
        elif src in inits:
            names, entry = {"raw": src}, {"scheme": "raw"}
        else:
            continue
        entry.update(key=key, transpose=transpose, names=names)
        if key in adapters:
            entry["lora"] = {"scale": adapters[key][2]}
        made = basepart.derive(entry, base_weights[key])
        for name, arr in made.items():
            ours, theirs = arr.astype(np.float64), numpy_helper.to_array(inits[name]).astype(np.float64)
            if ours.shape != theirs.shape or np.abs(ours - theirs).max() > max(
                1.0, 1e-4 * np.abs(theirs).max()
            ):
                raise RuntimeError(f"{name}: our rebuild differs from ONNX Runtime's beyond rounding")
        arrays.update(made)
        entries.append(entry)
    places = basepart.layout(entries, arrays)
    for entry in entries:
        entry["offsets"] = {name: list(places[name]) for name in entry["names"].values()}
    size = max((o + n for o, n in places.values()), default=0)
    for name, (offset, length) in places.items():
        tensor = inits[name]
        tensor.CopyFrom(numpy_helper.from_array(arrays[name], name))
        external_data_helper.set_external_data(tensor, basepart.BLOB, offset, length)
        tensor.ClearField("raw_data")
        tensor.data_location = onnx.TensorProto.EXTERNAL
    with open(path.parent / basepart.BLOB, "wb") as fh:
        for name, (offset, _) in places.items():
            fh.seek(offset)
            fh.write(np.ascontiguousarray(arrays[name]).tobytes())
        fh.truncate(size)
    onnx.save(model, str(path))
    recipe = {"size": size, "entries": entries}
    (path.parent / basepart.RECIPE).write_text(json.dumps(recipe, indent=1) + "\n", "utf-8")


def write_model_dir(
    net: Net,
    out: Path,
    tokenizer_json: Path,
    config: ModelConfig,
    card: str,
    heads: int,
    quantize: bool,
    base_weights: dict | None = None,
    fp32_ffn_layers: tuple[int, ...] = (),
    outlier_channels: int = 0,
    calibration: Sequence[dict[str, np.ndarray]] = (),
    weight_bits: int = 8,
) -> None:
    """``base_weights`` (the base's tensors): split the frozen layers out into base.bin (with LoRA
    adapters: every adapted weight, merged on install from lora.npz)."""
    out.mkdir(parents=True, exist_ok=True)
    hidden = config.hidden or 384
    adapters = net.adapters()
    if adapters:
        (out / basepart.ADAPTERS).unlink(missing_ok=True)
        if base_weights is not None:  # the install needs them; a model with its weights inline does not
            arrays = {f"{key}.{n}": m for key, (a, b, _) in adapters.items() for n, m in (("a", a), ("b", b))}
            np.savez(out / basepart.ADAPTERS, **arrays)
        net = net.merged()
    export_onnx(
        net,
        out / ENCODER,
        heads,
        hidden,
        quantize,
        base_weights,
        fp32_ffn_layers,
        adapters,
        outlier_channels,
        calibration,
        weight_bits,
    )
    head = net.span_head
    np.savez(  # fp16 on disk (half the size); the runtime computes in fp32
        out / SPAN_HEAD,
        w1=head[0].weight.detach().half().numpy(),
        b1=head[0].bias.detach().float().numpy(),
        w2=head[2].weight.detach().half().numpy(),
        b2=head[2].bias.detach().float().numpy(),
    )
    tok = json.loads(tokenizer_json.read_text("utf-8"))
    tok["truncation"] = None  # windows.py does the windowing
    tok["padding"] = None
    (out / TOKENIZER).write_text(json.dumps(tok, ensure_ascii=False), "utf-8")
    write_config(out, config, card)


def write_config(out: Path, config: ModelConfig, card: str) -> None:
    """config.json, the card and SHA256SUMS of a model directory whose other files are written."""
    config_json(out, config)
    (out / CARD).write_text(card, "utf-8")
    assert all((out / name).is_file() for name in REQUIRED)  # our own output, not user input
    write_checksums(out)
