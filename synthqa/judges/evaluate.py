"""Judges against humans: the ProcessBench metric, false-positive detection, and how an
automatic first-error locator (step checks, MC pits) agrees with human labels.

ProcessBench (Zheng et al. 2024): on traces humans say have an error, accuracy = the judge names
exactly the human's earliest wrong step; on error-free traces, accuracy = the judge names none;
F1 = their harmonic mean. As a false-positive detector on answer-correct traces: precision and
recall of "flagged" (a predicted wrong step) against the human verdict, and AUROC of the score.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

FIELDS = ("judge", "labeller", "generator", "f1", "error_accuracy", "correct_accuracy",
          "precision", "recall", "auroc", "n")
NAN = float("nan")


def processbench(human_step: pd.Series, judge_step: pd.Series) -> tuple[float, float, float]:
    """(error accuracy, correct accuracy, F1); human -1 = no error, NaN = flawed, not located
    (left out); judge NaN = no error found."""
    predicted = judge_step.fillna(-1).astype(int)
    located = human_step.notna()
    errors = located & (human_step >= 0)
    clean = located & (human_step == -1)
    err = float((predicted[errors] == human_step[errors]).mean()) if errors.any() else NAN
    ok = float((predicted[clean] == -1).mean()) if clean.any() else NAN
    f1 = 2 * err * ok / (err + ok) if err + ok > 0 else (0.0 if err == err and ok == ok else NAN)
    return err, ok, f1


def detection(flawed: pd.Series, flagged: pd.Series, score: pd.Series
              ) -> tuple[float, float, float]:
    """(precision, recall, AUROC) of the judge as a detector of flawed reasoning."""
    from sklearn.metrics import roc_auc_score

    tp = int((flawed & flagged).sum())
    precision = tp / int(flagged.sum()) if flagged.any() else NAN
    recall = tp / int(flawed.sum()) if flawed.any() else NAN
    scored = score.notna()
    both = flawed[scored].nunique() == 2
    auroc = float(roc_auc_score(flawed[scored], score[scored])) if both else NAN
    return precision, recall, auroc


def scores(pairs: pd.DataFrame) -> dict:
    """Every figure for one group of (judge, human) pairs (rows of store.judges.against_humans)."""
    err, ok, f1 = processbench(pairs["human_step"], pairs["judge_step"])
    fp = pairs[pairs["correct"] == True]  # noqa: E712  (false positives: answer-correct only)
    precision, recall, auroc = detection(fp["verdict"] == "false_positive",
                                         fp["judge_step"].notna(), fp["score"])
    return {"f1": f1, "error_accuracy": err, "correct_accuracy": ok, "precision": precision,
            "recall": recall, "auroc": auroc, "n": len(pairs), "n_answer_correct": len(fp)}


def table(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per judge × labeller × generator, and an `all` generators row per judge ×
    labeller."""
    rows = []
    for (judge, labeller), group in pairs.groupby(["judge", "labeller"], sort=True):
        for generator, part in group.groupby("generator", sort=True):
            rows.append({"judge": judge, "labeller": labeller, "generator": generator,
                         **scores(part)})
        rows.append({"judge": judge, "labeller": labeller, "generator": "all",
                     **scores(group)})
    return pd.DataFrame(rows, columns=[*FIELDS, "n_answer_correct"])


def position_confusion(pairs: pd.DataFrame, cap: int = 10) -> pd.DataFrame:
    """Human first wrong step (rows) against the judge's (columns), counted from 1 as on the
    pages; "none" = no error, steps past `cap` pooled as "cap+"."""
    def label(step) -> str:
        if pd.isna(step) or step < 0:
            return "none"
        return f"{cap + 1}+" if step >= cap else str(int(step) + 1)
    located = pairs[pairs["human_step"].notna()]
    order = ["none", *map(str, range(1, cap + 1)), f"{cap + 1}+"]
    matrix = pd.crosstab(located["human_step"].map(label).rename("human"),
                         located["judge_step"].map(label).rename("judge"))
    return matrix.reindex(index=[o for o in order if o in matrix.index],
                          columns=[o for o in order if o in matrix.columns], fill_value=0)


def json_safe(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in row.items()}


def first_error_agreement(pairs: Iterable[tuple[int | None, int | None]]) -> dict:
    """Pairs of (predicted, human) first wrong step, None = no error found / labelled clean.

    precision: predicted steps that are exactly the human's first error;
    recall: human first errors found at exactly that step;
    flag_precision: traces flagged at any step that humans also call wrong.
    """
    pairs = list(pairs)
    predicted = [(p, h) for p, h in pairs if p is not None]
    labelled = [(p, h) for p, h in pairs if h is not None]
    exact = sum(1 for p, h in predicted if p == h)
    return {
        "traces": len(pairs),
        "flagged": len(predicted),
        "human_errors": len(labelled),
        "exact": exact,
        "within_1": sum(1 for p, h in predicted if h is not None and abs(p - h) <= 1),
        "precision": exact / len(predicted) if predicted else float("nan"),
        "recall": exact / len(labelled) if labelled else float("nan"),
        "flag_precision": (sum(1 for _, h in predicted if h is not None) / len(predicted)
                           if predicted else float("nan")),
    }
