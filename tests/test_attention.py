"""MPNet's attention fused into MultiHeadAttention ops at export (propscan.train.attention)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("transformers")

from onnx import TensorProto, helper  # noqa: E402

from propscan.train.attention import fuse_relative_attention  # noqa: E402


def _tiny_net(tmp_path: Path):
    from transformers import MPNetModel

    from propscan.train.model import Net, NetConfig
    from test_basepart import _tiny_base

    root, _ = _tiny_base(tmp_path / "base")
    torch.manual_seed(3)
    net = Net(MPNetModel.from_pretrained(root, add_pooling_layer=False), NetConfig(hidden=64, span_hidden=16))
    with torch.no_grad():  # a non-zero relative-position bias, or the test could not see it dropped
        net.encoder.encoder.relative_attention_bias.weight.normal_(0, 1.0)
    return net.eval()


def test_exported_mpnet_attention_is_fused_and_matches_torch(tmp_path: Path) -> None:
    from propscan.train.export import export_onnx

    net = _tiny_net(tmp_path)
    path = tmp_path / "model.onnx"
    export_onnx(net, path, heads=2, hidden=64, quantize=False)
    ops = Counter(n.op_type for n in onnx.load(str(path)).graph.node)
    assert ops["MultiHeadAttention"] == 2 and ops["Softmax"] == 0

    rng = np.random.default_rng(0)
    ids = rng.integers(4, 60, (3, 24)).astype(np.int64)
    ids[:, 0] = 0
    mask = np.ones_like(ids)
    mask[1, 15:], ids[1, 15:] = 0, 1  # a padded row: the mask must still reach every layer
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits, hidden = session.run(["token_logits", "hidden"], {"input_ids": ids, "attention_mask": mask})
    with torch.no_grad():  # after the export, which must leave MPNet's own attention setting
        want_logits, want_hidden = net(torch.from_numpy(ids), torch.from_numpy(mask))
    real = mask.astype(bool)
    np.testing.assert_allclose(hidden[real], want_hidden.numpy()[real], atol=2e-5)
    np.testing.assert_allclose(logits[real], want_logits.numpy()[real], atol=2e-5)


def test_a_graph_without_the_chain_is_left_alone() -> None:
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "y"], ["s"]),
            helper.make_node("Softmax", ["s"], ["p"], axis=-1),
        ],
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 2]) for n in ("x", "y")],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [2, 2])],
    )
    model = helper.make_model(graph)
    before = model.SerializeToString()
    assert fuse_relative_attention(model, heads=2) == 0
    assert model.SerializeToString() == before
