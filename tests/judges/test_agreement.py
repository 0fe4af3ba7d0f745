import math

from synthqa.judges.evaluate import first_error_agreement


def test_agreement_counts_exact_and_near_hits():
    a = first_error_agreement([(2, 2), (1, 3), (None, 0), (4, None), (None, None), (3, 2)])
    assert (a["flagged"], a["human_errors"], a["exact"], a["within_1"]) == (4, 4, 1, 2)
    assert a["precision"] == 0.25 and a["recall"] == 0.25 and a["flag_precision"] == 0.75


def test_agreement_without_predictions_is_nan():
    assert math.isnan(first_error_agreement([(None, 1)])["precision"])
