"""One trace on screen: problem, steps with their checks, verdict, labels, sibling traces."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from synthqa.store import Store
from synthqa.ui.text import answer_markdown, around, dashed, markdown_safe, plain

CHECK_MARK = {"ok": ":green[✓]", "wrong": ":red[✗]", "none": ":gray[·]", "unchecked": ":orange[⋯]"}


def verdict_badge(correct) -> str:
    if correct is None or correct is pd.NA or correct != correct:
        return ":gray-badge[unverified]"
    return ":green-badge[answer correct]" if correct else ":red-badge[answer wrong]"


def check_note(detail: str | None, kind: str | None) -> str:
    """'3*12 = 36, written 38 (static)' for each wrong equation of a step."""
    if not isinstance(detail, str):
        return ""
    wrong = [e for e in json.loads(detail) if not e["ok"]]
    notes = [f"{e['expr']} = {e['actual']}, written {e['claimed']}" for e in wrong]
    return "; ".join(notes) + (f" ({kind})" if kind and notes else "")


def source_badge(trace: dict) -> str:
    """The source file's own answer verdict beside SynthQA's, orange where they differ."""
    source, ours = known(trace.get("source_is_correct")), known(trace.get("is_correct"))
    if source is None or ours is None:
        return ""
    said = "answer correct" if source else "answer wrong"
    return ":gray-badge[source agrees]" if source == ours \
        else f":orange-badge[the source says {said}]"


def answer_override(labels: pd.DataFrame) -> str:
    """Who set the answer verdict by hand (the latest answer label wins), if anybody did."""
    answer = labels[(labels.kind == "answer_correct") & labels.step_index.isna()]
    if answer.empty:
        return ""
    last = answer.sort_values("labelled_at").iloc[-1]
    said = "right" if last.value == "true" else "wrong"
    return f":blue-badge[answer set {said} by {plain(last.who)}]"


def answer_line(trace: dict, labels: pd.DataFrame) -> str:
    """SynthQA's answer verdict, the source's, any hand override, and the answer itself."""
    badges = [verdict_badge(trace["correct"]), source_badge(trace), answer_override(labels)]
    return " ".join(filter(None, badges)) + f" answer **{answer_markdown(trace['answer_raw'])}**"


def known(value) -> bool | None:
    """A verdict from the store: True, False or None (NULL, NaN, NA)."""
    return None if value is None or value is pd.NA or value != value else bool(value)


def human_first_error(labels: pd.DataFrame) -> dict[int, str]:
    """step index -> who marked it as the first wrong step (each reviewer's latest)."""
    marks: dict[int, str] = {}
    fe = labels[(labels.kind == "first_error_step")].sort_values("labelled_at")
    for who, value in fe.groupby("who").value.last().items():
        if value not in (None, "none"):
            marks.setdefault(int(value), "")
            marks[int(value)] = ", ".join(filter(None, [marks[int(value)], plain(who)]))
    return marks


def verdicts_badge(labels: pd.DataFrame) -> str:
    """Each reviewer's latest verdict; red when they disagree."""
    verdicts = (labels[labels.kind == "reasoning"].sort_values("labelled_at")
                .groupby("who").value.last())
    if verdicts.empty:
        return ""
    text = ", ".join(f"{plain(who)}: {plain(value.replace('_', ' '))}"
                     for who, value in verdicts.items())
    decisive = set(verdicts) - {"unsure"}
    return f":red-badge[reviewers disagree — {text}]" if len(decisive) > 1 \
        else f":blue-badge[{text}]"


def show_problem(problem: dict) -> None:
    st.markdown(markdown_safe(problem["text"]))
    meta = " · ".join(plain(v) for v in (problem.get("source"), problem.get("split"),
                                         problem.get("level"), problem.get("topic"))
                      if v is not None and v == v)
    st.caption(f"{meta} · gold answer: **{answer_markdown(problem.get('gold_answer'))}**")


def show_steps(steps: pd.DataFrame, labels: pd.DataFrame, mark=None,
               selected: int | None = None) -> None:
    """Each step on its own row with its check; with `mark`, a button marks the first bad step."""
    marks = human_first_error(labels)
    widths = [0.05, 0.80, 0.15] if mark else [0.05, 0.95]
    for row in steps.itertuples():
        i = row.step_index
        cols = st.columns(widths, vertical_alignment="top")
        cols[0].markdown(f"**{i + 1}** {CHECK_MARK.get(row.check_status, '')}")
        badges = [":red-badge[your first bad step]" if selected == i else "",
                  f":orange-badge[first bad step: {marks[i]}]" if i in marks else ""]
        cols[1].markdown(around(markdown_safe(row.text), " ".join(filter(None, badges))))
        note = check_note(row.check_detail, row.error_kind)
        if note:
            cols[1].caption(f"step check: {markdown_safe(note)}")
        if mark:
            cols[2].button("First bad", icon=":material/flag:", key=f"mark_{i}", on_click=mark,
                           args=(i,),
                           shortcut=str(i + 1) if i < 9 else None,
                           type="primary" if selected == i else "secondary",
                           help=f"Mark step {i + 1} as the first wrong step"
                                + (f" (key {i + 1})" if i < 9 else ""))


def show_labels(labels: pd.DataFrame) -> None:
    if labels.empty:
        st.caption("No human labels yet.")
        return
    st.dataframe(dashed(labels_shown(labels)), hide_index=True, width="stretch",
                 column_config={"who": st.column_config.TextColumn(width="medium")})  # whole


def labels_shown(labels: pd.DataFrame) -> pd.DataFrame:
    """Labels as the page numbers steps, from 1 (the store and exports count from 0)."""
    def value(kind, v):
        return str(int(v) + 1) if kind == "first_error_step" and str(v).isdigit() else v
    return pd.DataFrame({
        "labelled_at": labels["labelled_at"], "who": labels["who"], "kind": labels["kind"],
        "step": labels["step_index"].map(lambda i: None if pd.isna(i) else int(i) + 1),
        "value": [value(k, v) for k, v in zip(labels["kind"], labels["value"])],
        "note": labels["note"]})


def show_trace(store: Store, trace_id: str, siblings: bool = True, mark=None,
               selected: int | None = None) -> dict | None:
    """The trace on screen; returns its row (None when it is not in the store)."""
    trace = store.traces.get(trace_id)
    if trace is None:
        st.warning("This trace is not in the store.")
        return None
    problem, steps, labels = (store.traces.problem_of(trace_id), store.traces.steps_of(trace_id),
                              store.labels.of_trace(trace_id))
    st.subheader(f"{plain(trace['generator'])} · sample {trace['sample_index']}")
    show_problem(problem)
    badges = [answer_line(trace, labels) + f" ({trace['answer_method']})"]
    if trace["suspect"]:
        badges.append(":orange-badge[false-positive suspect]")
    if isinstance(trace["error_kind"], str):
        badges.append(f":violet-badge[{trace['error_kind']} step error]")
    if not labels.empty:
        badges.append(verdicts_badge(labels))
    st.markdown(" ".join(badges))
    show_steps(steps, labels, mark, selected)
    st.caption(f"run {plain(trace['run_id'])} · {trace['n_tokens']} tokens"
               f"{' (estimated)' if trace['tokens_estimated'] else ''} · {trace['verifier']} · "
               f"steps: {steps.splitter.iloc[0] if len(steps) else '—'} · id {trace_id}")
    with st.expander(f"Labels ({len(labels)})", expanded=not labels.empty):
        show_labels(labels)
    if siblings:
        show_siblings(store, trace_id)
    return trace


def show_siblings(store: Store, trace_id: str) -> None:
    others = store.traces.siblings(trace_id)
    if others.empty:
        return
    st.markdown("**Other traces of this problem**")
    cols = st.columns(min(3, len(others)))
    for i, row in enumerate(others.itertuples()):
        with cols[i % len(cols)].container(border=True):
            st.markdown(f"**{plain(row.generator)}** #{row.sample_index} "
                        f"{verdict_badge(row.correct)}"
                        + (" :orange-badge[suspect]" if row.suspect else ""))
            st.markdown(markdown_safe(row.text))
