"""Training end to end on a tiny invented corpus: fine-tune, export to int8 ONNX, tune on val,
write a verified model directory that the runtime Detector loads. Needs the `train` extra."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

pytestmark = pytest.mark.slow

SENTENCES = [
    ("The corrupt mayor and his cronies betrayed us.", "corrupt", "Loaded_Language"),
    ("Only traitors would vote for this plan.", "traitors", "Name_Calling,Labeling"),
    ("Nobody knows if the report is even real.", "Nobody knows if the report is even real", "Doubt"),
    ("The bridge opened on Monday after repairs.", None, None),
]


def _corpus(root: Path, n_val: int = 1) -> Path:
    (root / "train-articles").mkdir(parents=True)
    rows = []
    ids = [str(100 + i) for i in range(4)]
    for n, art in enumerate(ids):
        text, pos = f"Headline number {n}\n\n", 0
        for k in range(3):
            for sentence, needle, label in SENTENCES[(n + k) % 4 :] + SENTENCES[: (n + k) % 4]:
                pos = len(text)
                text += sentence + "\n"
                if needle:
                    start = pos + sentence.index(needle)
                    rows.append(f"{art}\t{label}\t{start}\t{start + len(needle)}\n")
        (root / "train-articles" / f"article{art}.txt").write_text(text, "utf-8")
    (root / "train-task-tc.labels").write_text("".join(rows), "utf-8")
    (root / "splits.json").write_text(
        json.dumps({"train": ids[: 4 - n_val], "val": ids[4 - n_val :]}), "utf-8"
    )
    return root


def test_train_writes_a_verified_model_that_the_detector_loads(tmp_path: Path) -> None:
    from propscan import Detector
    from propscan.train import train

    corpus = _corpus(tmp_path / "corpus")
    out = train(
        corpus, "train", tmp_path / "model", epochs=1, max_tokens=64, train_overlap=16, log=lambda *_: None
    )
    report = json.loads((out / "val_report.json").read_text("utf-8"))
    assert set(report) >= {"si", "tc", "flc", "per_technique", "unquantized"}
    config = json.loads((out / "config.json").read_text("utf-8"))
    assert 0 < config["threshold"] < 1 and config["max_tokens"] == 64
    card = (out / "MODEL_CARD.md").read_text("utf-8")
    assert "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db" in card
    assert "Measured scores" in card and "Distilled" not in card and "--teacher" not in card
    # scores are calibrated on held-out folds of train, and the calibration is measured on val
    assert config["calibration_fit"]["folds"] == 2 and config["calibration_fit"]["spans"] > 0
    assert config["calibration"]["y"] == sorted(config["calibration"]["y"])
    assert 0 <= report["ece"] <= 1 and "ece_uncalibrated" in report
    assert (out / "reliability.svg").read_text("utf-8").startswith("<svg")

    # 7-bit weights by default: no CPU saturates their int8 products (embeddings, which are looked
    # up, not multiplied, keep ONNX Runtime's full uint8 range)
    import numpy as np
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(out / "model.onnx")).graph
    weights = [numpy_helper.to_array(i) for i in graph.initializer if i.name.endswith("_quantized")]
    int8 = [w for w in weights if w.dtype == np.int8]
    assert int8 and all(np.abs(w.astype(int)).max() <= 64 for w in int8)
    assert all(np.abs(w.astype(int)).max() == 64 for w in int8)

    det = Detector.load(out)
    doc = det.analyze("Only traitors would vote for this corrupt plan.")
    assert all(0 <= s.start < s.end <= len(doc.text) for s in doc.spans)
    assert len(det.classify(doc.text, [(5, 13), (5, 13)])) == 2

    # the shipped-model recipe: train on all, take thresholds and val scores from the train run
    full = train(
        corpus,
        "all",
        tmp_path / "full",
        epochs=1,
        max_tokens=64,
        train_overlap=16,
        reference=out,
        log=lambda *_: None,
    )
    full_config = json.loads((full / "config.json").read_text("utf-8"))
    assert full_config["threshold"] == config["threshold"]
    assert full_config["calibration"] == config["calibration"]
    assert "Measured scores" in (full / "MODEL_CARD.md").read_text("utf-8")
    Detector.load(full)


def test_a_recipe_that_calibrates_on_val_fits_the_map_on_val_and_reports_a_cross_fitted_ece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from propscan.train import calibrate, train

    corpus = _corpus(tmp_path / "corpus", n_val=2)
    options = {"epochs": 2, "max_tokens": 64, "train_overlap": 16, "calibrate_on_val": True}
    out = train(corpus, "train", tmp_path / "model", log=lambda *_: None, **options)
    config = json.loads((out / "config.json").read_text("utf-8"))
    report = json.loads((out / "val_report.json").read_text("utf-8"))
    fit = config["calibration_fit"]
    assert fit["on"].startswith("val") and "folds" not in fit and config["train"]["calibrate_on_val"]
    assert fit["spans"] > 0 and 0 <= report["ece"] <= 1 and "ece_uncalibrated" in report
    assert "cross-fitted" in (out / "MODEL_CARD.md").read_text("utf-8")
    assert (out / "reliability.svg").is_file()

    # calibrating again starts from the raw scores, not from calibrated ones: the same map
    calibrate(out, corpus, on_val=True, log=lambda *_: None)
    assert json.loads((out / "config.json").read_text("utf-8"))["calibration"] == config["calibration"]

    # a calibration that breaks off leaves the model directory as it was: no half-written card
    import propscan.evaluation.calibrate

    files = {f.name: f.read_bytes() for f in out.iterdir()}

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(propscan.evaluation.calibrate, "cross_fitted_calibration", broken)
    with pytest.raises(KeyboardInterrupt):
        calibrate(out, corpus, on_val=True, log=lambda *_: None)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == files


def test_a_device_torch_cannot_use_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from propscan.errors import DataError
    from propscan.train import train

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for device, message in (("cuda", "sees no CUDA GPU"), ("tpu", "not a training device")):
        with pytest.raises(DataError, match=message):
            train(tmp_path / "no-corpus", "train", tmp_path / "m", device=device, log=lambda *_: None)
    assert not (tmp_path / "m").exists()


def test_layers_keeps_the_bottom_layers_of_the_encoder(tmp_path: Path) -> None:
    import onnx

    from propscan import Detector
    from propscan.train import train

    corpus = _corpus(tmp_path / "corpus")
    options = {"epochs": 1, "max_tokens": 64, "train_overlap": 16, "calibration_folds": 0}
    out = train(corpus, "train", tmp_path / "model", layers=2, log=lambda *_: None, **options)
    names = {node.name for node in onnx.load(str(out / "model.onnx")).graph.node}
    layers = {int(n.split("/layer.")[1].split("/")[0]) for n in names if "/layer." in n}
    assert layers == {0, 1}
    assert json.loads((out / "config.json").read_text("utf-8"))["train"]["layers"] == 2
    card = (out / "MODEL_CARD.md").read_text("utf-8")
    assert "bottom 2 of the base encoder's 6 layers" in card and "--layers 2" in card
    assert "--seed 13 --epochs 1 " in card  # the command reproduces a run with other than the recipe's epochs
    Detector.load(out).analyze("Only traitors would vote for this corrupt plan.")


def test_the_card_names_the_recipe_of_a_run_with_fewer_layers() -> None:
    from propscan.train.card import recipe_of
    from propscan.train.config import RECIPES, TrainConfig

    accurate = {**RECIPES["accurate"], "layers": 9, "fp32_ffn_layers": (6, 7, 8)}
    assert recipe_of(TrainConfig(**accurate)) == "accurate"  # --layers 9 dropped fp32 layers 9 and 10
    assert recipe_of(TrainConfig(**{**accurate, "lora_rank": 0})) == "fast"  # not the accurate recipe


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"layers": 7}, "has 6 layers; keep 1 to 6"),
        ({"layers": -1}, "has 6 layers"),
        ({"layers": 3, "frozen_layers": 3}, "freeze fewer than 3"),
        ({"layers": 4, "fp32_ffn_layers": (3, 5)}, r"\[5\] are not among the 4 kept layers"),
        ({"fp32_ffn_layers": (6,)}, r"\[6\] are not among the 6 kept layers"),
    ],
)
def test_layer_settings_that_do_not_fit_the_encoder_are_refused_before_any_work(
    tmp_path: Path, options: dict, message: str
) -> None:
    from propscan.errors import DataError
    from propscan.train import train

    with pytest.raises(DataError, match=message):
        train(tmp_path / "no-corpus", "train", tmp_path / "m", log=lambda *_: None, **options)
    assert not (tmp_path / "m").exists()


def test_token_targets_mix_the_gold_labels_with_the_teachers_character_probabilities() -> None:
    import numpy as np

    from propscan import LABELS, Document, Span
    from propscan.engine.windows import load_tokenizer
    from propscan.train.base import base_dir
    from propscan.train.data import IGNORE, build_examples

    tok = load_tokenizer(str(base_dir("minilm") / "tokenizer.json"))
    text = "The corrupt mayor lied."
    start = text.index("corrupt")
    doc = Document(text, [Span(start, start + 7, "Loaded_Language")])
    chars = np.full((len(text), 1 + len(LABELS)), 0.2, dtype=np.float32)
    chars[start : start + 7] = 0.6
    ids = tok.token_to_id
    (plain,) = build_examples([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"))
    (mixed,) = build_examples([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"), None, 0.0, [chars], 0.25)
    assert (mixed.token_targets[[0, -1]] == IGNORE).all()
    gold = plain.token_targets[1:-1]
    loaded = 1 + LABELS.index("Loaded_Language")
    assert gold[:, 0].sum() > 0 and (gold[:, 0] == gold[:, loaded]).all()
    teacher = np.where(gold[:, :1] == 1, 0.6, 0.2)  # (N, 1): the teacher's value on each token's chars
    np.testing.assert_allclose(mixed.token_targets[1:-1], 0.75 * gold + 0.25 * teacher, rtol=1e-6)
    with pytest.raises(ValueError, match="char_teacher"):
        build_examples([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"), None, 0.0, [chars[1:]], 0.25)


def test_span_jitter_adds_copies_of_each_span_with_moved_ends_and_the_same_targets() -> None:
    import random

    import numpy as np

    from propscan import Document, Span
    from propscan.engine.windows import load_tokenizer
    from propscan.train.base import base_dir
    from propscan.train.data import _jittered, build_examples

    tok = load_tokenizer(str(base_dir("minilm") / "tokenizer.json"))
    text = "They say the corrupt mayor lied again and again to all of us, every single day."
    start = text.index("corrupt mayor")
    doc = Document(text, [Span(start, start + 13, "Name_Calling,Labeling")])
    ids = tok.token_to_id
    (plain,) = build_examples([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"))
    args = ([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"), None, 0.0, None, 0.0)
    (jit,) = build_examples(*args, span_jitter=8, jitter_copies=3, seed=5)
    (again,) = build_examples(*args, span_jitter=8, jitter_copies=3, seed=5)
    assert len(plain.span_masks) == 1 and len(jit.span_masks) == 4
    np.testing.assert_array_equal(jit.token_targets, plain.token_targets)  # the token task is untouched
    np.testing.assert_array_equal(jit.span_masks[0], plain.span_masks[0])  # the gold view comes first
    assert all((t == plain.span_targets[0]).all() for t in jit.span_targets)
    assert any((m != plain.span_masks[0]).any() for m in jit.span_masks[1:])  # the copies moved
    for a, b in zip(jit.span_masks, again.span_masks, strict=True):  # the same seed, the same copies
        np.testing.assert_array_equal(a, b)
    rng = random.Random(0)
    for _ in range(200):  # ends stay inside the text, spans at least one character long
        for s, e in _jittered((1, 3), 6, 5, 2, rng):
            assert 0 <= s < e <= 6
    assert _jittered((1, 3), 6, 0, 2, rng) == []


def test_jitter_teacher_trains_moved_copies_on_the_teachers_distribution_for_them() -> None:
    import numpy as np

    from propscan import Document, Span
    from propscan.engine.windows import load_tokenizer
    from propscan.train.base import base_dir
    from propscan.train.data import build_examples, jitter_views

    tok = load_tokenizer(str(base_dir("minilm") / "tokenizer.json"))
    text = "They say the corrupt mayor lied again and again to all of us, every single day."
    start = text.index("corrupt mayor")
    gold = (start, start + 13)
    doc = Document(text, [Span(*gold, "Name_Calling,Labeling")])
    views = jitter_views(doc, 8, 3, seed=5)
    assert views == jitter_views(doc, 8, 3, seed=5) and views[gold][0] == gold and len(views[gold]) == 4
    copies = views[gold][1:]
    labelled = next(c for c in copies if c != gold)  # the teacher labelled one moved copy only
    uniform = np.full(14, 1 / 14, dtype=np.float32)
    fear = np.eye(14, dtype=np.float32)[5]
    teacher = [{gold: uniform, labelled: fear}]
    ids = tok.token_to_id
    args = ([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"), teacher, 0.5, None, 0.0)
    (ex,) = build_examples(*args, span_jitter=8, jitter_copies=3, seed=5, jitter_teacher=True)
    (off,) = build_examples(*args, span_jitter=8, jitter_copies=3, seed=5)
    mixed = 0.5 * np.eye(14, dtype=np.float32)[1] + 0.5 * uniform  # gold Name_Calling with the teacher
    np.testing.assert_allclose(ex.span_targets[0], mixed)
    for (s, e), target, target_off in zip(views[gold], ex.span_targets, off.span_targets, strict=True):
        np.testing.assert_allclose(target_off, mixed)  # without the flag every copy keeps the span's
        np.testing.assert_allclose(target, fear if (s, e) == labelled else mixed)


def test_jitter_teacher_needs_a_teacher_and_span_jitter(tmp_path: Path) -> None:
    from propscan.errors import DataError
    from propscan.train import train

    with pytest.raises(DataError, match="--span-jitter N and --teacher MODEL"):
        train(tmp_path, "train", tmp_path / "out", jitter_teacher=True, span_jitter=8)


@pytest.mark.parametrize("option", ["teacher_weight", "token_teacher_weight"])
def test_teacher_shares_outside_zero_to_one_are_refused_before_any_work(tmp_path: Path, option: str) -> None:
    from propscan.errors import DataError
    from propscan.train import train

    with pytest.raises(DataError, match=f"{option} is a share of the targets between 0 and 1"):
        train(tmp_path, "train", tmp_path / "out", teacher="fast", **{option: 1.2})
    assert not (tmp_path / "out").exists()


def test_distillation_trains_on_unlabelled_articles_labelled_by_the_teacher(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    from propscan import Detector
    from propscan.errors import DataError
    from propscan.train import train

    corpus = _corpus(tmp_path / "corpus")
    unlabelled = tmp_path / "unlabelled"
    unlabelled.mkdir()
    for n in range(2):
        (unlabelled / f"u{n}.txt").write_text("They said the plan is evil and corrupt.\n" * (n + 2), "utf-8")
    lines: list[str] = []
    options = {"epochs": 1, "max_tokens": 64, "train_overlap": 16}  # 2 calibration folds by default
    out = train(
        corpus,
        "train",
        tmp_path / "student",
        teacher=str(tiny_model_dir),
        unlabelled=str(unlabelled),
        noisy_copies=1,
        log=lambda *a: lines.append(" ".join(map(str, a))),
        **options,
    )
    assert any("3 articles + 2 unlabelled + 3 noisy copies ->" in line for line in lines), lines
    assert any(line.startswith("teacher ") and "5 unlabelled" in line for line in lines), lines
    config = json.loads((out / "config.json").read_text("utf-8"))
    assert config["train"]["teacher"] == str(tiny_model_dir) and config["train"]["unlabelled"] == str(
        unlabelled
    )
    # the teacher saw every fold, so no fold models: the raw scores and their val ECE
    assert any("not fold-calibrated" in line for line in lines) and "calibration" not in config
    assert not any(line.startswith("calibration fold") for line in lines)
    card = (out / "MODEL_CARD.md").read_text("utf-8")
    assert "--teacher TEACHER_MODEL --unlabelled UNLABELLED_DIR --noisy-copies 1" in card
    assert "1 noisy copy of each training article" in card
    assert f"Distilled from the model `{tiny_model_dir}`" in card and f"`{unlabelled}`" in card
    Detector.load(out).analyze("Only traitors would vote for this corrupt plan.")
    with pytest.raises(DataError, match="need a teacher"):
        train(corpus, "train", tmp_path / "x", unlabelled=str(unlabelled), **options)
    with pytest.raises(DataError, match="noisy copies of the articles need a teacher"):
        train(corpus, "train", tmp_path / "x", noisy_copies=2, **options)
    with pytest.raises(DataError, match="0 or more"):
        train(corpus, "train", tmp_path / "x", teacher=str(tiny_model_dir), noisy_copies=-1, **options)
    assert not (tmp_path / "x").exists()
    with pytest.raises(DataError, match=r"no \.txt articles"):
        train(
            corpus, "train", tmp_path / "x", teacher=str(tiny_model_dir), unlabelled=str(tmp_path), **options
        )


def test_every_function_level_import_of_training_is_loaded_before_the_work_starts() -> None:
    import ast
    import sys

    import propscan.train.late as loop

    root = Path(loop.__file__).parent
    found = set()
    engine = root.parent / "engine"
    for path in [*root.glob("*.py"), engine / "detector.py", engine / "model.py", engine / "scorer.py"]:
        package = f"propscan.{path.parent.name}"
        tree = ast.parse(path.read_text("utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom):
                    base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                    name = ".".join(x for x in (base, node.module) if x)
                    # "from onnx import helper" loads onnx.helper when helper is a module
                    modules = [f"{name}.{a.name}" for a in node.names]
                    found.add(name)
                    found |= {m for m in modules if m in loop.LATE_MODULES}
    found -= {"importlib", "typing", "__future__"}
    assert found <= set(loop.LATE_MODULES), sorted(found - set(loop.LATE_MODULES))
    loop.load_late_modules()
    assert all(name in sys.modules for name in loop.LATE_MODULES)


def test_length_buckets_batch_every_window_once_and_pad_short_ones_less() -> None:
    import random

    import numpy as np

    from propscan.train.data import Example, batches

    sizes = [10, 200, 12, 250, 30, 256, 8, 100] * 20
    examples = [
        Example(np.full(n, i, np.int64), np.zeros((n, 15), np.float32), [], [], [], [])
        for i, n in enumerate(sizes)
    ]

    def run(buckets: int) -> tuple[list[int], int]:
        seen, padded = [], 0
        for ids, _mask, _tok, _spans in batches(examples, 16, -1, random.Random(0), buckets):
            seen += [int(row[0]) for row in ids]
            padded += ids.shape[0] * ids.shape[1]
        return sorted(seen), padded

    plain, bucketed = run(0), run(20)
    assert plain[0] == bucketed[0] == list(range(len(sizes)))  # every window exactly once
    assert bucketed[1] < plain[1] / 1.5


def test_class_weights_favour_rare_techniques_and_average_one_per_span() -> None:
    import numpy as np

    from propscan.train.data import Example
    from propscan.train.fit import class_weights

    one_hot = np.eye(14, dtype=np.float32)
    targets = [one_hot[0]] * 8 + [one_hot[5]] * 2
    example = Example(np.zeros(3, np.int64), np.zeros((3, 15), np.float32), [], [], [], targets)
    weights = class_weights([example], 0.5).numpy()
    assert weights[5] == pytest.approx(2 * weights[0])  # 4x rarer, square-root balancing
    assert (8 * weights[0] + 2 * weights[5]) / 10 == pytest.approx(1.0)
    assert class_weights([example], 0.0).tolist() == [1.0] * 14


def test_span_only_texts_train_the_span_head_and_leave_the_token_heads_alone() -> None:
    import torch

    from propscan import Document, Span
    from propscan.engine.windows import load_tokenizer
    from propscan.train.base import base_dir
    from propscan.train.config import TrainConfig
    from propscan.train.data import IGNORE, build_examples
    from propscan.train.fit import loss_of

    tok = load_tokenizer(str(base_dir("minilm") / "tokenizer.json"))
    text = "Either we ban cars or the planet burns"
    doc = Document(text, [Span(0, len(text), "Black-and-White_Fallacy")])
    ids = tok.token_to_id
    (plain,) = build_examples([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"))
    (only,) = build_examples([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"), token_targets=False)
    assert (plain.token_targets[1:-1, 0] == 1).all() and (only.token_targets == IGNORE).all()
    assert len(only.span_targets) == 1 and (only.span_targets[0] == plain.span_targets[0]).all()
    logits = torch.randn(1, len(only.ids), 15, requires_grad=True)
    loss = loss_of(logits, torch.from_numpy(only.token_targets)[None], TrainConfig())
    loss.backward()  # a batch of span-only windows: a zero token loss that still backpropagates
    assert loss.item() == 0.0 and logits.grad is not None and not logits.grad.any()
    assert loss_of(logits, torch.from_numpy(plain.token_targets)[None], TrainConfig()).item() > 0
    (tokens,) = build_examples([doc], tok, 64, 16, ids("[CLS]"), ids("[SEP]"), span_examples=False)
    assert (tokens.token_targets == plain.token_targets).all()  # crops: the token heads alone
    assert tokens.span_masks == [] and tokens.span_targets == [] and tokens.span_feats == []


def test_the_card_names_every_extra_training_source_with_its_terms() -> None:
    from propscan.train.card import _extra_sources
    from propscan.train.config import TrainConfig

    assert _extra_sources(TrainConfig()) == []
    lines = _extra_sources(
        TrainConfig(crops=0.25, semeval2021="memes", logic_fallacies="logic", logic_fallacies_cap=50)
    )
    assert len(lines) == 3 and "25% of lines" in lines[0]
    assert "SemEval-2021 Task 6" in lines[1] and "free for general research use" in lines[1]
    assert "up to 50 sentences" in lines[2] and "no licence file" in lines[2]


def test_prepare_adds_the_fallacy_sentences_as_span_only_windows_in_every_fold(tmp_path: Path) -> None:
    import numpy as np

    from propscan import LABELS
    from propscan.train.config import TrainConfig
    from propscan.train.data import IGNORE
    from propscan.train.prepare import prepare

    logic = tmp_path / "logic"
    logic.mkdir()
    for split in ("train", "dev", "test"):
        for name, column in (("climate", "logical_fallacies"), ("edu", "updated_label")):
            rows = f",source_article,{column}\n0,Either we ban cars or the planet burns.,false dilemma\n"
            (logic / f"{name}_{split}.csv").write_text(rows, "utf-8")
    cfg = TrainConfig(logic_fallacies=str(logic), logic_fallacies_cap=2)
    data = prepare(cfg, _corpus(tmp_path / "ptc"), "train", lambda _m: None)
    assert len(data.extra) == 2  # the cap: two of the six identical sentences
    for example in data.extra:
        assert (example.token_targets == IGNORE).all() and len(example.span_targets) == 1
        assert np.argmax(example.span_targets[0]) == LABELS.index("Black-and-White_Fallacy")
    assert all((e.token_targets[1:-1, 0] != IGNORE).all() for group in data.per_doc for e in group)


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "native"), [(True, False, True), (False, True, True), (False, False, False)]
)
def test_training_runs_in_bf16_only_where_the_cpu_has_it_and_says_when_it_falls_back(
    monkeypatch: pytest.MonkeyPatch, avx512_bf16: bool, amx: bool, native: bool
) -> None:
    import torch

    from propscan.train.precision import bf16_pays

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    lines: list[str] = []
    assert bf16_pays(torch.device("cpu"), lines.append) is native
    assert lines == ([] if native else [lines[0]])
    assert native or ("training in fp32" in lines[0] and "AVX-512 BF16 or AMX" in lines[0])


def test_weight_bits_other_than_7_or_8_are_refused_before_any_work(tmp_path: Path) -> None:
    from propscan.errors import DataError
    from propscan.train import train

    with pytest.raises(DataError, match="weight_bits is 7 or 8"):
        train(_corpus(tmp_path / "corpus"), "train", tmp_path / "x", weight_bits=6, log=lambda *_: None)
    assert not (tmp_path / "x").exists()
