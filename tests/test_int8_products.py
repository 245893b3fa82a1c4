"""The premise of 7-bit weights (training's default ``weight_bits``): ONNX Runtime multiplies uint8
activations by int8 weights of at most 64 in magnitude exactly on every CPU. With full-range
weights, CPUs without VNNI (AVX2 alone) sum pairs of products in 16 bits and saturate."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from onnx import TensorProto, helper, numpy_helper

    node = helper.make_node("MatMulInteger", ["A", "B"], ["Y"])
    graph = helper.make_graph(
        [node],
        "products",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, list(a.shape))],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [a.shape[0], b.shape[1]])],
        [numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"A": a})[0]


def test_seven_bit_weights_multiply_exactly_on_this_cpu() -> None:
    from propscan.hub.basepart import SYMMETRIC_LIMIT, quantize_symmetric

    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (64, 384)).astype(np.uint8)  # the whole uint8 range, the worst case
    b, _, _ = quantize_symmetric(rng.normal(0, 1, (384, 96)).astype(np.float32), axis=1, bits=7)
    assert np.abs(b.astype(int)).max() == SYMMETRIC_LIMIT[7] == 64
    exact = a.astype(np.int64) @ b.astype(np.int64)
    assert np.array_equal(_products(a, b), exact)
