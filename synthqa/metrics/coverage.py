"""Coverage@k (= pass@k, unbiased estimator) and per-sample accuracy per generator."""
from __future__ import annotations

from math import comb

import numpy as np


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


def diversity_at_k(n: int, signature_counts: list[int], k: int) -> float:
    """Expected number of distinct correct solutions among k of n samples, where
    signature_counts[i] samples share the i-th correct reasoning signature: Σ pass@k(n, m_i, k)
    (each signature is present in the k samples with probability pass@k). Exact, unbiased."""
    return sum(pass_at_k(n, m, k) for m in signature_counts)


def majority_vote(answers: list[str | None], correct: list[bool]) -> float:
    """Credit of a majority vote over final answers: 1 if the most frequent answer is right,
    the right share among tied answers on a tie, 0 when nobody answered."""
    votes: dict[str, list] = {}
    for answer, ok in zip(answers, correct):
        if answer is not None and answer != "":
            votes.setdefault(answer, [0, False])
            votes[answer][0] += 1
            votes[answer][1] |= bool(ok)
    if not votes:
        return 0.0
    top = max(v[0] for v in votes.values())
    tied = [ok for count, ok in votes.values() if count == top]
    return sum(tied) / len(tied)


def maj_at_k(answers: list[str | None], correct: list[bool], k: int,
             rng: np.random.Generator, draws: int = 32) -> float:
    """maj@k: expected majority-vote credit over random k-subsets of the n samples (exact
    when k = n or k = 1)."""
    n = len(answers)
    if k > n:
        raise ValueError(f"k = {k} exceeds the {n} samples")
    if k == n:
        return majority_vote(answers, correct)
    if k == 1:
        return sum(1.0 for a, ok in zip(answers, correct) if ok and a not in (None, "")) / n
    total = 0.0
    for _ in range(draws):
        pick = rng.choice(n, size=k, replace=False)
        total += majority_vote([answers[i] for i in pick], [correct[i] for i in pick])
    return total / draws
