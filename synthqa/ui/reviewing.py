"""Review actions. Every label is written in an on_click callback, before the page queries."""
from __future__ import annotations

import streamlit as st

from synthqa.review import VERDICTS, ReviewQueue, verdict_labels
from synthqa.ui import resources


@st.cache_resource(show_spinner=False)
def queue() -> ReviewQueue:
    """One queue per dashboard process: its claims keep two reviewers on different traces."""
    return ReviewQueue()


def _state():
    return st.session_state


def next_trace(skip: tuple[str, ...] = ()) -> None:
    ss = _state()
    ss.review_trace = queue().next_trace(resources.store(), ss.review_generator, ss.reviewer,
                                         ss.review_mode, skip)
    ss.first_bad = None
    ss.review_note = ""


def give_verdict(verdict: str) -> None:
    ss = _state()
    labels = verdict_labels(ss.review_trace, ss.reviewer, verdict, ss.get("first_bad"),
                            ss.get("review_note", ""))
    resources.store().add_labels(labels)  # committed before the next trace is shown
    ss.setdefault("undo_stack", []).append((ss.review_trace, [l["label_id"] for l in labels]))
    step = ss.get("first_bad")
    where = f", first bad step {step + 1}" if verdict == "false_positive" and step is not None \
        else ""
    ss.review_saved = f"Saved: {VERDICTS[verdict]}{where}."
    queue().release(ss.reviewer)
    next_trace()


def mark_step(index: int) -> None:
    ss = _state()
    ss.first_bad = None if ss.get("first_bad") == index else index


def undo() -> None:
    ss = _state()
    if not ss.get("undo_stack"):
        return
    trace_id, label_ids = ss.undo_stack.pop()
    removed = resources.store().delete_labels(label_ids, ss.reviewer)
    ss.review_trace, ss.first_bad = trace_id, None
    ss.review_saved = f"Undone: {removed} label(s) removed; the trace is back."


def skip() -> None:
    ss = _state()
    ss.review_skipped = (*ss.get("review_skipped", ()), ss.review_trace)
    next_trace(ss.review_skipped)


def start(name_key: str) -> None:
    name = _state().get(name_key, "").strip()
    if name:
        _state().reviewer = name
