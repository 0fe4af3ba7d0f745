"""The FPR with few labels: prediction-powered inference (Angelopoulos et al. 2023).

A judge scores every answer-correct trace (P(flawed)); humans label some. PPI++ (the
`ppi-python` package, power-tuned λ) corrects the judge's mean by its error on the labelled
traces: a valid 95% interval, narrower than labels alone when the judge is good and about as wide
when it is bad. The labelled traces must be a random sample of the scored ones, as the review
queue's random order draws them.

Active sampling (Zrnic & Candès 2024): the queue orders traces by u / c(x), u uniform from the
trace id's hash and c(x) = sqrt(f(1 - f)) the judge's uncertainty, so a reviewed prefix of that
order is a Poisson sample with inclusion probability π = min(1, b·c(x)), b the prefix's last key.
The inverse-probability estimator (1/N) Σ [λf + ξ (Y - λf) / π] is unbiased whatever the judge
for a fixed λ; λ is power-tuned on the labels as PPI++ does (with the same pseudo-labels).
"""
from __future__ import annotations

import numpy as np

from synthqa.labels.estimate import Z95, FprEstimate, wilson

ALPHA = 0.05
MIN_UNCERTAINTY = 0.05  # c(x) floor: every trace keeps a chance to be drawn
HASH_MOD = 1_000_003    # u = (hash(trace_id) % HASH_MOD + 0.5) / HASH_MOD, also in SQL


def uncertainty(score: np.ndarray) -> np.ndarray:
    s = np.clip(np.nan_to_num(np.asarray(score, float), nan=0.5), 0.0, 1.0)
    return np.maximum(np.sqrt(s * (1 - s)), MIN_UNCERTAINTY)


def active_keys(u: np.ndarray, score: np.ndarray) -> np.ndarray:
    """The active queue's order: smaller keys are reviewed first."""
    return np.asarray(u, float) / uncertainty(score)


def labels_only(y: np.ndarray) -> FprEstimate:
    y = np.asarray(y, int)
    if len(y) == 0:
        return FprEstimate(None, 0.0, 1.0, 0)
    low, high = wilson(int(y.sum()), len(y))
    return FprEstimate(float(y.mean()), low, high, len(y))


def ppi(y: np.ndarray, f_labelled: np.ndarray, f_unlabelled: np.ndarray,
        judge: str) -> FprEstimate:
    """PPI++ mean of the flawed indicator: y and f on the labelled traces, f on the rest.

    The interval adds Agresti–Coull's pseudo-labels (two flawed, two not, at the judge's mean
    labelled score): the plain CLT interval of a rare binary rate covers 92-93% at 40-80
    labels in simulation, this one 94-97% (tests/labels/test_ppi.py)."""
    from ppi_py import ppi_mean_ci, ppi_mean_pointestimate

    y, f_l, f_u = (np.asarray(a, float) for a in (y, f_labelled, f_unlabelled))
    method = f"labels + judge {judge} (PPI++)"
    if len(y) < 2 or len(f_u) == 0:
        return FprEstimate(None, 0.0, 1.0, len(y), method=method)
    rate = float(np.ravel(ppi_mean_pointestimate(y, f_l, f_u))[0])
    pseudo = np.full(4, f_l.mean())
    low, high = (float(np.ravel(v)[0]) for v in ppi_mean_ci(
        np.r_[y, 1.0, 1.0, 0.0, 0.0], np.r_[f_l, pseudo], f_u, alpha=ALPHA))
    low, high = max(0.0, low), min(1.0, high)
    return FprEstimate(min(high, max(low, rate)), low, high, len(y), method=method)


def active(y: np.ndarray, labelled: np.ndarray, f: np.ndarray, keys: np.ndarray,
           judge: str) -> FprEstimate:
    """The inverse-probability estimate from the fully labelled prefix of the active order.

    `labelled` marks which of the N traces have a human verdict (y is read there only)."""
    method = f"labels + judge {judge} (active)"
    order = np.argsort(keys, kind="stable")
    prefix = int(np.argmin(labelled[order])) if not labelled.all() else len(order)
    n = len(f)
    if prefix < 2 or n == 0:
        return FprEstimate(None, 0.0, 1.0, prefix, method=method)
    budget = keys[order[prefix - 1]]
    f = np.clip(np.nan_to_num(np.asarray(f, float), nan=0.5), 0.0, 1.0)
    pi = np.minimum(1.0, budget * uncertainty(f)) if prefix < n else np.ones(n)  # census
    xi = np.zeros(n, bool)
    xi[order[:prefix]] = True
    y = np.nan_to_num(np.asarray(y, float))
    w = np.where(xi, (1 - pi) / pi, 0.0)
    # four pseudo-labels (two flawed, two not) at the sample's mean score and inclusion
    # probability, as in ppi(): they keep λ and the variance away from 0 on a sample with no
    # flawed trace yet (without them: 17% coverage at a 2% rate, bench/fpr_labels.py)
    p_bar, f_bar = pi[xi].mean(), f[xi].mean()
    w_bar = (1 - p_bar) / p_bar
    num = np.sum(w * y * f) + 2 * w_bar * f_bar
    den = np.sum(w * f * f) + 4 * w_bar * f_bar ** 2
    lam = float(np.clip(num / den, 0.0, 1.0)) if den > 0 else 1.0  # power tuning (PPI++)
    resid = np.where(xi, y - lam * f, 0.0)
    rate = float((lam * f + np.where(xi, resid / pi, 0.0)).mean())
    pseudo = 2 * ((1 - lam * f_bar) ** 2 + (lam * f_bar) ** 2)
    var = (float(np.sum(w / pi * resid ** 2)) + w_bar / p_bar * pseudo) / n ** 2
    half = Z95 * np.sqrt(var)
    return FprEstimate(min(1.0, max(0.0, rate)), max(0.0, rate - half),
                       min(1.0, rate + half), prefix, method=method)
