"""A model trained above frozen base layers ships without them: export splits them into base.bin,
``propscan models install`` rebuilds base.bin bit for bit from the base weights alone, and an
incomplete or tampered install is refused. Uses a tiny random MPNet as the base (no download)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from propscan.errors import ModelError
from propscan.hub import basepart
from propscan.hub.checksums import REQUIRED, sha256
from propscan.hub.weights import BASES, BaseModel, read_safetensors
from test_train import _corpus

pytestmark = pytest.mark.slow

WORDS = "the a of and is are they we people plan city said it . , corrupt mayor his cronies betrayed us only "
WORDS += (
    "traitors would vote for this nobody knows if report even real bridge opened on monday after repairs "
)
WORDS += "headline number 0 1 2 3"


def _tiny_base(root: Path) -> tuple[Path, BaseModel]:
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import MPNetConfig, MPNetModel

    root.mkdir(parents=True)
    words = ["<s>", "<pad>", "</s>", "<unk>", *dict.fromkeys(WORDS.split())]
    words += [f"w{i}" for i in range(80 - len(words))]  # 80 x 64 embeddings: large enough to split out
    vocab = {t: i for i, t in enumerate(words)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(root / "tokenizer.json"))
    torch.manual_seed(0)
    config = MPNetConfig(
        vocab_size=len(vocab),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=72,
        pad_token_id=1,
    )
    MPNetModel(config, add_pooling_layer=False).save_pretrained(root)
    base = BaseModel(
        name="tiny-mpnet",
        package="(test)",
        safetensors_sha256=sha256(root / "model.safetensors"),
        hidden=64,
        heads=2,
        layers=2,
        license="test",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
    )
    return root, base


@pytest.fixture()
def frozen_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    from propscan.train import prepare as loop
    from propscan.train import train

    base_root, base = _tiny_base(tmp_path / "base")
    monkeypatch.setitem(BASES, "tiny", base)
    monkeypatch.setattr(loop, "base_dir", lambda key, **_: base_root)
    monkeypatch.setenv("PROPSCAN_HOME", str(tmp_path / "home"))
    out = train(
        _corpus(tmp_path / "corpus"),
        "train",
        tmp_path / "model",
        base="tiny",
        frozen_layers=1,
        epochs=1,
        max_tokens=64,
        train_overlap=16,
        log=lambda *_: None,
    )
    return out, base_root


def test_frozen_layers_are_split_out_and_rebuilt_bit_for_bit(frozen_model: tuple[Path, Path]) -> None:
    from propscan import Detector

    out, base_root = frozen_model
    recipe = json.loads((out / basepart.RECIPE).read_text("utf-8"))
    keys = {entry["key"] for entry in recipe["entries"]}
    # the frozen layer and the embeddings go to base.bin; the trained layer 1 stays in the graph
    assert "encoder.layer.0.intermediate.dense.weight" in keys
    assert "embeddings.word_embeddings.weight" in keys
    assert not any(key.startswith("encoder.layer.1.") for key in keys)
    text = "Only traitors would vote for this corrupt plan. The bridge opened on Monday."
    before = Detector.load(out).analyze(text).to_dict()
    digest = sha256(out / basepart.BLOB)

    (out / basepart.BLOB).unlink()
    with pytest.raises(ModelError, match="models install"):
        Detector.load(out)
    basepart.build(out, read_safetensors(base_root / "model.safetensors"))
    assert sha256(out / basepart.BLOB) == digest
    assert Detector.load(out).analyze(text).to_dict() == before


def _ship(out: Path, base_root: Path, shipped: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package models directory holding ``out`` as shipped model "acc" (without base.bin),
    with the registry pointed at it and at the tiny base weights."""
    from propscan.hub import registry

    (shipped / "acc").mkdir(parents=True)
    for name in (*REQUIRED, "SHA256SUMS", basepart.RECIPE):
        (shipped / "acc" / name).write_bytes((out / name).read_bytes())
    monkeypatch.setattr(registry, "MODELS_DIR", shipped)
    monkeypatch.setattr(registry, "base_dir", lambda key, **_: base_root)
    return shipped


