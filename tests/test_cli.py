import builtins
import io
import json
import os
import sys
import types

import pytest
from rich.console import Console
from typer.testing import CliRunner

import propscan.cli
from propscan import __version__
from propscan.cli import app
from propscan.errors import ModelError, install_line
from propscan.techniques import LABELS

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "article111.txt").write_bytes(b"Title\r\n\r\nThey are evil traitors.\n")
    (folder / "article222.txt").write_text("A total disaster.\n", encoding="utf-8")
    return folder


# --- analyze -----------------------------------------------------------------------------------


def test_analyze_json_gives_exact_offsets_and_meta(fake_detector, articles):
    path = articles / "article111.txt"
    result = run("analyze", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    (doc,) = json.loads(result.stdout)
    assert doc["meta"] == {"model": "fake", "id": "111", "source": str(path)}
    spans = [(s["start"], s["end"], s["technique"], s["text"]) for s in doc["spans"]]
    assert spans == [(18, 22, "Loaded_Language", "evil"), (23, 31, "Name_Calling,Labeling", "traitors")]
    assert doc["text"][18:22] == "evil"


def test_analyze_text_format_shows_article_and_summary(fake_detector, articles):
    result = run("analyze", articles / "article111.txt")
    assert result.exit_code == 0, result.stderr
    assert "They are evil traitors." in result.stdout
    assert "Summary" in result.stdout and "Name calling / labeling" in result.stdout


def test_analyze_directory_to_ptc_uses_article_ids(fake_detector, articles):
    result = run("analyze", articles, "--format", "ptc")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "111\tLoaded_Language\t18\t22\n111\tName_Calling,Labeling\t23\t31\n"
        "222\tExaggeration,Minimisation\t8\t16\n"
    )


def test_analyze_reads_stdin_as_jsonl_output(fake_detector):
    result = run("analyze", "-", "--format", "jsonl", input="so evil")
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    doc = json.loads(line)
    assert doc["meta"]["id"] == "stdin" and doc["meta"]["source"] == "<stdin>"
    assert [s["text"] for s in doc["spans"]] == ["evil"]


def test_analyze_jsonl_bad_lines_are_named_and_others_still_written(fake_detector, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"id": "a", "text": "evil"}\nnot json\n{"id": "b"}\n{"text": "fine"}\n', encoding="utf-8"
    )
    result = run("analyze", feed, "--format", "jsonl")
    assert result.exit_code == 1
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["meta"]["id"] for d in docs] == ["a", "feed:4"]
    assert f"{feed}:2" in result.stderr and "not valid JSON" in result.stderr
    assert f"{feed}:3" in result.stderr and "'text'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin1.txt", "café evil".encode("latin-1"), "UTF-8"),
        ("binary.txt", b"\x00\x01evil", "binary"),
        ("missing.txt", None, "no such file"),
    ],
)
def test_analyze_bad_file_is_named_and_others_still_processed(
    fake_detector, articles, tmp_path, name, content, message
):
    bad = tmp_path / name
    if content is not None:
        bad.write_bytes(content)
    result = run("analyze", bad, articles / "article222.txt", "--format", "ptc")
    assert result.exit_code == 1
    assert str(bad) in result.stderr and message in result.stderr
    assert result.stdout == "222\tExaggeration,Minimisation\t8\t16\n"


