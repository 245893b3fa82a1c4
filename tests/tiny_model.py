"""A tiny but real propscan model directory: a hand-built ONNX graph (embedding lookup + linear
token head) and a word-level tokenizer. Words listed in HOT light up the "inside a span" channel;
the span head prefers Name_Calling,Labeling for spans containing "traitors", else
Loaded_Language. Everything is deterministic, so tests can assert exact spans."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, pre_tokenizers

from propscan.engine.features import N_FEATURES
from propscan.hub.checksums import write_checksums
from propscan.hub.config import ModelConfig
from propscan.techniques import LABELS

H = 8  # hidden size
HOT = ("evil", "traitors", "disgraceful", "corrupt", "cowards")
WORDS = ("the", "a", "of", "and", "is", "are", "they", "we", "people", "plan", "city", "said", "it", ".", ",")


def build(directory: Path, *, max_tokens: int = 8, min_overlap: int = 2, threshold: float = 0.5) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    vocab = {tok: i for i, tok in enumerate(("[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS, *HOT))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace()])
    tok.normalizer = None
    from tokenizers import normalizers

    tok.normalizer = normalizers.Lowercase()
    tok.save(str(directory / "tokenizer.json"))

    rng = np.random.default_rng(0)
    emb = rng.normal(0, 0.1, (len(vocab), H)).astype(np.float32)
    emb[:, 0] = -1.0  # feature 0: "hot word"
    for word in HOT:
        emb[vocab[word], 0] = 1.0
    emb[:, 1] = 0.0  # feature 1: "traitors"
    emb[vocab["traitors"], 1] = 1.0
    w = np.zeros((H, 1 + len(LABELS)), dtype=np.float32)
    w[0, 0] = 4.0  # hot words -> p ~ 0.98, others -> p ~ 0.02
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["emb", "input_ids"], ["hidden"]),
            helper.make_node("MatMul", ["hidden", "w"], ["token_logits"]),
        ],
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["B", "T"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["B", "T"]),
        ],
        [
            helper.make_tensor_value_info("token_logits", TensorProto.FLOAT, ["B", "T", 1 + len(LABELS)]),
            helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["B", "T", H]),
        ],
        [numpy_helper.from_array(emb, "emb"), numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, directory / "model.onnx")

    # span head: input [cls; mean; max; context mean (H each); feats (F)] -> hidden 2 -> 14 labels
    w1 = np.zeros((2, 4 * H + N_FEATURES), dtype=np.float32)
    w1[0, H + 1] = 10.0  # mean of the "traitors" feature
    w2 = np.zeros((len(LABELS), 2), dtype=np.float32)
    w2[LABELS.index("Name_Calling,Labeling"), 0] = 2.0
    b2 = np.zeros(len(LABELS), dtype=np.float32)
    b2[LABELS.index("Loaded_Language")] = 1.0
    np.savez(directory / "span_head.npz", w1=w1, b1=np.zeros(2, np.float32), w2=w2, b2=b2)

    config = ModelConfig(
        name="tiny",
        version="0.0.1",
        labels=LABELS,
        max_tokens=max_tokens,
        min_overlap=min_overlap,
        threshold=threshold,
        bridge_tokens=0,
        multi_label_threshold=0.9,
        extra={"pad_id": 0},
    )
    (directory / "config.json").write_text(json.dumps(config.to_json()), "utf-8")
    (directory / "MODEL_CARD.md").write_text("# tiny\nA test model.\n", "utf-8")
    write_checksums(directory)
    return directory
