"""Review actions. Every label is written in an on_click callback, before the page queries."""
from __future__ import annotations

import threading

import streamlit as st

from synthqa.labels.review import (MODES, VERDICTS, NeedsFirstBadStep, QualityControl, ReviewQueue,
                                   answer_label, verdict_labels)
from synthqa.ui import resources

# With runner.fastReruns (Streamlit's default) a second click starts a new script run while
# the first one's callback may still be running: review actions take turns, and a click on a
# trace that is no longer the current one (a double click) does nothing.
_ACTIONS = threading.Lock()


@st.cache_resource(show_spinner=False)
def queue() -> ReviewQueue:
    """One queue per dashboard process: its claims keep two reviewers on different traces."""
    return ReviewQueue()


def _state():
    return st.session_state


def next_trace() -> None:
    """The reviewer's next trace; the ones they skipped stay skipped until the generator or
    the order changes."""
    ss = _state()
    mode = ss.get("review_mode") or MODES[0]  # a deselected order means the default
    skipped = tuple(ss.get("review_skipped", ()))
    ss.review_trace = queue().next_trace(resources.store(), ss.review_generator, ss.reviewer,
                                         mode, skipped, judge=ss.get("review_judge"),
                                         qc=quality_control())
    ss.first_bad = None
    ss.review_note = ""


def quality_control() -> QualityControl | None:
    """The page's quality-control setting: a gold labeller and the share of their traces."""
    ss = _state()
    gold, rate = ss.get("review_qc_gold"), float(ss.get("review_qc_rate") or 0)
    return QualityControl(gold, rate) if gold and rate > 0 else None


def restart() -> None:
    """Generator or order changed: the next trace comes from the new queue."""
    _state().pop("review_skipped", None)
    if _state().get("reviewer"):
        next_trace()
    else:
        _state().pop("review_trace", None)


def give_verdict(verdict: str, trace_key: str = "review_trace", advance: bool = True,
                 cannot_locate: bool = False, shown: str | None = None) -> None:
    """Save a verdict on the trace in session_state[trace_key] if it is the one the buttons
    were `shown` with; the queue moves on if asked. A false positive without its first bad
    step is not saved: the page asks for the step."""
    with _ACTIONS:
        if shown is None or _state().get(trace_key) == shown:
            _save_verdict(verdict, trace_key, advance, cannot_locate)


def _save_verdict(verdict: str, trace_key: str, advance: bool, cannot_locate: bool) -> None:
    ss = _state()
    trace_id = ss[trace_key]
    try:
        labels = verdict_labels(trace_id, ss.reviewer, verdict, ss.get("first_bad"),
                                ss.get("review_note", ""), cannot_locate)
    except NeedsFirstBadStep:
        ss.review_needs_step = trace_id
        return
    ss.pop("review_needs_step", None)
    held = resources.store().labels.add_many(labels)  # committed before the page goes on
    ss.setdefault("undo_stack", []).append((trace_id, held))
    step = ss.get("first_bad")
    where = f", first bad step {step + 1}" if verdict == "false_positive" and step is not None \
        else ""
    if cannot_locate:
        where = ", first bad step not located"
    ss.review_saved = f"Saved: {VERDICTS[verdict]}{where}."
    if advance:
        queue().release(ss.reviewer)
        next_trace()
    else:
        ss.first_bad, ss.review_note = None, ""


def set_answer(correct: bool, trace_key: str = "review_trace", advance: bool = True,
               shown: str | None = None) -> None:
    """Override the answer check on the trace shown: a label with the reviewer and the time,
    which every count reads (an answer made wrong leaves the false-positive queue)."""
    ss = _state()
    with _ACTIONS:
        if shown is not None and ss.get(trace_key) != shown:
            return
        label = answer_label(ss[trace_key], ss.reviewer, correct, ss.get("review_note", ""))
        held = resources.store().labels.add_many([label])
        ss.setdefault("undo_stack", []).append((ss[trace_key], held))
        ss.review_saved = f"Saved: the answer is {'right' if correct else 'wrong'}."
        if advance and not correct:
            queue().release(ss.reviewer)
            next_trace()


def mark_step(index: int) -> None:
    ss = _state()
    ss.first_bad = None if ss.get("first_bad") == index else index


