"""int8 matrix products whose few outlier input channels stay in fp32.

Dynamic int8 quantization gives a MatMul's input one scale per tensor. In some of MPNet's
feed-forward output projections (layers 6-10) one to four of the 3072 input channels reach 30-100
while the rest stay below about 7, so that one scale leaves everything else a few levels: the int8
model's hidden states fell to cosine 0.86 of fp32. Keeping those projections whole in fp32 fixed it
(cosine 0.986) but made them the slowest part of the graph.

Here such a product ``Y = X @ W`` becomes ``(X * keep) @ W + X[..., idx] @ W[idx]``: the ``k``
channels with the largest ``|X|`` over calibration inputs are zeroed in the int8 product (so they no
longer set its scale) and added back by a small fp32 product. Measured on MPNet (accurate recipe,
k=8): 1.3x the tokens/s of the graph with five fp32 projections, hidden states at cosine 0.995 of
it on training windows, flat in k from 4 to 64 (docs/experiments.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def channel_absmax(
    model: object, tensors: Sequence[str], feeds: Sequence[dict[str, np.ndarray]]
) -> list[np.ndarray]:
    """Per-channel max ``|x|`` (over every other axis) of each named float tensor of ``model`` (an
    onnx.ModelProto), over the inputs ``feeds``. Positions where a feed's ``attention_mask`` is 0
    (padding) are left out."""
    import onnx
    import onnxruntime as ort
    from onnx import helper

    probe = onnx.ModelProto()
    probe.CopyFrom(model)  # type: ignore[arg-type]
    del probe.graph.output[:]
    for name in tensors:
        probe.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    out: list[np.ndarray | None] = [None] * len(tensors)
    for feed in feeds:
        values = session.run(list(tensors), feed)
        keep = feed["attention_mask"].astype(bool) if "attention_mask" in feed else None
        for i, v in enumerate(values):
            masked = keep is not None and v.shape[: keep.ndim] == keep.shape
            rows = v[keep] if masked else v.reshape(-1, v.shape[-1])  # (positions, channels)
            m = np.abs(rows).max(axis=0)
            out[i] = m if out[i] is None else np.maximum(out[i], m)
    if any(m is None for m in out):
        raise ValueError("no calibration inputs: give at least one feed")
    return [m for m in out if m is not None]


def split_outlier_channels(
    model: object, nodes: Sequence[str], feeds: Sequence[dict[str, np.ndarray]], k: int
) -> list[str]:
    """Rewrite each named fp32 ``MatMul(X, W)`` node of ``model`` (an onnx.ModelProto, ``W`` an
    initializer (K, N)) in place as ``MatMul(X * keep, W) + MatMul(Gather(X, idx), W[idx])`` with
    ``idx`` the ``k`` channels of X with the largest ``|X|`` over ``feeds``. The first product keeps
    the node's name (quantize it as before); the names of the small fp32 products are returned
    (leave them out of quantization)."""
    from onnx import helper, numpy_helper

    graph = model.graph  # type: ignore[attr-defined]
    by_name = {n.name: n for n in graph.node}
    missing = [name for name in nodes if name not in by_name or by_name[name].op_type != "MatMul"]
    if missing:
        raise ValueError(f"no MatMul node named {', '.join(missing)}")
    inits = {i.name: i for i in graph.initializer}
    targets = [by_name[name] for name in nodes]
    absmax = channel_absmax(model, [n.input[0] for n in targets], feeds)
    small = []
    for node, m in zip(targets, absmax, strict=True):
        if node.input[1] not in inits:
            raise ValueError(f"{node.name}: its weight {node.input[1]} is not an initializer")
        w = numpy_helper.to_array(inits[node.input[1]])  # (K, N)
        if not 0 < k < w.shape[0]:
            raise ValueError(f"{node.name}: k={k} outlier channels of {w.shape[0]}")
        idx = np.sort(np.argsort(-m, kind="stable")[:k]).astype(np.int64)
        keep = np.ones(w.shape[0], dtype=np.float32)
        keep[idx] = 0.0
        p, x, y = node.name, node.input[0], node.output[0]
        mk = helper.make_node
        graph.initializer.extend(
            [
                numpy_helper.from_array(keep, p + "/outlier_keep"),
                numpy_helper.from_array(idx, p + "/outlier_idx"),
                numpy_helper.from_array(np.ascontiguousarray(w[idx], dtype=np.float32), p + "/outlier_w"),
            ]
        )
        at = list(graph.node).index(node)
        new = [
            mk("Mul", [x, p + "/outlier_keep"], [p + "/inliers"], name=p + "/outlier_mask"),
            mk("MatMul", [p + "/inliers", node.input[1]], [p + "/inlier_y"], name=p),
            mk("Gather", [x, p + "/outlier_idx"], [p + "/outliers"], name=p + "/outlier_gather", axis=-1),
            mk("MatMul", [p + "/outliers", p + "/outlier_w"], [p + "/outlier_y"], name=p + "/outlier_mm"),
            mk("Add", [p + "/inlier_y", p + "/outlier_y"], [y], name=p + "/outlier_add"),
        ]
        graph.node.remove(node)
        for offset, n in enumerate(new):
            graph.node.insert(at + offset, n)
        small.append(p + "/outlier_mm")
    return small
