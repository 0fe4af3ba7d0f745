"""Every way SynthQA estimates a generator's false-positive rate, from one place.

labels only: the stratified Wilson estimate of the human verdicts (synthqa.labels.estimate);
labels + judge: PPI++ over the judge's scores, and the active order's inverse-probability
estimate (synthqa.labels.ppi). Each estimate names its method, n and whose labels.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pandas as pd

from synthqa.labels import ppi
from synthqa.labels.estimate import FprEstimate, Stratum, fpr_estimate
from synthqa.store import Store

DECISIVE = ("correct", "false_positive")


def human(store: Store, generator: str) -> FprEstimate:
    """The human FPR from every label on the generator's traces, and whose labels they are."""
    estimate = fpr_estimate([Stratum(*row) for row in store.labels.review_strata(generator)])
    return estimate.with_labellers(store.labels.verdict_labellers(generator).get(generator, []))


def uniform_u(trace_ids) -> np.ndarray:
    """A uniform number in (0, 1) per trace, fixed by its id (independent of any label)."""
    return np.array([(int(hashlib.sha1(t.encode()).hexdigest()[:12], 16) + 0.5) / 16 ** 12
                     for t in trace_ids])


def judged_frame(store: Store, judge: str, generator: str) -> pd.DataFrame:
    """The generator's answer-correct traces with the judge's score, the human verdict (y =
    1 flawed, 0 not, NaN unlabelled) and the active order's key."""
    frame = store.judges.scores(judge, generator)
    frame["y"] = frame["verdict"].map({"false_positive": 1.0, "correct": 0.0})
    frame["key"] = ppi.active_keys(uniform_u(frame["trace_id"]), frame["score"])
    return frame


def with_judge(store: Store, generator: str, judge: str,
               frame: pd.DataFrame | None = None) -> dict[str, FprEstimate]:
    """labels only, PPI++ and active estimates over the traces the judge scored (`frame`:
    judged_frame's, when the caller has it)."""
    frame = judged_frame(store, judge, generator) if frame is None else frame
    frame = frame[frame["score"].notna()]
    labelled = frame["y"].notna().to_numpy()
    labellers = list(frame.loc[labelled, "labeller"].value_counts().items())
    y, f = frame["y"].to_numpy(), frame["score"].to_numpy(float)
    only = _labels_only(frame).with_labellers(labellers)
    if labelled.all():  # a census: the judge has nothing to add to the labels
        return {k: replace(only, method=f"{m}: all labelled")
                for k, m in (("labels only", "labels only"),
                             ("PPI++", f"labels + judge {judge} (PPI++)"),
                             ("active", f"labels + judge {judge} (active)"))} | {
                    "labels only": only}
    estimates = {
        "labels only": only,
        "PPI++": ppi.ppi(y[labelled], f[labelled], f[~labelled], judge),
        "active": ppi.active(np.nan_to_num(y), labelled, f, frame["key"].to_numpy(), judge),
    }
    return {k: e.with_labellers(labellers) for k, e in estimates.items()}


def _labels_only(frame: pd.DataFrame) -> FprEstimate:
    """The stratified estimate of the Review page, over these traces."""
    return fpr_estimate([Stratum(len(g), int(g["y"].notna().sum()), int((g["y"] == 1).sum()))
                         for _, g in frame.groupby("suspect")])


def active_order(store: Store, generator: str, judge: str) -> list[str]:
    """The generator's answer-correct traces in the active queue's order."""
    frame = judged_frame(store, judge, generator)
    return frame.sort_values("key", kind="stable")["trace_id"].tolist()


def table(store: Store, generator: str, judge: str) -> pd.DataFrame:
    """The estimates side by side: rate, 95% interval, its width and the labels behind it;
    no rows when the judge scored none of the generator's answer-correct traces."""
    frame = judged_frame(store, judge, generator)
    if not frame["score"].notna().any():
        return pd.DataFrame(columns=["method", "FPR", "95% CI", "width (points)", "labels"])
    rows = []
    for e in with_judge(store, generator, judge, frame).values():
        known = e.rate is not None
        rows.append({"method": e.method, "FPR": round(e.rate, 4) if known else None,
                     "95% CI": f"{e.low:.1%}–{e.high:.1%}" if known else "—",
                     "width (points)": round(100 * (e.high - e.low), 1) if known else None,
                     "labels": e.reviewed})
    return pd.DataFrame(rows)


def quick_table(store: Store) -> pd.DataFrame:
    """Every generator's figures that need no embeddings, the human FPR among them: what the
    metric pages show at once while the full report is computed."""
    frame = store.summaries.quick_quality()
    estimates = [human(store, g) for g in frame["generator"]]
    frame.insert(4, "fpr_human", [e.rate for e in estimates])
    frame.insert(5, "fpr_ci", [f"{e.low:.1%}–{e.high:.1%}" if e.reviewed else "" for e in
                               estimates])
    frame.insert(6, "fpr_n", [e.reviewed for e in estimates])
    frame.insert(7, "fpr_by", [e.basis() if e.reviewed else "" for e in estimates])
    return frame
