"""int8 products with their outlier input channels kept in fp32 (propscan.train.outliers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from propscan.train.outliers import split_outlier_channels  # noqa: E402

K_IN, N_OUT, HUGE = 64, 16, 2  # channels 5 and 40 carry activations 60x the rest


def _graph() -> onnx.ModelProto:
    w = np.random.default_rng(1).normal(0, 0.1, (K_IN, N_OUT)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="/layer.0/output/dense/MatMul")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "T", K_IN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", "T", N_OUT])],
        [numpy_helper.from_array(w, "w")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _inputs(seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).uniform(-0.2, 1.0, (2, 32, K_IN)).astype(np.float32)
    x[..., [5, 40]] *= 60.0
    return x


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["y"], {"x": x})[0]


def _quantized(model: onnx.ModelProto, tmp: Path, name: str, exclude: list[str]) -> onnx.ModelProto:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    onnx.save(model, str(tmp / f"{name}-in.onnx"))
    quantize_dynamic(
        str(tmp / f"{name}-in.onnx"),
        str(tmp / f"{name}.onnx"),
        per_channel=True,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=exclude,
    )
    return onnx.load(str(tmp / f"{name}.onnx"))


def test_outlier_channels_are_picked_on_the_calibration_inputs_and_computed_in_fp32(tmp_path: Path) -> None:
    node = "/layer.0/output/dense/MatMul"
    reference = _graph()
    split = _graph()
    small = split_outlier_channels(split, [node], [{"x": _inputs(0)}], k=HUGE)
    assert small == [node + "/outlier_mm"]
    inits = {i.name: numpy_helper.to_array(i) for i in split.graph.initializer}
    assert inits[node + "/outlier_idx"].tolist() == [5, 40]
    assert inits[node + "/outlier_keep"][[5, 40]].tolist() == [0.0, 0.0]

    x = _inputs(7)  # unseen inputs
    exact = _run(reference, x)
    np.testing.assert_allclose(_run(split, x), exact, rtol=1e-5, atol=1e-4)  # the same product in fp32

    plain = _run(_quantized(reference, tmp_path, "plain", []), x)
    ours = _run(_quantized(split, tmp_path, "split", small), x)
    kinds = {n.op_type for n in onnx.load(str(tmp_path / "split.onnx")).graph.node}
    assert "MatMulInteger" in kinds or "DynamicQuantizeMatMul" in kinds  # the big product went int8
    error_plain, error_ours = np.abs(plain - exact).mean(), np.abs(ours - exact).mean()
    assert error_ours < error_plain / 5


def test_a_node_that_is_not_a_matmul_or_a_k_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="no MatMul node named nope"):
        split_outlier_channels(_graph(), ["nope"], [{"x": _inputs(0)}], k=2)
    with pytest.raises(ValueError, match="k=64 outlier channels of 64"):
        split_outlier_channels(_graph(), ["/layer.0/output/dense/MatMul"], [{"x": _inputs(0)}], k=K_IN)
    with pytest.raises(ValueError, match="no calibration inputs"):
        split_outlier_channels(_graph(), ["/layer.0/output/dense/MatMul"], [], k=2)
