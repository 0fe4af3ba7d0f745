"""Every generator in one table: traces, accuracy, the human FPR with its interval, n, method
and whose labels, and the best judge's AUROC where a judge scored labelled traces."""
from __future__ import annotations

import pandas as pd

from synthqa.judges.evaluate import table as judge_table
from synthqa.labels import fpr
from synthqa.store import Store

COLUMNS = ["generator", "params", "traces", "accuracy", "suspects", "labelled", "fpr",
           "fpr_low", "fpr_high", "fpr_n", "fpr_method", "fpr_by", "judge", "judge_auroc"]


def generator_table(store: Store) -> pd.DataFrame:
    """One row per generator, sorted by name; missing figures are NaN / None."""
    stats = store.summaries.generator_stats()
    rows = []
    best = best_judges(store)
    for row in stats.to_dict("records"):
        estimate = fpr.human(store, row["generator"])
        known = estimate.rate is not None
        judge, auroc = best.get(row["generator"], (None, float("nan")))
        rows.append({**row, "fpr": estimate.rate if known else float("nan"),
                     "fpr_low": estimate.low if known else float("nan"),
                     "fpr_high": estimate.high if known else float("nan"),
                     "fpr_n": estimate.reviewed, "fpr_method": estimate.method if known else None,
                     "fpr_by": ", ".join(f"{who} ({n})" for who, n in estimate.labellers) or None,
                     "judge": judge, "judge_auroc": auroc})
    return pd.DataFrame(rows, columns=COLUMNS)


def best_judges(store: Store) -> dict[str, tuple[str, float]]:
    """generator -> (judge, AUROC) of the judge that best separates the human false positives
    from the correct traces (over every labeller's verdicts)."""
    pairs = store.judges.against_humans()
    if pairs.empty:
        return {}
    scored = judge_table(pairs)
    scored = scored[(scored["generator"] != "all") & scored["auroc"].notna()]
    best: dict[str, tuple[str, float]] = {}
    for row in scored.sort_values("auroc").itertuples():
        best[row.generator] = (row.judge, float(row.auroc))   # the highest comes last
    return best


def compact(value, missing: str = "—") -> str:
    """135000000 -> "135M" (a parameter count); `missing` when unknown."""
    if value is None or value != value:
        return missing
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:g}"
