import math

import numpy as np
import pytest

from synthqa.checks.stepcheck import reasoning_signature
from synthqa.metrics.diversity import (compression_ratio, distinct_ngrams,
                                       mean_pairwise_cosine_distance, unique_solutions, vendi_score)


def test_vendi_is_one_for_identical_and_n_for_orthogonal_vectors():
    assert vendi_score(np.ones((5, 3))) == pytest.approx(1.0)
    assert vendi_score(np.eye(4)) == pytest.approx(4.0)
    # two identical + one orthogonal: eigenvalues of K/3 are 2/3 and 1/3
    expected = math.exp(-(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)))
    assert vendi_score(np.array([[1, 0], [1, 0], [0, 1]])) == pytest.approx(expected)


def test_mean_pairwise_cosine_distance_by_hand():
    assert mean_pairwise_cosine_distance(np.eye(3)) == pytest.approx(1.0)
    assert mean_pairwise_cosine_distance(np.ones((4, 2))) == pytest.approx(0.0)
    # pairs: (a, a) distance 0, (a, b) 1, (a, b) 1 -> mean 2/3
    assert mean_pairwise_cosine_distance(np.array([[1, 0], [1, 0], [0, 1]])) == \
        pytest.approx(2 / 3)
    assert math.isnan(mean_pairwise_cosine_distance(np.ones((1, 2))))


def test_same_arithmetic_in_other_words_is_the_same_reasoning():
    a = ["She has 3 * 4 = 12 apples", "then 12 + 1 = 13"]
    b = ["3*4 = 12", "12+1 = 13 in all"]
    c = ["4 * 3 = 12", "12 + 1 = 13"]
    assert reasoning_signature(a) == reasoning_signature(b) == ("3*4=12", "12+1=13")
    assert unique_solutions([a, b, c]) == 2


def test_lexical_measures():
    assert distinct_ngrams(["a b c", "a b d"], n=2) == pytest.approx(3 / 4)
    assert compression_ratio(["abc" * 100]) > compression_ratio(["the quick brown fox"])


def test_near_duplicates_merge_only_above_the_threshold():
    from synthqa.metrics.diversity import unique_merging_near_duplicates

    x = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0], [1.0, 0.0]])
    signatures = ["a", "b", "c", "d"]       # all different reasoning
    assert unique_merging_near_duplicates(signatures, x, 1.01) == 4    # merging off
    assert unique_merging_near_duplicates(signatures, x, 0.98) == 2    # a~b~d, c apart
    assert unique_merging_near_duplicates(["a", "a", "c", "c"], x, 1.01) == 2
