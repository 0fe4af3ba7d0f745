"""Review queue: judge answer-correct traces, estimate each generator's false-positive rate."""
import pandas as pd
import streamlit as st

from synthqa.export import export_records, jsonl_bytes, prm_records
from synthqa.labels import fpr
from synthqa.labels.review import MODES, reviewer_agreement
from synthqa.ui import resources, reviewing
from synthqa.ui.router import through_router
from synthqa.ui.text import dashed, percent_text, plain
from synthqa.ui.trace_view import (answer_line, known, show_labels, show_problem, show_steps,
                                   verdicts_badge)

through_router()

store = resources.store()
ss = st.session_state
st.title("Review")

generators = store.traces.filter_options()["generators"]
if not generators:
    st.info("No traces yet: import some on the Workspace page.")
    st.stop()
c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
c1.selectbox("Generator", generators, key="review_generator", bind="query-params",
             on_change=reviewing.restart)
c2.segmented_control("Order", MODES, key="review_mode", default=MODES[0],
                     on_change=reviewing.restart,
                     help="random sample: unbiased FPR; suspects first: step-check failures "
                     "first; active: the traces the judge is least sure of first, weighted so "
                     "the judge-corrected FPR stays unbiased")
reviewing.remember_reviewer()
if ss.get("reviewer"):
    c3.caption(f"Reviewer: **{plain(ss.reviewer)}**")

judges = store.judges.names()
if judges:
    st.columns([2, 3])[0].selectbox(
        "Judge", judges, key="review_judge", on_change=reviewing.restart,
        help="its scores order the active queue and correct the FPR (PPI)")
estimate = fpr.human(store, ss.review_generator)
pairs = reviewer_agreement(store, ss.review_generator)
m1, m2 = st.columns([3, 2])
m1.metric("False-positive rate (human review)", "—" if estimate.rate is None
          else f"{estimate.rate:.1%}", help="answer-correct traces whose reasoning is wrong; "
          "every human label counts (Review-page verdicts and imported first-error labels); "
          "stratified by step-check suspicion, 95% Wilson interval")
m1.caption(estimate.text())  # numbers only
strata = store.labels.review_strata(ss.review_generator)
total, judged = sum(s[0] for s in strata), sum(s[1] for s in strata)
m1.caption(f"{judged:,} of {total:,} answer-correct traces reviewed · {total - judged:,} left")
if estimate.reviewed:
    m1.caption(f"Rests on {plain(estimate.basis())}")
methods = fpr.table(store, ss.review_generator, ss.review_judge) \
    if ss.get("review_judge") in judges else None
if methods is not None and methods.empty:
    m1.caption(f"Not scored by the judge {plain(ss.review_judge)}: run it on this "
               "generator (Judges page) for its PPI++ and active estimates.")
if pairs:
    m2.dataframe(pd.DataFrame([{"reviewers": " & ".join(p.reviewers), "overlap": p.overlap,
                                "agree": p.agree, "kappa": p.kappa} for p in pairs]),
                 hide_index=True, column_config={"kappa": st.column_config.NumberColumn(
                     "Cohen's κ", format="%.2f")})
else:
    m2.caption("Agreement appears when two reviewers judge the same trace.")
if methods is not None and not methods.empty:      # the page's width: every column shows
    # the rate as text: a rate not known yet is "—", which a number column flags as invalid
    st.dataframe(dashed(methods.assign(FPR=methods["FPR"].map(percent_text))),
                 hide_index=True, key="fpr_methods", width="stretch")

labellers = [w for w, _ in store.labels.verdict_labellers(ss.review_generator)
             .get(ss.review_generator, []) if w != ss.get("reviewer")]
with st.expander("Quality control", expanded=bool(ss.get("review_qc_rate"))):
    q1, q2 = st.columns(2)
    q1.selectbox("Known labels from", labellers, key="review_qc_gold",
                 on_change=reviewing.restart, help="a labeller whose verdicts are trusted, e.g. "
                 "an imported expert set; their traces are mixed into each reviewer's queue")
    q2.slider("Share of the queue", 0.0, 0.5, 0.0, 0.05, key="review_qc_rate",
              on_change=reviewing.restart, help="0 = off. While on, other labellers' verdicts "
              "are hidden from the trace card (a blind review)")
    qc = reviewing.quality_control()
    if qc:
        rows = qc.accuracy(pairs)
        if rows:
            st.dataframe(rows, hide_index=True, column_config={
                "accuracy": st.column_config.ProgressColumn(format="percent", min_value=0,
                                                            max_value=1)})
        else:
            st.caption("No reviewer has judged one of their traces yet.")
with st.popover("Export labels", icon=":material/download:"):
    gen = ss.review_generator
    st.download_button("Labelled traces (JSONL)", key="dl_labelled",
                       data=lambda: jsonl_bytes(export_records(store, gen, labelled_only=True)),
                       file_name=f"labelled-{gen}.jsonl", mime="application/jsonl")
    st.download_button("TRL stepwise supervision (JSONL)", key="dl_prm",
                       data=lambda: jsonl_bytes(prm_records(store, gen)),
                       file_name=f"prm-{gen}.jsonl", mime="application/jsonl",
                       help="prompt, completions, labels: steps up to the first bad one")
if not reviewing.name_form():
    st.stop()
if ss.get("review_saved"):
    st.toast(ss.pop("review_saved"), duration="long")
trace = store.traces.get(ss.review_trace) if ss.get("review_trace") else None
if "review_trace" not in ss or (ss.review_trace and trace is None):
    reviewing.next_trace()
    trace = store.traces.get(ss.review_trace) if ss.review_trace else None
trace_id = ss.review_trace
if trace_id is None:
    st.success("Every answer-correct trace of this generator has your verdict.")
    st.button("Undo last label", on_click=reviewing.undo, shortcut="Z",
              disabled=not ss.get("undo_stack"))
    st.stop()

labels = store.labels.of_trace(trace_id)
if total and judged == total:
    st.caption("Every answer-correct trace has a verdict: this one is served for a second "
               "opinion (reviewer agreement).")
with st.container(border=True, key="review_card"):
    show_problem(store.traces.problem_of(trace_id))
    blind = reviewing.quality_control() is not None  # never show a QC item's known verdict
    st.markdown(answer_line(trace, labels.iloc[0:0] if blind else labels)
                + (" :orange-badge[step-check suspect]" if trace["suspect"] else "")
                + ("" if blind else f" {verdicts_badge(labels)}"))
    show_steps(store.traces.steps_of(trace_id), labels.iloc[0:0] if blind else labels,
               mark=reviewing.mark_step,
               selected=ss.get("first_bad"))
reviewing.verdict_buttons(answer_correct=known(trace["correct"]))
if not blind:
    with st.expander(f"Labels on this trace ({len(labels)})", expanded=labels.empty is False):
        show_labels(labels)
