"""The review queue: who reviews which trace next, what a verdict writes, and agreement."""
from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import combinations

from synthqa.labels.fpr import active_order
from synthqa.store import Store

VERDICTS = {"correct": "Reasoning correct", "false_positive": "False positive",
            "unsure": "Unsure"}
MODES = ("random sample", "suspects first", "active (judge)")
ACTIVE = MODES[2]  # the trace that shrinks the judge-corrected interval most comes first
CLAIM_TTL_S = 600.0  # a trace shown to a reviewer is theirs for 10 minutes


@dataclass(frozen=True)
class QualityControl:
    """Traces with a known verdict (a gold labeller's, e.g. imported expert labels) mixed into
    each reviewer's queue at `rate`; each reviewer's accuracy on them is measured."""
    gold: str
    rate: float

    def draw(self, rng: random.Random) -> bool:
        return self.rate > 0 and rng.random() < self.rate

    def candidates(self, store: Store, generator: str, who: str) -> list[str]:
        """The gold labeller's decisively judged answer-correct traces `who` has not judged."""
        mine, gold = set(), []
        for trace_id, labeller, verdict in store.labels.reviewer_verdicts(generator):
            if labeller == who:
                mine.add(trace_id)
            elif labeller == self.gold and verdict in ("correct", "false_positive"):
                gold.append(trace_id)
        correct = set(store.labels.fpr_inputs(generator)["trace_id"])
        return [t for t in gold if t not in mine and t in correct]

    def accuracy(self, pairs: list[Agreement]) -> list[dict]:
        """Per reviewer: traces shared with the gold labeller and the share judged alike."""
        rows = []
        for p in pairs:
            if self.gold in p.reviewers and p.overlap:
                other = p.reviewers[1] if p.reviewers[0] == self.gold else p.reviewers[0]
                rows.append({"reviewer": other, "quality-control items": p.overlap,
                             "accuracy": p.agree / p.overlap})
        return rows


class ReviewQueue:
    """Hands traces to the reviewers of this process so two sessions get different ones.

    The dashboard process is the store's only writer, so its memory is the right place for
    claims; a claim lapses after CLAIM_TTL_S so a closed tab does not hide a trace forever.
    """

    def __init__(self, ttl_s: float = CLAIM_TTL_S):
        self._ttl_s = ttl_s
        self._claims: dict[str, tuple[str, float]] = {}  # trace_id -> (reviewer, when)
        self._lock = threading.Lock()
        self._rng = random.Random()

    def next_trace(self, store: Store, generator: str, who: str, mode: str,
                   skip: tuple[str, ...] = (), judge: str | None = None,
                   qc: QualityControl | None = None) -> str | None:
        """The first trace in queue order nobody reviewed or holds; else one others reviewed.
        The active order needs a judge; without one it is the random order. With quality
        control, a share of the traces are ones its gold labeller judged (PRM800K-style)."""
        gold = qc.candidates(store, generator, who) if qc and qc.draw(self._rng) else []
        if gold:
            candidates = [(t, 0) for t in gold]
        elif mode == ACTIVE and judge:
            candidates = active_candidates(store, generator, who, judge)
        else:
            candidates = store.labels.review_candidates(generator, who,
                                                        suspects_first=mode == MODES[1])
        now = time.monotonic()
        with self._lock:
            self._claims = {t: c for t, c in self._claims.items() if now - c[1] < self._ttl_s}
            free = [(t, n) for t, n in candidates
                    if t not in skip and self._claims.get(t, (who,))[0] == who]
            choice = next((t for t, n in free if n == 0), None) or next(
                (t for t, _ in free), None)
            self._release(who)
            if choice is not None:
                self._claims[choice] = (who, now)
            return choice

    def release(self, who: str) -> None:
        """Give back what `who` holds (after a verdict, or when they leave)."""
        with self._lock:
            self._release(who)

    def _release(self, who: str) -> None:
        for trace in [t for t, (holder, _) in self._claims.items() if holder == who]:
            del self._claims[trace]


