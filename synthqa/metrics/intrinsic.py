"""Intrinsic dimension of a set of embeddings: the Levina-Bickel maximum-likelihood estimator
with MacKay and Ghahramani's averaging (k = 20 neighbours, cosine geometry, as in Havrilla et al.
2024 on data scaling)."""
from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors


def mle_intrinsic_dimension(points: np.ndarray, k: int = 20, metric: str = "cosine") -> float:
    """d̂ = [ mean_i (1/(k-1)) Σ_{j<k} log(T_k(x_i) / T_j(x_i)) ]^{-1}, T_j the distance to the
    j-th neighbour. NaN when there are not more than k distinct points.

    metric "cosine" ranks neighbours by cosine similarity but measures the chord between unit
    vectors, sqrt(2 - 2 cos): the MLE needs distances that grow linearly with the angle, and
    1 - cos grows with its square, which would halve the estimate.
    """
    x = np.asarray(points, dtype=np.float64)
    if metric == "cosine":
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        metric = "euclidean"
    x = np.unique(x, axis=0)
    if len(x) <= k:
        return float("nan")
    distances, _ = NearestNeighbors(n_neighbors=k + 1, metric=metric).fit(x).kneighbors(x)
    t = np.maximum(distances[:, 1:], 1e-12)   # drop each point itself
    inverse = np.log(t[:, -1:] / t[:, :-1]).sum(axis=1) / (k - 1)
    return float(1.0 / inverse.mean())
