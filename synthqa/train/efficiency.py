"""Data-efficiency curves: held-out error against training examples, a power law per method,
and the effective data multiplier of one method over another (Setlur et al. 2024: per-step DPO
matched the gains of 8x more positive data)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REACH = 8.0   # how far beyond the reference runs' sizes a fitted law is trusted (either way)


@dataclass(frozen=True)
class PowerLaw:
    """error(n) = a · n^(-b), fitted by least squares on log error against log n."""
    a: float
    b: float

    def error(self, n: float) -> float:
        return self.a * n ** (-self.b)

    def examples_for(self, error: float) -> float:
        """How many examples this method needs to reach `error` (in logs, clipped: a nearly
        flat law needs astronomically many, which would overflow a float)."""
        log_n = -(np.log(error) - np.log(self.a)) / self.b
        return float(np.exp(np.clip(log_n, -700.0, 700.0)))


def fit(examples: list[float], errors: list[float]) -> PowerLaw | None:
    """None with fewer than two sizes, or when the error does not fall with more data."""
    points = [(n, e) for n, e in zip(examples, errors) if n > 0 and 0 < e < 1]
    if len({n for n, _ in points}) < 2:
        return None
    slope, intercept = np.polyfit(np.log([n for n, _ in points]),
                                  np.log([e for _, e in points]), 1)
    return PowerLaw(float(np.exp(intercept)), float(-slope)) if slope < 0 else None


def multiplier(reference: PowerLaw, method_examples: float, method_error: float) -> float:
    """Effective data multiplier: examples the reference method needs for the error the other
    method reached, divided by the examples the other method used."""
    return reference.examples_for(method_error) / method_examples


def curves(runs: pd.DataFrame) -> dict[str, PowerLaw | None]:
    """Fits per data kind of a frame with columns kind, examples, accuracy."""
    return {kind: fit(g["examples"].tolist(), (1 - g["accuracy"]).tolist())
            for kind, g in runs.groupby("kind")}


def multipliers(runs: pd.DataFrame, reference: str = "sft") -> pd.DataFrame:
    """Per run of another kind: how much more `reference` data would reach its error. Only
    within REACH times the reference runs' sizes: further out the fit is a guess, and the
    note says which way the run falls outside."""
    law = curves(runs).get(reference)
    columns = ["kind", "examples", "accuracy", "multiplier", "note"]
    if law is None:
        return pd.DataFrame(columns=columns)
    sizes = runs.loc[runs["kind"] == reference, "examples"]
    low, high = sizes.min() / REACH, sizes.max() * REACH
    other = runs[runs["kind"] != reference].copy()
    needed = [law.examples_for(1 - acc) for acc in other["accuracy"]]
    other["multiplier"] = [n_ref / n if low <= n_ref <= high else np.nan
                           for n_ref, n in zip(needed, other["examples"])]
    other["note"] = [f"worse than {reference} on {low:,.0f} examples" if n_ref < low else
                     f"better than {reference} on {high:,.0f} examples" if n_ref > high else ""
                     for n_ref in needed]
    return other[columns]
