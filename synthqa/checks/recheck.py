"""Re-check stored traces with the current answer verifier and step checker."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from synthqa.checks.answers import VERIFIER, extract_answer, verify_many
from synthqa.checks.complexity import check_features
from synthqa.checks.stepcheck import CHECKER, check_trace
from synthqa.schema import TABLE_COLUMNS
from synthqa.store import Store

CHUNK = 50_000


def reverify(store: Store, everything: bool = False, workers: int = 1,
             progress: Callable[[int], None] | None = None) -> int:
    """Re-extract (unless the producer gave the answer) and re-verify; returns traces checked."""
    frame = store.checks.to_verify(None if everything else VERIFIER)
    for start in range(0, len(frame), CHUNK):
        chunk = verify_frame(frame.iloc[start: start + CHUNK], workers)
        store.checks.update_verdicts(chunk)
        if progress:
            progress(len(chunk))
    return len(frame)


def verify_frame(frame: pd.DataFrame, workers: int = 1) -> pd.DataFrame:
    """Verdicts of traces (trace_id, answer_raw, answer_method, text, gold_answer): the
    answer re-extracted unless the producer gave it, checked against the gold answer. The
    same function runs here and on a Ray cluster (synthqa.cluster.job)."""
    chunk = frame[["trace_id", "answer_raw", "answer_method", "text", "gold_answer"]].copy()
    extracted = [(a, m) if m == "given" else extract_answer(t)
                 for a, m, t in zip(chunk.answer_raw, chunk.answer_method, chunk.text)]
    chunk["answer_raw"] = [a for a, _ in extracted]
    chunk["answer_method"] = [m for _, m in extracted]
    golds = [None if g is None or g != g else g for g in chunk.gold_answer]  # NaN -> None
    verdicts = verify_many(list(zip(chunk.answer_raw, golds)), workers)
    chunk["is_correct"] = pd.array([ok if a is not None and g is not None else None
                                    for ok, a, g in zip(verdicts, chunk.answer_raw, golds)],
                                   dtype="boolean")
    chunk["verifier"] = VERIFIER
    return chunk[["trace_id", "answer_raw", "answer_method", "is_correct", "verifier"]]


def recheck_steps(store: Store, everything: bool = False,
                  progress: Callable[[int], None] | None = None) -> int:
    """Re-run the step checks of traces checked by another checker version."""
    frame = store.checks.to_recheck(None if everything else CHECKER)
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start: start + CHUNK]
        traces, steps, features = [], [], []
        for trace_id, texts, answer in zip(chunk.trace_id, chunk.steps, chunk.answer_raw):
            check = check_trace(list(texts), answer if isinstance(answer, str) else None)
            traces.append((trace_id, check.first_failed, check.error_kind, CHECKER))
            features.append((trace_id, *check_features(check), CHECKER))
            for i, result in enumerate(check.steps):
                steps.append((trace_id, i, result.status, result.detail, result.error_kind))
        store.checks.update_step_checks(
            pd.DataFrame(traces, columns=["trace_id", "first_failed_step", "error_kind",
                                          "step_checker"]),
            pd.DataFrame(steps, columns=["trace_id", "step_index", "check_status",
                                         "check_detail", "error_kind"]))
        store.checks.put_features(pd.DataFrame(features, columns=TABLE_COLUMNS["trace_features"]))
        if progress:
            progress(len(chunk))
    return len(frame)
