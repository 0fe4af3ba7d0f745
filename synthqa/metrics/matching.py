"""SE vs WC at matched sampling compute: the pairs of sample counts and the default pair.

Definitions: ../shared/papers.md section 2 (Bansal et al. 2024).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def matched(curves: pd.DataFrame, se: str, wc: str) -> pd.DataFrame:
    """For each SE sample count k, the WC sample count at the same sampling compute,
    k_WC = round(k_SE · FLOPs per SE sample / FLOPs per WC sample) (Bansal et al.: S_WC =
    (P_SE/P_WC)·S_SE, with the real token counts), and the differences the paper reports:
    coverage and diversity relative (%), FPR in points. WC values are NaN where it has too
    few samples per problem."""
    a, b = curves[curves["generator"] == se], curves[curves["generator"] == wc]
    if a.empty or b.empty:
        return pd.DataFrame()
    per_sample = {g: float(c["flops"].iloc[0] / c["k"].iloc[0]) for g, c in ((se, a), (wc, b))}
    rows = []
    for s in a.itertuples():
        k_wc = max(1, round(s.k * per_sample[se] / per_sample[wc])) \
            if per_sample[wc] > 0 else None
        w = b[b["k"] == k_wc]
        w = w.iloc[0] if len(w) else None
        row = {"SE k": s.k, "WC k": k_wc, "FLOPs": float(s.flops),
               "coverage SE": s.coverage, "coverage WC": _get(w, "coverage"),
               "diversity SE": s.diversity, "diversity WC": _get(w, "diversity"),
               "FPR SE": s.fpr, "FPR WC": _get(w, "fpr")}
        row["coverage Δ%"] = _relative(row["coverage WC"], s.coverage)
        row["diversity Δ%"] = _relative(row["diversity WC"], s.diversity)
        row["FPR Δ points"] = (100 * (row["FPR WC"] - s.fpr)
                               if row["FPR WC"] is not None and s.fpr is not None
                               and not pd.isna(row["FPR WC"]) and not pd.isna(s.fpr)
                               else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _get(row, column):
    return np.nan if row is None else row[column]


def _relative(new, old) -> float:
    if new is None or old is None or pd.isna(new) or pd.isna(old) or old == 0:
        return np.nan
    return 100.0 * (new - old) / old


def default_pair(generators: pd.DataFrame, shared: pd.DataFrame | None = None
                 ) -> tuple[str, str] | None:
    """(SE, WC): of the pairs with known, different parameter counts, the one sharing the most
    problems (`shared`: a, b, problems), SE the larger, pairs where one sampled several
    solutions per problem first (one sample each makes both curves dots); without `shared`,
    the largest and the smallest generator."""
    known = generators.dropna(subset=["params"]).sort_values("params")
    params = dict(zip(known["generator"], known["params"]))
    several = set(known["generator"][known["traces"] > known["problems"]]) \
        if {"traces", "problems"} <= set(known.columns) else set()
    if shared is not None and not shared.empty:
        pairs = shared[shared["a"].isin(params) & shared["b"].isin(params)]
        pairs = pairs[[params[a] != params[b] for a, b in zip(pairs["a"], pairs["b"])]]
        if not pairs.empty:
            pairs = pairs.assign(several=[a in several or b in several
                                          for a, b in zip(pairs["a"], pairs["b"])])
            best = pairs.sort_values(["several", "problems", "a", "b"],
                                     ascending=[False, False, True, True])
            a, b = best["a"].iloc[0], best["b"].iloc[0]
            return (a, b) if params[a] > params[b] else (b, a)
    if len(known) < 2 or known["params"].iloc[0] == known["params"].iloc[-1]:
        return None
    return known["generator"].iloc[-1], known["generator"].iloc[0]
