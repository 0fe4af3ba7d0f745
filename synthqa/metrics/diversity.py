"""Diversity of a set of solutions: embedding dispersion, Vendi score, unique reasoning, lexical.

Definitions follow ../shared/papers.md: mean pairwise cosine distance and the Vendi score
(Friedman & Dieng 2023) of embeddings; "unique correct solutions" by reasoning signature, the
sequence of arithmetic operations written (RFT; Havrilla et al. 2024); distinct n-grams and
compression ratio as lexical measures.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from synthqa.checks.stepcheck import reasoning_signature


def _unit_rows(embeddings: np.ndarray) -> np.ndarray:
    x = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def mean_pairwise_cosine_distance(embeddings: np.ndarray) -> float:
    """Mean of 1 - cos(a, b) over all pairs a != b; NaN for fewer than two vectors."""
    x = _unit_rows(embeddings)
    n = len(x)
    if n < 2:
        return float("nan")
    sims = x @ x.T
    return max(0.0, float(1 - (sims.sum() - np.trace(sims)) / (n * (n - 1))))  # no -1e-17


def vendi_score(embeddings: np.ndarray) -> float:
    """exp(Shannon entropy of the eigenvalues of K/n), K the cosine-similarity matrix:
    1 for identical vectors, n for n orthogonal ones (the effective number of distinct items)."""
    x = _unit_rows(embeddings)
    n = len(x)
    if n == 0:
        return float("nan")
    eigenvalues = np.linalg.eigvalsh(x @ x.T / n)
    eigenvalues = eigenvalues[eigenvalues > 1e-12]
    return float(np.exp(-np.sum(eigenvalues * np.log(eigenvalues))))


def vendi_note(vendi: float, samples_per_problem: float, unique_correct: float) -> str:
    """Why a data set's Vendi score is what it is, in a few words (where 1 would puzzle)."""
    if vendi != vendi:
        return "needs embeddings"
    if samples_per_problem <= 1:
        return "1 by definition: 1 sample/problem"
    if vendi < 1.005:
        return "≈ 1: ≤ 1 correct per problem" if unique_correct <= 1.005 else \
            "≈ 1: correct ones are near-copies"
    return "distinct solutions per problem"


def unique_solutions(solutions: Sequence[Sequence[str]]) -> int:
    """How many different reasoning signatures; solutions without any equation count by text."""
    keys = {reasoning_signature(s) or ("text",) + tuple(x.strip() for x in s)
            for s in solutions}
    return len(keys)


def distinct_ngrams(texts: Sequence[str], n: int = 2) -> float:
    """Distinct word n-grams / all word n-grams over the texts (distinct-n)."""
    grams = [tuple(words[i: i + n]) for text in texts
             for words in [text.split()] for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def compression_ratio(texts: Sequence[str]) -> float:
    """Raw bytes / zlib-compressed bytes of the texts joined: higher means more repetition."""
    raw = "\n".join(texts).encode()
    return len(raw) / len(zlib.compress(raw, 9)) if raw else float("nan")


def unique_merging_near_duplicates(signatures: Sequence, embeddings: np.ndarray,
                                   threshold: float) -> int:
    """Unique solutions where, beyond equal signatures, two solutions whose embeddings have
    cosine similarity >= threshold also count as one (greedy: each solution joins the first
    kept solution it matches)."""
    x = _unit_rows(embeddings)
    kept_signatures: set = set()
    kept: list[int] = []
    for i, signature in enumerate(signatures):
        if signature in kept_signatures:
            continue
        if kept and float(np.max(x[kept] @ x[i])) >= threshold:
            continue
        kept_signatures.add(signature)
        kept.append(i)
    return len(kept)