def active_candidates(store: Store, generator: str, who: str, judge: str,
                      limit: int = 200) -> list[tuple[str, int]]:
    """Like Labels.review_candidates, in the active order of the judge's scores."""
    reviewers: dict[str, set[str]] = {}
    for trace_id, labeller, _ in store.labels.reviewer_verdicts(generator):
        reviewers.setdefault(trace_id, set()).add(labeller)
    order = [t for t in active_order(store, generator, judge) if who not in reviewers.get(t, ())]
    return [(t, len(reviewers.get(t, ()))) for t in order[:limit]]


def first_error_label(trace_id: str, who: str, step: int, note: str = "") -> dict:
    """A reviewer's first wrong step of a trace (0-based), e.g. accepting or correcting a pit."""
    if not who.strip():
        raise ValueError("a reviewer name is required")
    return {"label_id": uuid.uuid4().hex, "trace_id": trace_id, "step_index": None,
            "kind": "first_error_step", "value": str(int(step)), "who": who.strip(),
            "origin": "human", "labelled_at": datetime.now(timezone.utc).replace(tzinfo=None),
            "note": note or None}


def answer_label(trace_id: str, who: str, correct: bool, note: str = "") -> dict:
    """A reviewer's verdict on the final answer, overriding the answer check everywhere."""
    if not who.strip():
        raise ValueError("a reviewer name is required")
    return {"label_id": uuid.uuid4().hex, "trace_id": trace_id, "step_index": None,
            "kind": "answer_correct", "value": "true" if correct else "false",
            "who": who.strip(), "origin": "human",
            "labelled_at": datetime.now(timezone.utc).replace(tzinfo=None), "note": note or None}


CANNOT_LOCATE = "the first bad step cannot be located"


class NeedsFirstBadStep(ValueError):
    """A false positive needs its first bad step, or an explicit "cannot locate"."""


def verdict_labels(trace_id: str, who: str, verdict: str, first_bad_step: int | None,
                   note: str = "", cannot_locate: bool = False) -> list[dict]:
    """The labels one review action writes: the verdict, and where the reasoning first fails
    (a false positive needs that step, or `cannot_locate`, which goes into the note)."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    if not who.strip():
        raise ValueError("a reviewer name is required")
    if verdict == "false_positive" and first_bad_step is None:
        if not cannot_locate:
            raise NeedsFirstBadStep("mark the first bad step, or say it cannot be located")
        note = f"{note}; {CANNOT_LOCATE}" if note else CANNOT_LOCATE
    at = datetime.now(timezone.utc).replace(tzinfo=None)

    def label(kind, value, note=None):
        return {"label_id": uuid.uuid4().hex, "trace_id": trace_id, "step_index": None,
                "kind": kind, "value": value, "who": who.strip(), "origin": "human",
                "labelled_at": at, "note": note or None}

    labels = [label("reasoning", verdict, note)]
    if verdict == "false_positive" and first_bad_step is not None:
        labels.append(label("first_error_step", str(first_bad_step)))
    elif verdict == "correct":
        labels.append(label("first_error_step", "none"))
    return labels


@dataclass(frozen=True)
class Agreement:
    reviewers: tuple[str, str]
    overlap: int          # traces both gave a verdict on
    agree: int
    kappa: float | None   # Cohen's kappa; None when undefined (e.g. one label only)


def reviewer_agreement(store: Store, generator: str) -> list[Agreement]:
    """Cohen's kappa for every pair of reviewers who gave verdicts on the same traces."""
    from sklearn.metrics import cohen_kappa_score

    verdicts: dict[str, dict[str, str]] = {}
    for trace_id, who, value in store.labels.reviewer_verdicts(generator):
        verdicts.setdefault(who, {})[trace_id] = value
    pairs = []
    for a, b in combinations(sorted(verdicts), 2):
        shared = sorted(set(verdicts[a]) & set(verdicts[b]))
        if not shared:
            continue
        xs, ys = [verdicts[a][t] for t in shared], [verdicts[b][t] for t in shared]
        agree = sum(x == y for x, y in zip(xs, ys))
        kappa = None
        if len(set(xs) | set(ys)) > 1:
            kappa = float(cohen_kappa_score(xs, ys))
        pairs.append(Agreement((a, b), len(shared), agree, kappa))
    return pairs
