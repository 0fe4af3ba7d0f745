import pytest
from math import comb

from synthqa.metrics.coverage import coverage_at_k, pass_at_k


def test_pass_at_k_matches_the_closed_form():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 3, 2) == pytest.approx(1 - comb(7, 2) / comb(10, 2))  # 1 - 21/45
    assert pass_at_k(5, 0, 3) == 0.0 and pass_at_k(5, 3, 3) == 1.0


def test_k_above_n_is_refused():
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_coverage_averages_over_problems():
    assert coverage_at_k([(4, 0), (4, 4), (4, 2)], 1) == pytest.approx((0 + 1 + 0.5) / 3)
