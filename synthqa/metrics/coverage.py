"""Coverage@k (= pass@k, unbiased estimator) and per-sample accuracy per generator."""
from __future__ import annotations

from math import comb


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chance that k of n samples (c of them correct) contain a correct one: 1 - C(n-c,k)/C(n,k)
    (Chen et al. 2021). k > n is not estimable from n samples."""
    if k > n:
        raise ValueError(f"k = {k} exceeds the {n} samples")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def coverage_at_k(per_problem: list[tuple[int, int]], k: int) -> float:
    """Mean pass@k over problems, from (samples, correct samples) per problem."""
    return sum(pass_at_k(n, c, k) for n, c in per_problem) / len(per_problem)
