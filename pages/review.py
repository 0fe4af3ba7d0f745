"""Review queue: judge answer-correct traces, estimate each generator's false-positive rate."""
import pandas as pd
import streamlit as st

from synthqa.review import MODES, agreement, fpr
from synthqa.ui import resources, reviewing
from synthqa.ui.router import through_router
from synthqa.ui.trace_view import show_labels, show_problem, show_steps, verdict_badge

through_router()

store = resources.store()
ss = st.session_state
st.title("Review")

if not ss.get("reviewer"):
    with st.form("reviewer_form"):
        st.text_input("Your name (stored with every label)", key="reviewer_name")
        st.form_submit_button("Start reviewing", type="primary", on_click=reviewing.start,
                              args=("reviewer_name",))
    st.stop()

generators = store.filter_options()["generators"]
if not generators:
    st.info("No traces yet: import some on the Workspace page.")
    st.stop()
c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
c1.selectbox("Generator", generators, key="review_generator", bind="query-params",
             on_change=reviewing.next_trace)
c2.segmented_control("Order", MODES, key="review_mode", default=MODES[0],
                     on_change=reviewing.next_trace,
                     help="random sample: unbiased FPR; suspects first: step-check failures first")
c3.caption(f"Reviewer: **{ss.reviewer}**")
if ss.get("review_mode") is None:
    ss.review_mode = MODES[0]

estimate = fpr(store, ss.review_generator)
pairs = agreement(store, ss.review_generator)
m1, m2 = st.columns([3, 2])
m1.metric("False-positive rate (human review)", "—" if estimate.rate is None
          else f"{estimate.rate:.1%}", help="answer-correct traces whose reasoning is wrong; "
          "stratified by step-check suspicion, 95% Wilson interval")
m1.caption(estimate.text())
if pairs:
    m2.dataframe(pd.DataFrame([{"reviewers": " & ".join(p.reviewers), "overlap": p.overlap,
                                "agree": p.agree, "kappa": p.kappa} for p in pairs]),
                 hide_index=True, column_config={"kappa": st.column_config.NumberColumn(
                     "Cohen's κ", format="%.2f")})
else:
    m2.caption("Agreement appears when two reviewers judge the same trace.")

if ss.get("review_saved"):
    st.toast(ss.pop("review_saved"))
if "review_trace" not in ss or (ss.review_trace and store.trace(ss.review_trace) is None):
    reviewing.next_trace()
trace_id = ss.review_trace
if trace_id is None:
    st.success("Every answer-correct trace of this generator has your verdict.")
    st.button("Undo last label", on_click=reviewing.undo, shortcut="Z",
              disabled=not ss.get("undo_stack"))
    st.stop()

trace, labels = store.trace(trace_id), store.labels_for(trace_id)
with st.container(border=True):
    show_problem(store.problem_of(trace_id))
    st.markdown(f"{verdict_badge(trace['correct'])} answer **{trace['answer_raw']}**"
                + (" :orange-badge[step-check suspect]" if trace["suspect"] else ""))
    show_steps(store.steps_of(trace_id), labels, mark=reviewing.mark_step,
               selected=ss.get("first_bad"))
st.text_input("Note (optional)", key="review_note")
b = st.columns(5)
b[0].button("Reasoning correct", on_click=reviewing.give_verdict, args=("correct",),
            shortcut="G", type="primary", width="stretch", help="key G")
b[1].button("False positive", on_click=reviewing.give_verdict, args=("false_positive",),
            shortcut="F", width="stretch", help="key F; mark the first bad step first (keys 1-9)")
b[2].button("Unsure", on_click=reviewing.give_verdict, args=("unsure",), shortcut="U",
            width="stretch", help="key U")
b[3].button("Skip", on_click=reviewing.skip, shortcut="S", width="stretch", help="key S")
b[4].button("Undo last label", on_click=reviewing.undo, shortcut="Z", width="stretch",
            disabled=not ss.get("undo_stack"), help="key Z")
with st.expander(f"Labels on this trace ({len(labels)})", expanded=labels.empty is False):
    show_labels(labels)
