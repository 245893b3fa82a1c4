"""Calibration: which predicted spans count as right, the isotonic fit, ECE, and the detector
applying the map from a model's config."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from propscan.document import Document, Span
from propscan.engine.calibration import Calibrator, PlattMap
from propscan.errors import ModelError
from propscan.evaluation.calibrate import (
    ece,
    fit_isotonic,
    fit_platt,
    reliability,
    reliability_svg,
    span_hits,
)


def test_a_span_is_right_when_a_gold_span_of_its_technique_overlaps_it() -> None:
    text = "They are corrupt traitors and liars."
    gold = Document(text, [Span(9, 25, "Name_Calling,Labeling"), Span(30, 35, "Loaded_Language")])
    predicted = Document(
        text,
        [
            Span(17, 25, "Name_Calling,Labeling", 0.9),  # overlaps, same technique
            Span(17, 25, "Loaded_Language", 0.4),  # overlaps, other technique
            Span(0, 4, "Loaded_Language", 0.2),  # overlaps nothing
            Span(26, 31, "Loaded_Language", 0.7),  # touches "liars" by one character
        ],
    )
    assert sorted(span_hits(predicted, gold)) == [(0.2, False), (0.4, False), (0.7, True), (0.9, True)]


def test_isotonic_fit_is_monotone_and_averages_violations() -> None:
    x, y = fit_isotonic([0.1, 0.2, 0.3, 0.4], [True, False, False, True])
    assert y == sorted(y)
    cal = Calibrator(tuple(x), tuple(y))
    # the first three pool into one block of mean 1/3, the last stays at 1
    assert cal(0.2) == pytest.approx(1 / 3, abs=1e-6)
    assert cal(0.4) == pytest.approx(1.0)
    assert cal(0.0) == pytest.approx(1 / 3, abs=1e-6)  # flat beyond the fitted range
    with pytest.raises(ValueError):
        fit_isotonic([], [])


def test_platt_fit_recovers_a_known_logistic_map_and_stays_finite_on_one_sided_data() -> None:
    rng = np.random.default_rng(1)
    scores = rng.uniform(0.02, 0.98, 40000)
    truth = PlattMap(1.5, 0.7)  # the true chance of being right for each raw score
    hits = rng.uniform(0, 1, scores.size) < truth(scores)
    a, b = fit_platt(scores, hits)
    assert a == pytest.approx(1.5, abs=0.05) and b == pytest.approx(0.7, abs=0.05)
    assert ece(PlattMap(a, b)(scores), hits) < 0.02 < ece(scores, hits)
    a, b = fit_platt([0.2, 0.5, 0.9], [True, True, True])  # all right: the prior keeps it finite
    assert np.isfinite([a, b]).all() and PlattMap(a, b)(0.5) > 0.5
    with pytest.raises(ValueError):
        fit_platt([], [])


def test_a_stored_map_loads_by_its_method_and_a_bad_one_is_refused_clearly() -> None:
    assert Calibrator.from_json(None) is None
    platt = Calibrator.from_json(PlattMap(1.0, 0.5).to_json())
    assert isinstance(platt, PlattMap) and platt(0.5) == pytest.approx(1 / (1 + np.exp(-0.5)))
    iso = Calibrator.from_json({"x": [0.0, 1.0], "y": [0.2, 0.4]})  # configs from before "method"
    assert isinstance(iso, Calibrator) and iso(0.5) == pytest.approx(0.3)
    with pytest.raises(ModelError, match="'spline' is unknown"):
        Calibrator.from_json({"method": "spline", "knots": []})
    with pytest.raises(ModelError, match="malformed"):
        Calibrator.from_json({"method": "platt", "a": 1.0})


def test_ece_is_zero_when_scores_match_the_hit_rate_and_large_when_not() -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(0, 1, 20000)
    hits = rng.uniform(0, 1, 20000) < scores
    assert ece(scores, hits) < 0.02
    assert ece(np.full(1000, 0.9), np.zeros(1000, bool)) == pytest.approx(0.9)
    rows = reliability([0.05, 0.95, 0.96], [False, True, False])
    assert [(r["n"], round(r["accuracy"], 2)) for r in rows] == [(1, 0.0), (2, 0.5)]
    assert reliability_svg(rows, "val <1>").startswith("<svg") and "val &lt;1&gt;" in reliability_svg(
        rows, "val <1>"
    )


def test_detector_reports_calibrated_scores_from_the_model_config(tmp_path: Path) -> None:
    from propscan import Detector
    from propscan.hub.checksums import write_checksums
    from tiny_model import build

    directory = build(tmp_path / "tiny")
    text = "They are evil traitors . The plan is said ."
    raw = Detector.load(directory).analyze(text)
    config = json.loads((directory / "config.json").read_text("utf-8"))
    config["calibration"] = {"method": "isotonic", "x": [0.0, 1.0], "y": [0.25, 0.25]}
    (directory / "config.json").write_text(json.dumps(config), "utf-8")
    write_checksums(directory)
    det = Detector.load(directory)
    calibrated = det.analyze(text)
    assert [(s.start, s.end, s.technique) for s in calibrated.spans] == [
        (s.start, s.end, s.technique) for s in raw.spans
    ]
    assert raw.spans and all(s.score == 0.25 for s in calibrated.spans)
    det.config = replace(det.config, calibration=None)  # swapping the config drops the map with it
    assert det.analyze(text).spans == raw.spans
