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


def _corpus(root: Path) -> Path:
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
    (root / "splits.json").write_text(json.dumps({"train": ids[:3], "val": ids[3:]}), "utf-8")
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
    assert "Measured scores" in card
    # scores are calibrated on held-out folds of train, and the calibration is measured on val
    assert config["calibration_fit"]["folds"] == 2 and config["calibration_fit"]["spans"] > 0
    assert config["calibration"]["y"] == sorted(config["calibration"]["y"])
    assert 0 <= report["ece"] <= 1 and "ece_uncalibrated" in report
    assert (out / "reliability.svg").read_text("utf-8").startswith("<svg")

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
