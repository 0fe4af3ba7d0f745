"""Re-check the answers of stored traces with the current verifier."""
from __future__ import annotations

from collections.abc import Callable

from synthqa.answers import VERIFIER, extract_answer, verify_many
from synthqa.store import Store

CHUNK = 50_000


def reverify(store: Store, everything: bool = False, workers: int = 1,
             progress: Callable[[int], None] | None = None) -> int:
    """Re-extract (unless the producer gave the answer) and re-verify; returns traces checked."""
    frame = store.traces_to_verify(None if everything else VERIFIER)
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start: start + CHUNK].copy()
        extracted = [(a, m) if m == "given" else extract_answer(t)
                     for a, m, t in zip(chunk.answer_raw, chunk.answer_method, chunk.text)]
        chunk["answer_raw"] = [a for a, _ in extracted]
        chunk["answer_method"] = [m for _, m in extracted]
        golds = [None if g is None or g != g else g for g in chunk.gold_answer]  # NaN -> None
        verdicts = verify_many(list(zip(chunk.answer_raw, golds)), workers)
        chunk["is_correct"] = [ok if a is not None and g is not None else None
                               for ok, a, g in zip(verdicts, chunk.answer_raw, golds)]
        chunk["verifier"] = VERIFIER
        store.update_verdicts(chunk)
        if progress:
            progress(len(chunk))
    return len(frame)
