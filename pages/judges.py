"""Judges: run an automatic judge, see how it agrees with the humans, and the FPR it gives."""
import streamlit as st

from synthqa.judges import evaluate
from synthqa.labels import fpr
from synthqa.ui import resources
from synthqa.ui.judging import launch_form, run_progress
from synthqa.ui.router import through_router
from synthqa.ui.text import dashed, decimal_text, plain

through_router()

store = resources.store()
st.title("Judges")
st.caption("A judge reads a trace and returns P(reasoning flawed) and its first wrong step. "
           "Against human labels it is scored as ProcessBench does (F1 of the accuracy on "
           "traces with an error and on error-free ones) and as a false-positive detector on "
           "answer-correct traces; its scores then narrow the FPR's interval (PPI).")
summary = store.judges.summary()
generators = store.traces.filter_options()["generators"]
with st.expander("Run a judge", expanded=summary.empty):
    launch_form(generators, store.values.policies())
    run_progress()
if summary.empty:
    st.info("No judge has scored traces yet: run one above, or `python -m synthqa judge run`.")
    st.stop()
st.dataframe(dashed(summary), hide_index=True, key="judge_summary", column_config={
    "unparsed": st.column_config.NumberColumn(help="critic replies with no readable index: "
                                              "counted, never guessed")})

st.subheader("Against human labels")
pairs = store.judges.against_humans()
if pairs.empty:
    st.caption("No trace a judge scored has a human verdict yet: import labelled traces or "
               "review some. (A trace a judge could not score, such as a critic's reply with "
               "no readable index, is not compared.)")
    st.stop()
table = evaluate.table(pairs)
names = {"f1": "ProcessBench F1", "error_accuracy": "accuracy on errors",
         "correct_accuracy": "accuracy on error-free", "precision": "FP precision",
         "recall": "FP recall", "auroc": "FP AUROC"}
# scores as text ("—" where one cannot be computed: no error traces, one class only)
st.dataframe(table.assign(**{c: table[c].map(decimal_text) for c in names}), hide_index=True,
             key="judge_eval", column_config={
    **{c: st.column_config.TextColumn(label) for c, label in names.items()},
    "n_answer_correct": st.column_config.NumberColumn(
        "answer-correct", help="traces behind precision, recall and AUROC")})
c1, c2 = st.columns(2)
judge = c1.selectbox("Judge", sorted(pairs["judge"].unique()), key="eval_judge")
labeller = c2.selectbox("Labeller", sorted(pairs["labeller"].unique()), key="eval_labeller")
chosen = pairs[(pairs["judge"] == judge) & (pairs["labeller"] == labeller)]
if chosen.empty:
    st.caption("This judge and labeller share no traces.")
else:
    st.caption("First wrong step: the labeller's (rows) against the judge's (columns); "
               "'none' = no error. Steps count from 1.")
    st.dataframe(evaluate.position_confusion(chosen), key="judge_confusion")

st.subheader("The FPR with this judge")
rows = []
for generator in generators:
    for name, e in fpr.with_judge(store, generator, judge).items():
        if e.reviewed:
            rows.append({"generator": generator, "method": e.method,
                         "FPR": e.rate, "low": e.low, "high": e.high,
                         "width (points)": 100 * (e.high - e.low), "labels": e.reviewed})
if rows:
    st.dataframe(rows, hide_index=True, key="judge_fpr", column_config={
        **{c: st.column_config.NumberColumn(format="%.3f") for c in ("FPR", "low", "high")},
        "width (points)": st.column_config.NumberColumn(format="%.1f")})
    st.caption(f"Over the answer-correct traces {plain(judge)} scored. PPI++ assumes the "
               "labelled traces are a random sample of them (the review queue's random order); "
               "active uses the fully reviewed start of the active order only.")
else:
    st.caption("No generator has labelled answer-correct traces scored by this judge.")
