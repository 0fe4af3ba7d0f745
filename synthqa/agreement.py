"""Agreement of an automatic first-error locator (step checks, MC pits) with human labels."""
from __future__ import annotations

from collections.abc import Iterable


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
