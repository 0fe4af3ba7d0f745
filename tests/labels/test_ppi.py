"""The FPR with few labels: PPI++ and active sampling intervals cover the true rate."""
import numpy as np

from synthqa.labels.ppi import active, active_keys, labels_only, ppi

DRAWS = 1000


def _population(rng, n=2000, rate=0.2, auroc_shift=1.8):
    """Flaw indicators and judge scores: a logistic score shifted up on flawed traces."""
    y = rng.random(n) < rate
    logit = rng.normal(0, 1, n) + auroc_shift * y - 1.0
    return y.astype(int), 1 / (1 + np.exp(-logit))


def test_ppi_covers_the_true_rate_in_at_least_94_percent_of_draws():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(DRAWS):
        y, f = _population(rng)
        labelled = rng.choice(len(y), 80, replace=False)
        mask = np.zeros(len(y), bool)
        mask[labelled] = True
        estimate = ppi(y[mask], f[mask], f[~mask], "sim")
        hits += estimate.low <= y.mean() <= estimate.high
    assert hits / DRAWS >= 0.94


def test_ppi_with_a_useless_judge_still_covers_and_is_not_much_wider():
    rng = np.random.default_rng(1)
    hits, widths = 0, []
    for _ in range(DRAWS):
        y, _ = _population(rng)
        f = rng.random(len(y))  # no information
        mask = np.zeros(len(y), bool)
        mask[rng.choice(len(y), 80, replace=False)] = True
        estimate = ppi(y[mask], f[mask], f[~mask], "noise")
        base = labels_only(y[mask])
        hits += estimate.low <= y.mean() <= estimate.high
        widths.append((estimate.high - estimate.low) / (base.high - base.low))
    assert hits / DRAWS >= 0.94 and np.median(widths) < 1.15


def test_active_order_covers_the_true_rate_and_beats_uniform_labels():
    rng = np.random.default_rng(2)
    hits, widths = 0, []
    for _ in range(DRAWS):
        y, f = _population(rng, auroc_shift=3.0)
        keys = active_keys(rng.random(len(y)), f)
        labelled = np.zeros(len(y), bool)
        labelled[np.argsort(keys)[:80]] = True
        estimate = active(np.where(labelled, y, 0), labelled, f, keys, "sim")
        hits += estimate.low <= y.mean() <= estimate.high
        widths.append(estimate.high - estimate.low)
    uniform = labels_only(np.r_[np.ones(16), np.zeros(64)])  # 20% of 80 labels
    assert hits / DRAWS >= 0.94
    assert np.median(widths) < uniform.high - uniform.low


def test_the_active_estimate_uses_only_the_fully_labelled_prefix():
    f = np.array([0.5, 0.5, 0.5, 0.5])
    keys = np.array([0.1, 0.2, 0.3, 0.4])
    labelled = np.array([True, True, False, True])  # the 4th is past a gap
    estimate = active(np.array([1, 0, 0, 1]), labelled, f, keys, "j")
    assert estimate.reviewed == 2 and estimate.method == "labels + judge j (active)"
    census = active(np.array([1, 0, 0, 1]), np.ones(4, bool), f, keys, "j")
    assert census.rate == 0.5 and census.low == census.high == 0.5
