import pytest

from propscan.errors import DataError, InvalidSpanError
from propscan.evaluation.metrics import PRF, flc_score, merge_spans, si_score, tc_score
from propscan.techniques import LABELS

LL, NC, DOUBT, SLOGANS = "Loaded_Language", "Name_Calling,Labeling", "Doubt", "Slogans"


def approx(p: float, r: float, f: float) -> tuple:
    return pytest.approx((p, r, f))


def triple(score: PRF) -> tuple[float, float, float]:
    return (score.precision, score.recall, score.f1)


# --- SI -------------------------------------------------------------------------------------


def test_si_partial_overlap_earns_partial_credit():
    score = si_score({"a": [(5, 15)]}, {"a": [(0, 10)]})
    # |s&t| = 5; P = 5/10 / 1 = 0.5; R = 5/10 / 1 = 0.5; F1 = 0.5
    assert triple(score) == approx(0.5, 0.5, 0.5)


def test_si_short_prediction_inside_gold():
    score = si_score({"a": [(0, 4)]}, {"a": [(0, 10)]})
    # P = 4/4 = 1; R = 4/10 = 0.4; F1 = 2*1*0.4/1.4 = 0.571428...
    assert triple(score) == approx(1.0, 0.4, 0.8 / 1.4)


def test_si_one_prediction_covering_two_gold_spans():
    score = si_score({"a": [(0, 20)]}, {"a": [(0, 5), (10, 20)]})
    # P = (5/20 + 10/20) / 1 = 0.75; R = (5/5 + 10/10) / 2 = 1; F1 = 1.5/1.75 = 0.857142...
    assert triple(score) == approx(0.75, 1.0, 1.5 / 1.75)


def test_si_merges_overlapping_predicted_spans():
    score = si_score({"a": [(0, 6), (4, 10)]}, {"a": [(0, 10)]})
    # merged S = {[0,10)}: P = 10/10 / 1 = 1; R = 10/10 / 1 = 1 (unmerged R would be 1.2)
    assert triple(score) == approx(1.0, 1.0, 1.0)


def test_si_merges_overlapping_gold_spans():
    score = si_score({"a": [(0, 10)]}, {"a": [(0, 5), (3, 10)]})
    # merged T = {[0,10)}: P = 1, R = 1 (unmerged P would be 5/10 + 7/10 = 1.2)
    assert triple(score) == approx(1.0, 1.0, 1.0)


def test_si_touching_spans_are_not_merged():
    assert merge_spans([(5, 10), (0, 5)]) == [(0, 5), (5, 10)]
    assert merge_spans([(0, 5), (4, 10), (12, 14)]) == [(0, 10), (12, 14)]
    score = si_score({"a": [(0, 2)]}, {"a": [(0, 2), (2, 10)]})
    # T stays {[0,2), [2,10)}: P = 2/2 / 1 = 1; R = (2/2 + 0) / 2 = 0.5; F1 = 1/1.5
    # (merged T = {[0,10)} would give R = 2/10 = 0.2)
    assert triple(score) == approx(1.0, 0.5, 1 / 1.5)


def test_si_empty_predictions_score_zero():
    # P = 0/0 := 0; R = 0/1 = 0; F1 = 0
    assert triple(si_score({}, {"a": [(0, 10)]})) == (0.0, 0.0, 0.0)
    assert triple(si_score({"a": []}, {"a": [(0, 10)]})) == (0.0, 0.0, 0.0)


def test_si_empty_gold_scores_zero():
    # P = 0/1 = 0; R = 0/0 := 0
    assert triple(si_score({"a": [(0, 10)]}, {})) == (0.0, 0.0, 0.0)
    assert triple(si_score({}, {})) == (0.0, 0.0, 0.0)


def test_si_sums_over_articles_before_dividing():
    pred = {"a": [(0, 10)], "b": [(0, 5)], "c": [(0, 4)]}
    gold = {"a": [(0, 10)], "b": [(0, 10), (20, 30)]}
    score = si_score(pred, gold)
    # P numerators: a 10/10 = 1, b 5/5 = 1, c 0 -> 2 / |S| = 3 -> 2/3
    # R numerators: a 1, b 5/10 + 0 = 0.5 -> 1.5 / |T| = 3 -> 0.5 (per-article mean would be 0.625)
    # F1 = 2*(2/3)*0.5 / (2/3 + 0.5) = 4/7
    assert triple(score) == approx(2 / 3, 0.5, 4 / 7)


def test_si_rejects_empty_or_reversed_spans():
    with pytest.raises(InvalidSpanError):
        si_score({"a": [(5, 5)]}, {"a": [(0, 10)]})
    with pytest.raises(InvalidSpanError):
        si_score({"a": [(0, 10)]}, {"a": [(8, 3)]})


def test_prf_to_dict():
    assert PRF(0.5, 1.0, 2 / 3).to_dict() == {"precision": 0.5, "recall": 1.0, "f1": 2 / 3}


# --- FLC ------------------------------------------------------------------------------------


