import json
from pathlib import Path

import pytest

from propscan.document import Document, Span
from propscan.engine.calibration import PlattMap
from propscan.errors import ModelError
from propscan.evaluation.calibrate import ece, fit_platt
from propscan.evaluation.evaluate import evaluate

LL, NC, DOUBT, SLOGANS = "Loaded_Language", "Name_Calling,Labeling", "Doubt", "Slogans"
TEXT_1 = "They are traitors and liars.\n"  # traitors = [9, 17), liars = [22, 27)
TEXT_2 = "Make it great again.\n"  # [0, 19) = "Make it great again"
GOLD = f"1\t{NC}\t9\t17\n1\t{LL}\t9\t17\n1\t{LL}\t22\t27\n2\t{SLOGANS}\t0\t19\n"


class FakeDetector:
    """Answers fixed spans and labels per text and records what evaluate() asked of it."""

    def __init__(self, spans: dict[str, list[Span]], labels: dict[str, list[str]]) -> None:
        self.spans, self.labels = spans, labels
        self.classified: list[list[tuple[int, int]]] = []

    def analyze_many(self, texts, *, progress=None):
        docs = []
        for text in texts:
            docs.append(Document(text, self.spans[text]))
            if progress is not None:
                progress(1)
        return docs

    def classify(self, text, spans):
        self.classified.append(list(spans))
        return self.labels[text]


def write_corpus(root: Path) -> Path:
    (root / "train-articles").mkdir()
    (root / "train-articles" / "article1.txt").write_text(TEXT_1, encoding="utf-8")
    (root / "train-articles" / "article2.txt").write_text(TEXT_2, encoding="utf-8")
    (root / "train-task-tc.labels").write_text(GOLD, encoding="utf-8")
    (root / "splits.json").write_text(json.dumps({"train": [], "val": ["1", "2"]}), encoding="utf-8")
    return root


def make_detector(labels_1: list[str] | None = None) -> FakeDetector:
    return FakeDetector(
        spans={TEXT_1: [Span(9, 17, NC), Span(22, 27, DOUBT)], TEXT_2: [Span(0, 10, SLOGANS)]},
        labels={TEXT_1: labels_1 or [NC, NC, LL], TEXT_2: [SLOGANS]},
    )


def test_evaluate_scores_si_tc_and_flc(tmp_path):
    detector = make_detector()
    finished = []
    report = evaluate(detector, write_corpus(tmp_path), "val", progress=finished.append)

    assert sum(finished) == 4  # each of the 2 articles: once analyzed, once classified
    # classify gets every gold row's span; [9, 17) twice because it carries two labels
    assert detector.classified == [[(9, 17), (9, 17), (22, 27)], [(0, 19)]]
    assert (report.n_articles, report.n_gold_spans) == (2, 4)

    # SI: P = (8/8 + 5/5 + 10/10) / 3 = 1; R = (1 + 1 + 10/19) / 3 = 16/19; F1 = 32/35
    assert (report.si.precision, report.si.recall, report.si.f1) == pytest.approx((1.0, 16 / 19, 32 / 35))
    # TC: {NC, NC} vs {LL, NC} -> 1, LL -> 1, Slogans -> 1: 3 of 4 gold rows
    assert report.tc == pytest.approx(0.75)
    # FLC: NC 1/1; Doubt has no gold; LL gold unmatched; Slogans P 1, R 10/19.
    # |S| = 3 -> P = 2/3; |T| = 4 -> R = (1 + 10/19) / 4 = 29/76
    p, r = 2 / 3, 29 / 76
    assert (report.flc.precision, report.flc.recall, report.flc.f1) == pytest.approx(
        (p, r, 2 * p * r / (p + r))
    )

    per = report.per_technique
    assert per[NC]["flc"].f1 == pytest.approx(1.0)
    assert per[DOUBT]["flc"].f1 == 0.0
    # TC NC: 1 correct of 2 predicted, 1 gold -> P 0.5, R 1; LL: 1 of 1 predicted, 2 gold -> R 0.5
    assert (per[NC]["tc"].precision, per[NC]["tc"].recall) == pytest.approx((0.5, 1.0))
    assert (per[LL]["tc"].precision, per[LL]["tc"].recall) == pytest.approx((1.0, 0.5))


def test_report_to_dict_is_json_ready(tmp_path):
    report = evaluate(make_detector(), write_corpus(tmp_path))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["tc"] == pytest.approx(0.75)
    assert data["n_articles"] == 2
    assert set(data["si"]) == {"precision", "recall", "f1"}
    assert data["per_technique"][SLOGANS]["flc"]["recall"] == pytest.approx(10 / 19)


def test_classify_returning_too_few_labels_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="2 labels for 3 spans of article 1"):
        evaluate(make_detector([NC, LL]), write_corpus(tmp_path))


def test_calibration_on_val_is_fitted_on_all_spans_and_measured_cross_fitted(tmp_path):
    from propscan.evaluation.calibrate import cross_fitted_calibration

    corpus = write_corpus(tmp_path)
    detector = FakeDetector(
        spans={
            TEXT_1: [Span(9, 17, NC, 0.8), Span(22, 27, DOUBT, 0.3)],  # right, wrong
            TEXT_2: [Span(0, 10, SLOGANS, 0.6)],  # right
        },
        labels={TEXT_1: [NC, NC, LL], TEXT_2: [SLOGANS]},
    )
    raw = evaluate(detector, corpus, "val").to_dict()
    calibration, val = cross_fitted_calibration(detector, corpus, raw)
    # the map shipped is a Platt map fitted on all three spans
    a, b = fit_platt([0.8, 0.3, 0.6], [True, False, True])
    assert calibration["calibration"] == {"method": "platt", "a": a, "b": b}
    assert calibration["calibration_fit"]["spans"] == 3
    assert calibration["calibration_fit"]["method"] == "platt"
    # article 1's spans are scored by the map fitted on article 2 alone, article 2's span by the
    # map fitted on article 1 alone: no span is scored by a map that saw its own article
    on_2, on_1 = PlattMap(*fit_platt([0.6], [True])), PlattMap(*fit_platt([0.8, 0.3], [True, False]))
    expected = ece([on_2(0.8), on_2(0.3), on_1(0.6)], [True, False, True])
    assert val["ece"] == pytest.approx(expected)
    assert expected != pytest.approx(ece([PlattMap(a, b)(s) for s in (0.8, 0.3, 0.6)], [True, False, True]))
    # with two articles every random halving is the same split, so the spread is nil
    assert val["ece_random_halves"]["n"] == 30
    assert val["ece_random_halves"]["mean"] == pytest.approx(expected)
    assert val["ece_random_halves"]["sd"] == pytest.approx(0.0, abs=1e-12)
    assert val["ece_uncalibrated"] == raw["ece"] and val["reliability_uncalibrated"] == raw["reliability"]
    assert val["si"] == raw["si"]


def test_calibration_on_val_needs_spans_on_both_halves(tmp_path):
    from propscan.evaluation.calibrate import cross_fitted_calibration

    corpus = write_corpus(tmp_path)
    detector = FakeDetector(spans={TEXT_1: [Span(9, 17, NC, 0.8)], TEXT_2: []}, labels={})
    with pytest.raises(ModelError, match="both halves"):
        cross_fitted_calibration(detector, corpus, {"ece": 0.0, "reliability": []})