def test_analyze_blank_text_gives_a_document_without_spans(fake_detector, tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "blank.txt").write_text(" \n\t", encoding="utf-8")
    result = run("analyze", tmp_path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    docs = json.loads(result.stdout)
    assert [(d["meta"]["id"], d["text"], d["spans"]) for d in docs] == [
        ("blank", " \n\t", []),
        ("empty", "", []),
    ]


def test_analyze_passes_min_score_batch_size_and_model(fake_detector, articles):
    args = ["--min-score", "0.85", "--batch-size", "3", "--model", "my-model", "--format", "json"]
    result = run("analyze", articles / "article111.txt", *args)
    assert result.exit_code == 0, result.stderr
    (doc,) = json.loads(result.stdout)
    assert [s["text"] for s in doc["spans"]] == ["evil"]  # traitors (0.8) is below 0.85
    assert fake_detector.settings == [(0.85, None)]
    assert fake_detector.batch_size == 3
    assert fake_detector.loaded == ["my-model"]


def test_analyze_old_threshold_option_is_the_token_threshold_and_says_so(fake_detector, articles):
    result = run("analyze", articles / "article111.txt", "--threshold", "0.85", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert fake_detector.settings == [(None, 0.85)]
    assert "--token-threshold" in result.stderr and "--min-score" in result.stderr
    both = run("analyze", articles, "--threshold", "0.5", "--token-threshold", "0.5")
    assert both.exit_code == 2 and "not both" in both.stderr


@pytest.mark.parametrize("option", ["--min-score", "--token-threshold", "--threshold"])
def test_analyze_rejects_cutoffs_outside_0_1_as_usage_error(fake_detector, articles, option):
    result = run("analyze", articles, option, "1.5")
    assert result.exit_code == 2


def test_analyze_works_in_bounded_chunks_and_keeps_order(fake_detector, tmp_path):
    feed = tmp_path / "many.jsonl"
    feed.write_text("".join(json.dumps({"id": str(i), "text": f"evil {i}"}) + "\n" for i in range(150)))
    result = run("analyze", feed, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert fake_detector.batches == [64, 64, 22]
    assert fake_detector.batch_size == 32  # no --batch-size: the detector's own default
    assert [json.loads(line)["meta"]["id"] for line in result.stdout.splitlines()] == [
        str(i) for i in range(150)
    ]


def test_analyze_progress_goes_to_stderr_and_stdout_stays_clean(fake_detector, tmp_path, monkeypatch):
    bar = io.StringIO()
    monkeypatch.setattr(
        propscan.cli.common, "stderr", lambda: Console(file=bar, force_terminal=True, width=80)
    )
    feed = tmp_path / "many.jsonl"
    feed.write_text("".join(json.dumps({"text": "evil"}) + "\n" for _ in range(20)))
    result = run("analyze", feed, "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 20
    assert fake_detector.progress_calls == [20]


def test_analyze_output_file_is_written_and_stdout_empty(fake_detector, articles, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run("analyze", articles, "--format", "jsonl", "--output", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.parametrize(("error", "code"), [(ModelError("model crashed"), 1), (KeyboardInterrupt(), 130)])
def test_analyze_failure_mid_write_leaves_old_output_untouched(
    fake_detector, tmp_path, monkeypatch, error, code
):
    feed = tmp_path / "many.jsonl"
    feed.write_text("".join(json.dumps({"text": "evil"}) + "\n" for _ in range(100)))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "result.jsonl"
    out.write_text("old results\n", encoding="utf-8")
    analyze_many = fake_detector.analyze_many

    def fail_on_second_chunk(texts, **kwargs):
        if fake_detector.batches:
            raise error
        return analyze_many(texts, **kwargs)

    monkeypatch.setattr(fake_detector, "analyze_many", fail_on_second_chunk)
    result = run("analyze", feed, "--format", "jsonl", "--output", out)
    assert result.exit_code == code
    assert fake_detector.batches == [64]  # the first chunk was written before the failure
    assert out.read_text(encoding="utf-8") == "old results\n"
    assert os.listdir(out_dir) == ["result.jsonl"]
    if isinstance(error, ModelError):
        assert "model crashed" in result.stderr and "Traceback" not in result.stderr


def test_analyze_model_load_error_is_a_clean_message(monkeypatch, articles):
    def broken(model):
        raise ModelError(f"no model named {model!r}")

    monkeypatch.setattr(propscan.cli.common, "load_detector", broken)
    result = run("analyze", articles, "--model", "nope")
    assert result.exit_code == 1
    assert "E-MODEL" in result.stderr and "'nope'" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_analyze_unwritable_output_is_a_clean_error(fake_detector, articles, tmp_path):
    result = run("analyze", articles, "--output", tmp_path / "no" / "such" / "dir.json")
    assert result.exit_code == 1
    assert "cannot access" in result.stderr and "Traceback" not in result.stderr


# --- classify ----------------------------------------------------------------------------------


def test_classify_fills_the_template_in_order_and_names_a_missing_article(fake_detector, articles, tmp_path):
    template = tmp_path / "template.tsv"
    template.write_text("111\t?\t23\t31\n999\t?\t0\t4\n222\t?\t8\t16\n111\t?\t18\t22\n111\t?\t0\t5\n")
    out = tmp_path / "pred.tsv"
    result = run("classify", articles, template, "--output", out)
    assert result.exit_code == 1
    assert "999" in result.stderr and "article999.txt" in result.stderr
    assert out.read_text() == (
        "111\tName_Calling,Labeling\t23\t31\n"
        "222\tExaggeration,Minimisation\t8\t16\n"
        "111\tLoaded_Language\t18\t22\n"
        "111\tDoubt\t0\t5\n"
    )


def test_classify_succeeds_with_exit_0(fake_detector, articles, tmp_path):
    template = tmp_path / "template.tsv"
    template.write_text("222\t?\t8\t16\n")
    out = tmp_path / "pred.tsv"
    result = run("classify", articles, template, "--output", out, "--model", "m")
    assert result.exit_code == 0, result.stderr
    assert out.read_text() == "222\tExaggeration,Minimisation\t8\t16\n"
    assert fake_detector.loaded == ["m"]


def test_classify_span_outside_article_is_reported_and_others_kept(fake_detector, articles, tmp_path):
    template = tmp_path / "template.tsv"
    template.write_text("222\t?\t8\t999\n111\t?\t18\t22\n")
    out = tmp_path / "pred.tsv"
    result = run("classify", articles, template, "--output", out)
    assert result.exit_code == 1
    assert "article 222" in result.stderr
    assert out.read_text() == "111\tLoaded_Language\t18\t22\n"


def test_classify_malformed_template_is_a_usage_error(fake_detector, articles, tmp_path):
    template = tmp_path / "template.tsv"
    template.write_text("111\t?\tstart\tend\n")
    out = tmp_path / "pred.tsv"
    result = run("classify", articles, template, "--output", out)
    assert result.exit_code == 2
    assert str(template) in result.stderr
    assert not out.exists()


# --- evaluate ----------------------------------------------------------------------------------

REPORT = {
    "si": {"precision": 0.5, "recall": 0.25, "f1": 0.3333},
    "tc": 0.6207,
    "flc": {"precision": 0.125, "recall": 0.0625, "f1": 0.0833},
    "per_technique": {
        "Loaded_Language": {
            "tc": {"precision": 0.5, "recall": 0.5, "f1": 0.4444},
            "flc": {"precision": 0.1, "recall": 0.1, "f1": 0.1111},
        }
    },
}


@pytest.fixture
def fake_evaluate(monkeypatch):
    calls = []

    class Report:
        def to_dict(self):
            return REPORT

    def evaluate(detector, data_dir, split, progress=None):
        calls.append((detector, data_dir, split))
        return Report()

    module = types.ModuleType("propscan.evaluation.evaluate")
    module.evaluate = evaluate
    monkeypatch.setitem(sys.modules, "propscan.evaluation.evaluate", module)
    return calls


def test_evaluate_prints_scores_and_per_technique_table(fake_detector, fake_evaluate, tmp_path):
    result = run("evaluate", "--data", tmp_path, "--split", "val", "--model", "m")
    assert result.exit_code == 0, result.stderr
    assert fake_evaluate == [(fake_detector, tmp_path, "val")]
    for shown in ("SI", "TC", "FLC", "0.3333", "0.6207", "0.0833", "Loaded_Language", "0.4444", "0.1111"):
        assert shown in result.stdout
    assert "TC F1" in result.stdout and "FLC F1" in result.stdout


def test_evaluate_end_to_end_on_a_tiny_corpus(fake_detector, tmp_path):
    (tmp_path / "train-articles").mkdir()
    (tmp_path / "train-articles" / "article1.txt").write_text("They are evil traitors.\n", encoding="utf-8")
    (tmp_path / "train-articles" / "article2.txt").write_text("A total disaster.\n", encoding="utf-8")
    (tmp_path / "train-task-tc.labels").write_text(
        "1\tLoaded_Language\t9\t13\n1\tName_Calling,Labeling\t14\t22\n2\tLoaded_Language\t8\t16\n",
        encoding="utf-8",
    )
    (tmp_path / "splits.json").write_text(json.dumps({"train": [], "val": ["1", "2"]}), encoding="utf-8")
    result = run("evaluate", "--data", tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["si"]["f1"] == pytest.approx(1.0)  # every predicted span sits on a gold span
    assert report["tc"] == pytest.approx(2 / 3)  # "disaster" is classified as exaggeration
    assert report["flc"]["precision"] == pytest.approx(2 / 3)
    table = run("evaluate", "--data", tmp_path)
    assert table.exit_code == 0 and "0.6667" in table.stdout


def test_evaluate_json_prints_the_report_dict(fake_detector, fake_evaluate, tmp_path):
    result = run("evaluate", "--data", tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == REPORT
    assert fake_evaluate[0][2] == "val"


def test_evaluate_data_error_exits_2(fake_detector, monkeypatch, tmp_path):
    from propscan.errors import DataError

    def evaluate(detector, data_dir, split, progress=None):
        raise DataError(f"split file {data_dir}/splits.json does not exist")

    module = types.ModuleType("propscan.evaluation.evaluate")
    module.evaluate = evaluate
    monkeypatch.setitem(sys.modules, "propscan.evaluation.evaluate", module)
    result = run("evaluate", "--data", tmp_path)
    assert result.exit_code == 2
    assert "splits.json" in result.stderr


# --- train -------------------------------------------------------------------------------------


def test_train_without_torch_names_the_install_line(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_torch(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "torch" or (level == 1 and name == "train"):
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    result = run("train", "--data", tmp_path, "--output", tmp_path / "model")
    assert result.exit_code == 1
    # the line that works for how propscan was installed (here: from a clone), not a package index's
    assert install_line("train") in result.stderr.replace("\n", "")
    assert "pip install" in install_line("train") and "[train]" in install_line("train")
    assert "Traceback" not in result.stderr


def test_calibrate_passes_its_method_and_refuses_two(monkeypatch, tmp_path):
    calls = []
    module = types.ModuleType("propscan.train")
    module.calibrate = lambda model, data, **options: calls.append((model, data, options))
    monkeypatch.setitem(sys.modules, "propscan.train", module)
    model = tmp_path / "m"
    result = run("calibrate", model, "--data", tmp_path, "--on-val")
    assert result.exit_code == 0, result.stderr
    assert calls == [(model, tmp_path, {"folds": None, "on_val": True})]
    result = run("calibrate", model, "--data", tmp_path, "--folds", "3")
    assert result.exit_code == 0, result.stderr
    assert calls[-1] == (model, tmp_path, {"folds": 3, "on_val": None})  # None: the recipe's own choice
    for bad in (["--on-val", "--folds", "2"], ["--folds", "1"]):
        result = run("calibrate", model, "--data", tmp_path, *bad)
        assert result.exit_code == 2 and len(calls) == 2
    both = run("calibrate", model, "--data", tmp_path, "--on-val", "--folds", "2")
    assert "give one of them" in both.stderr


def test_calibrate_names_a_directory_that_is_not_a_trained_model(tmp_path):
    pytest.importorskip("torch")
    result = run("calibrate", tmp_path, "--data", tmp_path, "--on-val")
    assert result.exit_code == 2
    assert "is not a model directory trained with --split train" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_train_passes_only_given_options(monkeypatch, tmp_path):
    calls = []
    module = types.ModuleType("propscan.train")
    module.train = lambda data_dir, split, output, **options: calls.append((data_dir, split, output, options))
    module.recipe_options = lambda name: {"base": f"base-of-{name}", "epochs": 9}
    monkeypatch.setitem(sys.modules, "propscan.train", module)
    result = run("train", "--data", tmp_path, "--split", "all", "--output", tmp_path / "m", "--epochs", "3")
    assert result.exit_code == 0, result.stderr
    assert calls == [(tmp_path, "all", tmp_path / "m", {"base": "base-of-fast", "epochs": 3})]
    result = run("train", "--data", tmp_path, "--recipe", "accurate", "--output", tmp_path / "a")
    assert result.exit_code == 0, result.stderr
    assert calls[-1] == (tmp_path, "train", tmp_path / "a", {"base": "base-of-accurate", "epochs": 9})
    result = run("train", "--data", tmp_path, "--output", tmp_path / "g", "--device", "cuda")
    assert result.exit_code == 0, result.stderr
    assert calls[-1][3] == {"base": "base-of-fast", "epochs": 9, "device": "cuda"}
    cache = tmp_path / "labels"
    result = run(
        "train", "--data", tmp_path, "--output", tmp_path / "s", "--teacher", "t", "--teacher-cache", cache
    )
    assert result.exit_code == 0, result.stderr
    assert calls[-1][3] == {"base": "base-of-fast", "epochs": 9, "teacher": "t", "teacher_cache": cache}
    result = run("train", "--data", tmp_path, "--output", tmp_path / "l", "--layers", "4")
    assert result.exit_code == 0, result.stderr
    assert calls[-1][3] == {"base": "base-of-fast", "epochs": 9, "layers": 4}
    module.recipe_options = lambda name: {"base": f"base-of-{name}", "fp32_ffn_layers": (6, 7, 8, 9, 10)}
    result = run(
        "train", "--data", tmp_path, "--recipe", "accurate", "--output", tmp_path / "l", "--layers", "9"
    )
    assert result.exit_code == 0, result.stderr
    # the recipe's fp32 layers above the 9 kept ones go with them
    assert calls[-1][3] == {"base": "base-of-accurate", "fp32_ffn_layers": (6, 7, 8), "layers": 9}
    weights = ["--technique-weight", "1", "--span-weight", "0.5", "--span-jitter", "12"]
    result = run("train", "--data", tmp_path, "--output", tmp_path / "w", *weights)
    assert result.exit_code == 0, result.stderr
    assert calls[-1][3] == {
        "base": "base-of-fast",
        "fp32_ffn_layers": (6, 7, 8, 9, 10),
        "technique_weight": 1.0,
        "span_weight": 0.5,
        "span_jitter": 12,
    }
    jitter = ["--span-jitter", "12", "--jitter-teacher", "--teacher", "fast"]
    result = run("train", "--data", tmp_path, "--output", tmp_path / "j", *jitter)
    assert result.exit_code == 0, result.stderr
    assert calls[-1][3]["jitter_teacher"] is True and calls[-1][3]["teacher"] == "fast"
    weighted = ["--data", tmp_path, "--output", tmp_path / "t", "--teacher", "fast", "--teacher-weight"]
    result = run("train", *weighted, "0.8")
    assert result.exit_code == 0, result.stderr
    assert calls[-1][3]["teacher_weight"] == 0.8 and calls[-1][3]["teacher"] == "fast"
    result = run(
        "train", "--data", tmp_path, "--output", tmp_path / "t", "--teacher", "fast", "--noisy-copies", "2"
    )
    assert result.exit_code == 0, result.stderr
    assert calls[-1][3]["noisy_copies"] == 2 and calls[-1][3]["teacher"] == "fast"
    n = len(calls)
    for lone in (["--teacher-weight", "0.8"], ["--noisy-copies", "1"]):
        result = run("train", "--data", tmp_path, "--output", tmp_path / "t", *lone)
        assert result.exit_code == 2 and "give --teacher MODEL too" in result.stderr
    result = run(
        "train", "--data", tmp_path, "--output", tmp_path / "t", "--teacher", "fast", "--noisy-copies", "-1"
    )
    assert result.exit_code == 2
    result = run("train", *weighted, "1.5")
    assert result.exit_code == 2
    for partial in (jitter[:3], jitter[2:]):  # without --teacher, without --span-jitter
        result = run("train", "--data", tmp_path, "--output", tmp_path / "j", *partial)
        assert result.exit_code == 2 and "give --span-jitter N and --teacher MODEL" in result.stderr
    assert len(calls) == n
    for bad in (["--technique-weight", "-1"], ["--span-jitter", "-3"]):
        result = run("train", "--data", tmp_path, "--output", tmp_path / "w", *bad)
        assert result.exit_code == 2 and len(calls) == n
    result = run("train", "--data", tmp_path, "--output", tmp_path / "l", "--layers", "0")
    assert result.exit_code == 2 and len(calls) == n
    result = run("train", "--data", tmp_path, "--output", tmp_path / "s", "--teacher-cache", cache)
    assert result.exit_code == 2 and "give --teacher MODEL too" in result.stderr and len(calls) == n


def test_train_rejects_unknown_split(tmp_path):
    result = run("train", "--data", tmp_path, "--split", "val", "--output", tmp_path / "m")
    assert result.exit_code == 2


# --- techniques, version -----------------------------------------------------------------------


def test_techniques_json_lists_all_14_with_their_fields():
    result = run("techniques", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["label"] for r in rows] == list(LABELS)
    assert set(rows[0]) == {"label", "name", "definition", "example", "color"}


def test_techniques_table_shows_every_label():
    result = run("techniques")
    assert result.exit_code == 0
    for label in LABELS:
        assert label in result.stdout


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"propscan {__version__}"