def test_flc_technique_mismatch_gets_no_credit():
    total, per = flc_score({"a": [(0, 10, SLOGANS)]}, {"a": [(0, 10, DOUBT)]})
    # no same-technique overlap: P = 0/1, R = 0/1
    assert triple(total) == (0.0, 0.0, 0.0)
    assert triple(per[SLOGANS]) == (0.0, 0.0, 0.0)
    # the same spans score fully under SI, which ignores techniques
    assert si_score({"a": [(0, 10)]}, {"a": [(0, 10)]}).f1 == 1.0


def test_flc_counts_spans_of_all_techniques_and_reports_each():
    pred = {"a": [(0, 10, LL), (5, 10, DOUBT)]}
    gold = {"a": [(0, 10, LL), (0, 10, NC)]}
    total, per = flc_score(pred, gold)
    # LL: P num 1, R num 1; Doubt: P num 0; NC: R num 0. |S| = 2, |T| = 2 -> P = R = F1 = 0.5
    assert triple(total) == approx(0.5, 0.5, 0.5)
    assert triple(per[LL]) == approx(1.0, 1.0, 1.0)
    assert triple(per[DOUBT]) == (0.0, 0.0, 0.0)  # P = 0/1, R = 0/0
    assert triple(per[NC]) == (0.0, 0.0, 0.0)  # P = 0/0, R = 0/1
    assert list(per) == list(LABELS)


def test_flc_merges_within_a_technique_only():
    total, _ = flc_score({"a": [(0, 6, LL), (4, 10, LL)]}, {"a": [(0, 10, LL)]})
    # merged S = {[0,10) LL}: P = 1, R = 1
    assert triple(total) == approx(1.0, 1.0, 1.0)
    total, _ = flc_score({"a": [(0, 10, LL), (0, 10, NC)]}, {"a": [(0, 10, LL)]})
    # the NC span is not merged into the LL one: |S| = 2, P = 1/2; R = 1/1; F1 = 2/3
    assert triple(total) == approx(0.5, 1.0, 2 / 3)


def test_flc_sums_over_articles_before_dividing():
    pred = {"a": [(0, 10, LL)], "b": [(0, 5, DOUBT)]}
    gold = {"a": [(0, 10, LL)], "b": [(0, 10, DOUBT), (20, 30, DOUBT)]}
    total, per = flc_score(pred, gold)
    # P = (1 + 5/5) / 2 = 1; R = (1 + 5/10 + 0) / 3 = 0.5; F1 = 1/1.5
    assert triple(total) == approx(1.0, 0.5, 1 / 1.5)
    # Doubt alone: P = 1/1; R = 0.5 / 2 = 0.25; F1 = 0.5/1.25 = 0.4
    assert triple(per[DOUBT]) == approx(1.0, 0.25, 0.4)


# --- TC -------------------------------------------------------------------------------------

GOLD_TC = [("a", 0, 5, LL), ("a", 0, 5, NC), ("a", 10, 20, DOUBT)]


def test_tc_multi_label_span_matches_in_any_order():
    pred = [("a", 10, 20, DOUBT), ("a", 0, 5, NC), ("a", 0, 5, LL)]
    micro, per = tc_score(pred, GOLD_TC)
    # {NC, LL} vs gold {LL, NC}: 2 correct; Doubt: 1 correct -> 3/3
    assert micro == pytest.approx(1.0)
    assert triple(per[NC]) == approx(1.0, 1.0, 1.0)


def test_tc_repeated_label_is_correct_once():
    pred = [("a", 0, 5, LL), ("a", 0, 5, LL), ("a", 10, 20, SLOGANS)]
    micro, per = tc_score(pred, GOLD_TC)
    # {LL, LL} & {LL, NC} = {LL}: 1 correct; Slogans vs Doubt: 0 -> 1/3
    assert micro == pytest.approx(1 / 3)
    # LL: 1 correct of 2 predicted (P 0.5), of 1 gold (R 1), F1 = 1/1.5
    assert triple(per[LL]) == approx(0.5, 1.0, 1 / 1.5)
    assert triple(per[NC]) == (0.0, 0.0, 0.0)  # P = 0/0, R = 0/1
    assert triple(per[SLOGANS]) == (0.0, 0.0, 0.0)  # P = 0/1, R = 0/0
    assert list(per) == list(LABELS)


def test_tc_missing_prediction_row_is_named():
    with pytest.raises(DataError, match=r"article a, 10, 20"):
        tc_score([("a", 0, 5, LL), ("a", 0, 5, NC)], GOLD_TC)
    with pytest.raises(DataError, match=r"article a, 0, 5"):
        tc_score([("a", 0, 5, LL), ("a", 10, 20, DOUBT)], GOLD_TC)


def test_tc_prediction_without_gold_row_is_rejected():
    pred = [("a", 0, 5, LL), ("a", 0, 5, NC), ("a", 10, 20, DOUBT), ("b", 0, 3, LL)]
    with pytest.raises(DataError, match=r"article b, 0, 3"):
        tc_score(pred, GOLD_TC)


def test_tc_empty_gold_and_predictions_score_zero():
    micro, per = tc_score([], [])
    assert micro == 0.0
    assert all(score.f1 == 0.0 for score in per.values())
