from math import comb

import numpy as np
import pytest

from synthqa.metrics.coverage import (coverage_at_k, diversity_at_k, maj_at_k, majority_vote,
                                      pass_at_k)


def test_pass_at_k_matches_the_closed_form():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 3, 2) == pytest.approx(1 - comb(7, 2) / comb(10, 2))  # 1 - 21/45
    assert pass_at_k(5, 0, 3) == 0.0 and pass_at_k(5, 3, 3) == 1.0


def test_k_above_n_is_refused():
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_coverage_averages_over_problems():
    assert coverage_at_k([(4, 0), (4, 4), (4, 2)], 1) == pytest.approx((0 + 1 + 0.5) / 3)


def _subsets_mean(n, k, value):
    from itertools import combinations
    subsets = list(combinations(range(n), k))
    return sum(value(s) for s in subsets) / len(subsets)


def test_diversity_at_k_is_the_mean_unique_count_over_all_k_subsets():
    signatures = ["a", "a", "b", None, "c", "a"]     # None: a wrong sample
    counts = [3, 1, 1]
    for k in range(1, 7):
        brute = _subsets_mean(6, k, lambda s: len({signatures[i] for i in s} - {None}))
        assert diversity_at_k(6, counts, k) == pytest.approx(brute)
    assert diversity_at_k(6, counts, 6) == 3


def test_majority_vote_credits_ties_by_share():
    assert majority_vote(["4", "4", "5"], [True, True, False]) == 1.0
    assert majority_vote(["4", "5", "5"], [True, False, False]) == 0.0
    assert majority_vote(["4", "5"], [True, False]) == 0.5
    assert majority_vote([None, ""], [False, False]) == 0.0


def test_maj_at_k_is_exact_at_the_ends_and_close_to_the_subset_mean_between():
    answers = ["4", "5", "4", "6", "5", "4"]
    correct = [a == "4" for a in answers]
    rng = np.random.default_rng(0)
    assert maj_at_k(answers, correct, 6, rng) == 1.0            # 3 votes for 4
    assert maj_at_k(answers, correct, 1, rng) == pytest.approx(0.5)
    brute = _subsets_mean(6, 3, lambda s: majority_vote([answers[i] for i in s],
                                                        [correct[i] for i in s]))
    assert maj_at_k(answers, correct, 3, rng, draws=4000) == pytest.approx(brute, abs=0.02)
