"""Does a problem copy a test problem? 13-gram overlap and embedding nearest neighbours.

13-gram overlap is the decontamination test of GPT-3 (Brown et al. 2020) and of the
synthetic math sets since (e.g. OpenMathInstruct's): lower-cased words and numbers, one token
each; a problem that shares any 13-gram with a test problem is contaminated. A text of fewer
than 13 tokens is compared whole (its one n-gram is all of it), as GPT-3 did for short texts,
so a short test problem copied verbatim is caught and a short fresh one is not. Paraphrases
escape n-grams; the embedding check (cosine of the nearest test problem, static model) catches
them above a threshold. Near-duplicates inside a generated set use the same two tests.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

N = 13
SIMILAR = 0.95        # cosine to the nearest test problem at or above which a problem is flagged
_TOKEN = re.compile(r"\d+|[^\W\d_]+|[^\s\w]")


def tokens(text: str) -> list[str]:
    """Words, numbers and symbols, lower-cased: `12+7*3` is five tokens."""
    return _TOKEN.findall(text.lower())


def ngrams(text: str, n: int = N) -> set[tuple[str, ...]]:
    toks = tokens(text)
    if len(toks) < n:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


@dataclass(frozen=True)
class Check:
    """One problem against one test set."""
    ngram_overlap: float       # share of the problem's n-grams found in the test set
    ngram_match: str | None    # a test problem sharing the most n-grams with it
    nn_similarity: float       # cosine to the nearest test problem (NaN without embeddings)
    nn_match: str | None
    contaminated: bool


class TestSet:
    """The test problems' n-gram index and (optionally) their embeddings."""

    def __init__(self, ids: list[str], texts: list[str], vectors: np.ndarray | None = None):
        self.ids, self.vectors = ids, _normalised(vectors)
        self.index: dict[tuple[str, ...], list[int]] = {}
        for i, text in enumerate(texts):
            for gram in ngrams(text):
                self.index.setdefault(gram, []).append(i)

    def check(self, text: str, vector: np.ndarray | None = None,
              similar: float = SIMILAR) -> Check:
        grams = ngrams(text)
        hits: dict[int, int] = {}
        for gram in grams:
            for i in self.index.get(gram, ()):
                hits[i] = hits.get(i, 0) + 1
        best = max(hits, key=hits.get) if hits else None
        overlap = hits[best] / len(grams) if best is not None else 0.0
        sim, nearest = float("nan"), None
        if vector is not None and self.vectors is not None and len(self.ids):
            cosines = self.vectors @ _normalised(vector[None, :])[0]
            j = int(np.argmax(cosines))
            sim, nearest = float(cosines[j]), self.ids[j]
        flagged = best is not None or (sim == sim and sim >= similar)
        return Check(overlap, self.ids[best] if best is not None else None, sim, nearest,
                     flagged)


def separates(vectors: np.ndarray, similar: float = SIMILAR, most: int = 2000,
              tolerated: float = 0.05) -> bool:
    """Whether embeddings tell a test set's problems apart: at most `tolerated` of them have
    another problem of the set at cosine `similar` or above. Where more do (symbolic chains
    such as `12+7*3`, whose static embeddings are all alike), a nearest-neighbour cosine says
    nothing and only the n-gram test flags."""
    unit = _normalised(vectors)
    if unit is None or len(unit) < 2:
        return True
    unit = unit[:most]
    cosines = unit @ unit.T
    np.fill_diagonal(cosines, -1)
    return float((cosines.max(axis=1) >= similar).mean()) <= tolerated


def near_duplicates(texts: list[str], vectors: np.ndarray | None = None,
                    similar: float = SIMILAR) -> list[int | None]:
    """For each text, the index of an earlier text it repeats (a shared 13-gram or cosine at
    or above `similar`), else None: the generated set's own duplicates."""
    out: list[int | None] = []
    seen: dict[tuple[str, ...], int] = {}
    unit = _normalised(vectors)
    for i, text in enumerate(texts):
        grams = ngrams(text)
        earlier = next((seen[g] for g in grams if g in seen), None)
        if earlier is None and unit is not None and i:
            cosines = unit[:i] @ unit[i]
            j = int(np.argmax(cosines))
            earlier = j if cosines[j] >= similar else None
        out.append(earlier)
        for gram in grams:
            seen.setdefault(gram, i)
    return out


def _normalised(vectors: np.ndarray | None) -> np.ndarray | None:
    if vectors is None:
        return None
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
