"""`propscan evaluate --folds K`: fold models trained on the other folds, resumable, reported.
Needs the `train` extra (a tiny MiniLM run on the invented corpus of test_train)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from propscan.errors import DataError
from test_train import _corpus

pytestmark = pytest.mark.slow
TINY = {"epochs": 1, "max_tokens": 64, "train_overlap": 16, "layers": 1}


def test_cross_validation_trains_a_model_per_fold_and_resumes(tmp_path: Path) -> None:
    from propscan.train import cross_validate

    corpus, out, lines = _corpus(tmp_path / "corpus"), tmp_path / "cv", []
    report = cross_validate(corpus, 2, out, log=lines.append, **TINY)
    assert sorted(p.name for p in out.iterdir()) == [
        "cv_options.json",
        "cv_report.json",
        "fold0",
        "fold1",
        "oof.jsonl",
    ]
    for i in (0, 1):
        config = json.loads((out / f"fold{i}" / "config.json").read_text("utf-8"))
        assert config["train"]["split"] == f"not-fold-{i}/2"  # never its own fold's articles
    oof = [json.loads(line) for line in (out / "oof.jsonl").read_text("utf-8").splitlines()]
    assert sorted(row["id"] for row in oof) == ["100", "101", "102", "103"]  # every article held out once
    assert {row["fold"] for row in oof} == {0, 1}
    assert report["summary"]["si"]["mean"] >= 0 and "sentence_si" in report["summary"]
    assert json.loads((out / "cv_report.json").read_text("utf-8"))["settings"] == report["settings"]
    lines.clear()
    (out / "fold0.ckpt").write_bytes(b"")  # as left by a run stopped just after fold 0 was done
    cross_validate(corpus, 2, out, log=lines.append, **TINY)  # a rerun trains nothing
    assert not (out / "fold0.ckpt").exists()
    assert sum("reusing" in line for line in lines) == 2 and not any("training on" in line for line in lines)
    with pytest.raises(DataError, match="another run"):
        cross_validate(corpus, 2, out, log=lines.append, **{**TINY, "epochs": 2})
    with pytest.raises(DataError, match=r"\{fold\}"):
        cross_validate(corpus, 2, tmp_path / "t", log=lines.append, teacher="fast", **TINY)


def test_a_model_trained_on_all_articles_takes_its_settings_and_figures_from_the_cv(tmp_path: Path) -> None:
    from propscan import Detector
    from propscan.train import cross_validate, train

    corpus, cv = _corpus(tmp_path / "corpus"), tmp_path / "cv"
    report = cross_validate(corpus, 2, cv, log=lambda *_: None, sentences=False, **TINY)
    out = train(corpus, "all", tmp_path / "model", cv=cv, log=lambda *_: None, **TINY)
    config = json.loads((out / "config.json").read_text("utf-8"))
    assert {k: config[k] for k in report["settings"]} == report["settings"]
    assert config["calibration"] == report["calibration"]
    assert (
        config["scores"]["cv"]["si"] == report["summary"]["si"]["mean"]
        and config["scores"]["cv"]["folds"] == 2
    )
    card = (out / "MODEL_CARD.md").read_text("utf-8")
    assert "2-fold cross-validation" in card and "--cv CV_RUN_DIR" in card
    Detector.load(out).analyze("Only traitors would vote for this corrupt plan.")
    with pytest.raises(DataError, match="other training options"):
        train(corpus, "all", tmp_path / "other", cv=cv, log=lambda *_: None, **{**TINY, "seed": 14})
    with pytest.raises(DataError, match="--split all"):
        train(corpus, "train", tmp_path / "other", cv=cv, log=lambda *_: None, **TINY)
    assert not (tmp_path / "other").exists()


def test_a_fold_stopped_after_an_epoch_goes_on_from_its_checkpoint_to_same_weights(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import torch

    from propscan.train.config import TrainConfig
    from propscan.train.fit import fit
    from propscan.train.prepare import prepare

    cfg = TrainConfig(**{**TINY, "epochs": 2})
    data = prepare(cfg, _corpus(tmp_path / "corpus"), "train", lambda _m: None)
    pad, checkpoint = data.special["pad"], tmp_path / "fold0.ckpt"
    # one thread: with several, the math library may split sums differently from one call to the
    # next on a busy machine (seen in fp32 on an AVX2 CPU), and bit-identity is what is tested
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    request.addfinalizer(lambda: torch.set_num_threads(threads))

    def trained(stop: bool, lines: list[str], examples: list | None = None) -> dict[str, torch.Tensor]:
        def log(line: str) -> None:
            lines.append(line)
            if stop and line.startswith("epoch 1/2"):
                raise KeyboardInterrupt  # the session ends after the first epoch

        torch.manual_seed(0)
        net = data.make_net()
        with contextlib.suppress(KeyboardInterrupt):
            fit(net, examples or data.examples, pad, cfg, log, checkpoint)
        return {n: p.detach().clone() for n, p in net.named_parameters() if p.requires_grad}

    whole = trained(False, [])
    checkpoint.unlink()
    trained(True, [])
    lines: list[str] = []
    resumed = trained(False, lines)
    assert lines[0].startswith("resuming after epoch 1") and not any("epoch 1/2" in x for x in lines)
    assert whole.keys() == resumed.keys() and all(torch.equal(whole[n], resumed[n]) for n in whole)
    lines.clear()
    trained(False, lines, data.examples[:-1])  # other data: the checkpoint is not this run's
    assert "training from the start" in lines[0] and any("epoch 1/2" in x for x in lines)
    checkpoint.write_bytes(b"cut short")
    lines.clear()
    trained(False, lines)  # an unreadable checkpoint: said, and training starts over
    assert "not a readable checkpoint" in lines[0] and any("epoch 1/2" in x for x in lines)


def test_crops_epochs_keeps_the_crops_out_of_all_but_the_last_epochs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import propscan.train.fit as loop
    from propscan.train.config import TrainConfig
    from propscan.train.prepare import prepare

    cfg = TrainConfig(**{**TINY, "epochs": 3, "crops": 1.0, "crops_epochs": 1})
    data = prepare(cfg, _corpus(tmp_path / "corpus"), "train", lambda _m: None)
    cropped = sum(e.crop for e in data.examples)
    assert 0 < cropped < len(data.examples)
    seen: list[tuple[int, int]] = []
    batches = loop.batches

    def counted(examples, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((len(examples), sum(e.crop for e in examples)))
        return batches(examples, *args, **kwargs)

    monkeypatch.setattr(loop, "batches", counted)
    loop.fit(data.make_net(), data.examples, data.special["pad"], cfg, lambda _m: None)
    whole = len(data.examples) - cropped
    assert seen == [(whole, 0), (whole, 0), (len(data.examples), cropped)]
