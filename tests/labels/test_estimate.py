import math

import pytest

from synthqa.labels.estimate import Stratum, fpr_estimate, wilson


def test_wilson_matches_the_closed_form_by_hand():
    # k = 3, n = 10, z = 1.96: centre = (0.3 + 0.19208) / 1.38416 = 0.35550,
    # half = 1.96 * sqrt(0.021 + 0.0096040) / 1.38416 = 0.24771
    low, high = wilson(3, 10, z=1.96)
    assert low == pytest.approx(0.10779, abs=1e-4) and high == pytest.approx(0.60322, abs=1e-4)


def test_wilson_edges():
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(0, 20)
    assert low == 0.0 and 0 < high < 0.2
    low, high = wilson(20, 20)
    assert high == 1.0 and 0.8 < low < 1


def test_single_stratum_is_plain_wilson():
    est = fpr_estimate([Stratum(size=500, reviewed=50, false_pos=12)])
    assert est.rate == 12 / 50 and (est.low, est.high) == wilson(12, 50)


def test_stratified_estimate_weights_by_stratum_size():
    suspects, clean = Stratum(10, 10, 8), Stratum(90, 20, 2)
    est = fpr_estimate([suspects, clean])
    assert est.rate == pytest.approx(0.1 * 0.8 + 0.9 * 0.1)
    assert est.low == pytest.approx(0.1 * wilson(8, 10)[0] + 0.9 * wilson(2, 20)[0])
    assert est.reviewed == 30 and "95% CI" in est.text()


def test_no_reviews_means_no_estimate():
    est = fpr_estimate([Stratum(100, 0, 0)])
    assert est.rate is None and (est.low, est.high) == (0.0, 1.0)
    assert math.isclose(fpr_estimate([Stratum(50, 10, 5), Stratum(50, 0, 0)]).high, 0.5 * 1 + 0.5 * wilson(5, 10)[1])


def test_all_false_positives_in_the_only_reviewed_stratum_is_100_percent():
    est = fpr_estimate([Stratum(2, 2, 2), Stratum(600, 0, 0)])
    assert est.rate == 1.0 and est.text().startswith("100.0%")
    assert est.high == 1.0 and est.low < 0.01  # the unreviewed 600 keep the interval wide
