"""First pits against reference first errors: human labels, or the lab's exact first error.

Monte Carlo values estimate a value, not step correctness (../shared/papers.md, section 1):
where a first wrong step is known, report how often the pit lands on it, or next to it.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from synthqa.lab.problems import first_wrong_step, problem_from_text


def pit_agreement(pairs: Iterable[tuple[int | None, int | None]]) -> dict:
    """Exact and ±1 agreement of (pit, reference) step indices over the pairs where both exist,
    and the mean signed offset (pit - reference: negative = the pit comes earlier)."""
    both = [(p, r) for p, r in pairs if p is not None and r is not None]
    if not both:
        return {"traces": 0, "exact": float("nan"), "within_1": float("nan"),
                "mean_offset": float("nan")}
    return {"traces": len(both),
            "exact": sum(p == r for p, r in both) / len(both),
            "within_1": sum(abs(p - r) <= 1 for p, r in both) / len(both),
            "mean_offset": sum(p - r for p, r in both) / len(both)}


def confusion_by_position(pairs: Iterable[tuple[int | None, int | None]]) -> pd.DataFrame:
    """Counts of (reference first error, pit) step positions, 1-based, for a heat map."""
    rows = [(r + 1, p + 1) for p, r in pairs if p is not None and r is not None]
    frame = pd.DataFrame(rows, columns=["reference step", "pit step"])
    return frame.value_counts().rename("traces").reset_index()


def position_table(pairs: Iterable[tuple[int | None, int | None]]) -> pd.DataFrame:
    """The confusion as a labelled square table: a row per reference first-error step, a
    column per pit step (1-based), traces in the cells."""
    counts = confusion_by_position(pairs)
    if counts.empty:
        return pd.DataFrame()
    table = counts.pivot_table(index="reference step", columns="pit step", values="traces",
                               fill_value=0)
    table.index = [f"first error at step {i}" for i in table.index]
    table.columns = [f"pit at step {c}" for c in table.columns]
    return table


def human_pairs(pits: pd.DataFrame) -> list[tuple[int | None, int | None]]:
    """(pit, human first error) of the store's pits frame; 'none' labels are left out."""
    labelled = pits.dropna(subset=["human_first_error"])
    return [(None if pd.isna(p) else int(p), int(h))
            for p, h in zip(labelled["pit_step"], labelled["human_first_error"])
            if str(h).lstrip("-").isdigit()]


def lab_pairs(pits: pd.DataFrame, traces: pd.DataFrame) -> list[tuple[int | None, int | None]]:
    """(pit, the lab's exact first wrong step) for lab traces; `traces` has trace_id, problem
    and steps (as from Store.rollout_inputs)."""
    by_id = traces.set_index("trace_id")
    out = []
    for trace_id, pit in zip(pits["trace_id"], pits["pit_step"]):
        if trace_id not in by_id.index:
            continue
        row = by_id.loc[trace_id]
        try:
            problem = problem_from_text(row["problem"])
        except ValueError:
            continue
        out.append((None if pd.isna(pit) else int(pit),
                    first_wrong_step(problem, list(row["steps"]))))
    return out