def undo(trace_key: str = "review_trace") -> None:
    ss = _state()
    with _ACTIONS:
        if not ss.get("undo_stack"):
            return
        trace_id, label_ids = ss.undo_stack.pop()
        resources.store().labels.delete(label_ids, ss.reviewer)
        ss[trace_key], ss.first_bad = trace_id, None
    ss.review_saved = "Undone: your last verdict is removed; the trace is back."


def skip(shown: str | None = None) -> None:
    ss = _state()
    with _ACTIONS:
        if shown is None or ss.get("review_trace") == shown:
            ss.review_skipped = (*ss.get("review_skipped", ()), ss.review_trace)
            next_trace()


def start(name_key: str) -> None:
    name = _state().get(name_key, "").strip()
    if name:
        _state().reviewer = name
        st.query_params["reviewer"] = name  # a reload (or a bookmark) keeps the name


def remember_reviewer() -> None:
    """After a reload the URL still names the reviewer."""
    remembered = st.query_params.get("reviewer", "").strip()
    if not _state().get("reviewer") and remembered:
        _state().reviewer = remembered


def name_form() -> bool:
    """Ask for the reviewer's name once (the URL keeps it); True once it is known."""
    remember_reviewer()
    if _state().get("reviewer"):
        return True
    with st.form("reviewer_form"):
        st.text_input("Your name (stored with every label)", key="reviewer_name")
        st.form_submit_button("Start reviewing", type="primary", on_click=start,
                              args=("reviewer_name",))
    return False


def verdict_buttons(trace_key: str = "review_trace", advance: bool = True,
                    answer_correct: bool | None = None) -> None:
    """Verdict, skip and undo buttons, keyboard-friendly (G, F, U, W, S, Z; 1-9 mark a step);
    on a trace whose answer is wrong (`answer_correct` False), the answer override instead."""
    ss = _state()
    if ss.get("review_needs_step") == ss.get(trace_key) and ss.get("first_bad") is None:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.warning("Where does the reasoning first go wrong? Mark that step (1–9 or ⚑), "
                     "then press False positive again.", icon=":material/flag:")
        right.button("Cannot locate it", key="fp_cannot_locate", on_click=give_verdict,
                     args=("false_positive",), width="stretch",
                     kwargs={"trace_key": trace_key, "advance": advance,
                             "cannot_locate": True, "shown": ss.get(trace_key)},
                     help="save the false positive without a first bad step")
    st.text_input("Note (optional)", key="review_note")
    kw = {"trace_key": trace_key, "advance": advance, "shown": ss.get(trace_key)}
    if answer_correct is False:
        st.caption("The answer is wrong, so the trace cannot be a false positive; if the answer "
                   "check is mistaken, say so.")
        b = st.columns(4)
        b[0].button("Answer is actually right", on_click=set_answer, args=(True,), kwargs=kw,
                    shortcut="A", width="stretch", help="key A: overrides the answer check")
    else:
        # as wide as each label and its key (equal columns cut "Answer is actually wrong")
        b = st.columns([26, 23, 15, 33, 13, 24] if advance else [26, 23, 15, 33, 24])
        _reasoning_buttons(b, kw, advance)
    b[-1].button("Undo last label", on_click=undo, args=(trace_key,), shortcut="Z",
                 width="stretch", disabled=not _state().get("undo_stack"), help="key Z")


def _reasoning_buttons(b: list, kw: dict, advance: bool) -> None:
    b[0].button("Reasoning correct", on_click=give_verdict, args=("correct",), kwargs=kw,
                shortcut="G", type="primary", width="stretch", help="key G")
    b[1].button("False positive", on_click=give_verdict, args=("false_positive",), kwargs=kw,
                shortcut="F", width="stretch",
                help="key F; mark the first bad step first (keys 1-9)")
    b[2].button("Unsure", on_click=give_verdict, args=("unsure",), kwargs=kw, shortcut="U",
                width="stretch", help="key U")
    b[3].button("Answer is actually wrong", on_click=set_answer, args=(False,), kwargs=kw,
                shortcut="W", width="stretch", help="key W: overrides the answer check")
    if advance:
        b[4].button("Skip", on_click=skip, args=(kw["shown"],), shortcut="S",
                    width="stretch", help="key S")
