"""Stepwise supervision for a PRM from what the workspace knows: human first-error labels, the
first pits of Monte Carlo rollouts, and on lab traces the exact first wrong step."""
from __future__ import annotations

import pandas as pd

from synthqa.export import prm_records
from synthqa.lab.problems import first_wrong_step, problem_from_text
from synthqa.store import Store


def _supervision(prompt: str, steps: list[str], first_wrong: int | None) -> dict:
    """Steps up to the first wrong one (labelled False), the ones before True (PRM800K)."""
    if first_wrong is None:
        return {"prompt": prompt, "completions": steps, "labels": [True] * len(steps)}
    k = min(first_wrong, len(steps) - 1)
    return {"prompt": prompt, "completions": steps[: k + 1], "labels": [True] * k + [False]}


def pit_records(store: Store, policy: str, mode: str) -> list[dict]:
    """Wrong traces cut at their first pit: the pit is the step labelled wrong."""
    frame = store.values.pit_inputs(policy, mode)
    return [_supervision(r.problem, list(r.steps), int(r.pit_step))
            for r in frame.itertuples()]


def lab_exact_records(store: Store, limit: int = 100_000) -> list[dict]:
    """Lab traces with their exact first wrong step (None: every step right)."""
    frame = store.judges.inputs(None, False, limit)
    records = []
    for row in frame.itertuples():
        try:
            problem = problem_from_text(row.problem)
        except ValueError:
            continue
        steps = list(row.steps)
        records.append(_supervision(row.problem, steps, first_wrong_step(problem, steps)))
    return records


def training_records(store: Store, policy: str | None = None, mode: str = "exhaustive",
                     lab_exact: bool = False) -> pd.DataFrame:
    """Human labels first, then pits and exact lab errors, as {prompt, completions, labels}
    rows with where each came from."""
    parts = [("human", prm_records(store))]
    if policy:
        parts.append((f"pits:{policy}/{mode}", pit_records(store, policy, mode)))
    if lab_exact:
        parts.append(("lab exact", lab_exact_records(store)))
    rows = [{**r, "origin": origin} for origin, records in parts for r in records]
    return pd.DataFrame(rows, columns=["prompt", "completions", "labels", "origin"])