def test_install_rebuilds_a_shipped_model_and_refuses_wrong_base_weights(
    frozen_model: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from propscan import Detector
    from propscan.hub import registry

    out, base_root = frozen_model
    _ship(out, base_root, tmp_path / "shipped", monkeypatch)

    assert not registry.info("acc").installed
    with pytest.raises(ModelError, match="propscan models install acc"):
        Detector.load("acc")
    registry.install("acc", log=lambda *_: None)
    assert registry.info("acc").installed
    assert Detector.load("acc").model.directory == registry.installed_dir("acc")

    # base weights that differ in one value rebuild a base.bin whose checksum is refused
    registry.remove("acc")
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    weights = {k: np.array(v) for k, v in read_safetensors(base_root / "model.safetensors").items()}
    weights["encoder.layer.0.intermediate.dense.weight"][0, 0] += 1.0
    from safetensors.numpy import save_file

    save_file(weights, str(tampered / "model.safetensors"))
    monkeypatch.setattr(registry, "base_dir", lambda key, **_: tampered)
    with pytest.raises(ModelError, match="checksum mismatch"):
        registry.install("acc", log=lambda *_: None)
    assert not registry.installed_dir("acc").exists()
    assert not any(p.name.endswith(".partial") for p in registry.installed_dir("acc").parent.iterdir())


def test_a_shipped_ensemble_installs_with_its_members_and_names_itself_when_missing(
    frozen_model: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from propscan import Detector
    from propscan.authoring.ensemble_build import build
    from propscan.engine.detector import EnsembleDetector
    from propscan.hub import registry
    from tiny_model import build as build_tiny

    out, base_root = frozen_model
    shipped = _ship(out, base_root, tmp_path / "shipped", monkeypatch)
    build_tiny(shipped / "small")
    registry.install("acc", log=lambda *_: None)
    build(["small", "acc"], shipped / "combo")  # members by shipped name

    combo = registry.info("combo")
    assert combo.members == ("small", "acc") and combo.needs_install and combo.installed
    assert combo.to_dict()["base_model"] == "small + tiny-mpnet"  # a member without a base: its name
    assert isinstance(Detector.load("combo"), EnsembleDetector)
    assert registry.remove("combo")  # removes the member's installed copy
    assert not registry.info("combo").installed and not registry.info("acc").installed
    with pytest.raises(ModelError, match="propscan models install combo"):
        Detector.load("combo")
    registry.install("combo", log=lambda *_: None)
    assert registry.info("acc").installed and isinstance(Detector.load("combo"), EnsembleDetector)


def test_merge_lora_is_the_exact_rounding_of_the_float64_update() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(48, 32)).astype(np.float32)
    a = rng.normal(size=(4, 32)).astype(np.float16)
    b = rng.normal(size=(48, 4)).astype(np.float16)
    merged = basepart.merge_lora(w, a, b, 2.0)
    reference = w.astype(np.float64) + 2.0 * (b.astype(np.float64) @ a.astype(np.float64))
    assert merged.dtype == np.float32
    assert np.array_equal(merged, reference.astype(np.float32))
    assert np.array_equal(basepart.merge_lora(w, a, np.zeros_like(b), 2.0), w)
    with pytest.raises(ModelError, match="do not fit"):
        basepart.merge_lora(w, a, b.T, 2.0)


@pytest.fixture()
def lora_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    from propscan.train import prepare as loop
    from propscan.train import train

    base_root, base = _tiny_base(tmp_path / "base")
    monkeypatch.setitem(BASES, "tiny", base)
    monkeypatch.setattr(loop, "base_dir", lambda key, **_: base_root)
    monkeypatch.setenv("PROPSCAN_HOME", str(tmp_path / "home"))
    out = train(
        _corpus(tmp_path / "corpus"),
        "train",
        tmp_path / "model",
        base="tiny",
        lora_rank=2,
        lora_alpha=4.0,
        lr=1e-2,
        epochs=2,
        fp32_ffn_layers=(1,),
        outlier_channels=4,
        max_tokens=64,
        train_overlap=16,
        calibration_folds=0,
        log=lambda *_: None,
    )
    return out, base_root


def test_lora_model_ships_adapters_and_install_merges_them_bit_for_bit(lora_model: tuple[Path, Path]) -> None:
    from propscan import Detector

    out, base_root = lora_model
    recipe = json.loads((out / basepart.RECIPE).read_text("utf-8"))
    adapted = {entry["key"] for entry in recipe["entries"] if "lora" in entry}
    # every linear weight of both layers is rebuilt from the base plus its adapter
    for layer in (0, 1):
        for name in ("attention.attn.q", "attention.attn.o", "intermediate.dense", "output.dense"):
            assert f"encoder.layer.{layer}.{name}.weight" in adapted
    assert "embeddings.word_embeddings.weight" not in adapted  # the embeddings are the base's own
    # layer 1's FFN output projection is int8 but for its 4 outlier input channels, kept in fp32
    schemes = {entry["key"]: entry["scheme"] for entry in recipe["entries"]}
    assert schemes["encoder.layer.1.output.dense.weight"] == "symmetric"
    import onnx

    graph = onnx.load(str(out / "model.onnx"), load_external_data=False).graph
    outliers = [i for i in graph.initializer if i.name.endswith("/output/dense/MatMul/outlier_idx")]
    assert len(outliers) == 1 and list(outliers[0].dims) == [4]
    assert sum(n.op_type == "MultiHeadAttention" for n in graph.node) == 2  # one per layer (attention.py)
    with np.load(out / basepart.ADAPTERS) as npz:
        b = npz["encoder.layer.1.output.dense.weight.b"]
    assert b.dtype == np.float16 and np.abs(b).max() > 0  # trained away from its zero start
    text = "Only traitors would vote for this corrupt plan. The bridge opened on Monday."
    before = Detector.load(out).analyze(text).to_dict()
    digest = sha256(out / basepart.BLOB)

    (out / basepart.BLOB).unlink()
    basepart.build(out, read_safetensors(base_root / "model.safetensors"))
    assert sha256(out / basepart.BLOB) == digest
    assert Detector.load(out).analyze(text).to_dict() == before

    (out / basepart.BLOB).unlink()
    (out / basepart.ADAPTERS).unlink()
    with pytest.raises(ModelError, match=r"lora\.npz is missing"):
        basepart.build(out, read_safetensors(base_root / "model.safetensors"))
    assert not (out / (basepart.BLOB + ".partial")).exists()


def test_lora_model_with_fewer_layers_ships_and_rebuilds_only_the_kept_layers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnx

    from propscan import Detector
    from propscan.train import prepare as loop
    from propscan.train import train

    base_root, base = _tiny_base(tmp_path / "base")
    monkeypatch.setitem(BASES, "tiny", base)
    monkeypatch.setattr(loop, "base_dir", lambda key, **_: base_root)
    monkeypatch.setenv("PROPSCAN_HOME", str(tmp_path / "home"))
    out = train(
        _corpus(tmp_path / "corpus"),
        "train",
        tmp_path / "model",
        base="tiny",
        layers=1,
        lora_rank=2,
        lora_alpha=4.0,
        lr=1e-2,
        epochs=1,
        fp32_ffn_layers=(0,),
        outlier_channels=4,
        max_tokens=64,
        train_overlap=16,
        calibration_folds=0,
        log=lambda *_: None,
    )
    recipe = json.loads((out / basepart.RECIPE).read_text("utf-8"))
    keys = {entry["key"] for entry in recipe["entries"]}
    assert "encoder.layer.0.output.dense.weight" in keys
    assert not any(key.startswith("encoder.layer.1.") for key in keys)  # the dropped layer ships nowhere
    graph = onnx.load(str(out / "model.onnx"), load_external_data=False).graph
    assert sum(n.op_type == "MultiHeadAttention" for n in graph.node) == 1
    text = "Only traitors would vote for this corrupt plan. The bridge opened on Monday."
    before = Detector.load(out).analyze(text).to_dict()
    digest = sha256(out / basepart.BLOB)
    (out / basepart.BLOB).unlink()
    basepart.build(out, read_safetensors(base_root / "model.safetensors"))
    assert sha256(out / basepart.BLOB) == digest
    assert Detector.load(out).analyze(text).to_dict() == before


def test_loading_base_weights_that_lack_a_layer_is_refused_quietly_otherwise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    from safetensors.numpy import save_file

    from propscan.train.model import load_encoder

    base_root, _ = _tiny_base(tmp_path / "base")
    encoder = load_encoder(str(base_root), 0.1, 0.0, layers=1)  # layer 1's weights skipped, no report
    assert len(encoder.encoder.layer) == 1
    assert "UNEXPECTED" not in caplog.text
    assert "Loading weights" not in capsys.readouterr().err  # no progress bar either
    weights = dict(read_safetensors(base_root / "model.safetensors"))
    del weights["encoder.layer.0.intermediate.dense.weight"]
    save_file({k: np.array(v) for k, v in weights.items()}, str(base_root / "model.safetensors"))
    with pytest.raises(ModelError, match=r"lack .*encoder\.layer\.0\.intermediate\.dense\.weight"):
        load_encoder(str(base_root), 0.1, 0.0)
