"""Data quality: quality, diversity and complexity of one data set, and the trade-off."""
import streamlit as st

from synthqa.metrics.quality import FprEstimate
from synthqa.ui import charts, metrics
from synthqa.ui.router import through_router

through_router()

DIVERSITY = {"unique_correct": "unique correct solutions / problem", "vendi": "Vendi score",
             "cosine_distance": "mean pairwise cosine distance", "distinct_2": "distinct 2-grams"}

st.title("Data quality")
rep = metrics.current_report()
if rep is None or rep.generators.empty:
    st.stop()
gens = rep.generators
name = st.selectbox("Data set (generator)", gens["generator"], key="dataset",
                    bind="query-params")
row = gens.set_index("generator").loc[name]
fpr = FprEstimate(None if row["fpr_n"] == 0 else row["fpr_human"], row["fpr_low"],
                  row["fpr_high"], int(row["fpr_n"]))

st.subheader("Quality")
q = st.columns(4)
q[0].metric("Accuracy (final answer)", f"{row['accuracy']:.1%}", border=True)
q[1].metric("False-positive rate, human review", fpr.text(), border=True,
            help="answer-correct traces whose reasoning reviewers judged wrong; Wilson 95% "
                 "interval, stratified by step-check suspicion")
q[2].metric("False-positive estimate, step checks (automatic)", f"{row['suspect_share']:.1%}",
            border=True, help="answer-correct traces with a wrong written equation; a lower "
                              "bound: reasoning errors with correct arithmetic are missed")
q[3].metric("Traces with a static / dynamic step error",
            f"{row['static_errors']:.1%} / {row['dynamic_errors']:.1%}", border=True,
            help="static: a wrong value nothing later uses; dynamic: it propagates")

st.subheader("Diversity")
d = st.columns(6)
d[0].metric("Unique correct / problem", f"{row['unique_correct']:.2f}", border=True,
            help="different reasoning signatures (sequence of equations) among correct ones")
d[1].metric("Vendi score", f"{row['vendi']:.3f}", border=True,
            help="effective number of distinct correct solutions per problem (embeddings)")
d[2].metric("Cosine distance", f"{row['cosine_distance']:.3f}", border=True,
            help="mean pairwise, correct solutions of a problem (needs two)")
d[3].metric("Distinct 2-grams", f"{row['distinct_2']:.3f}", border=True)
d[4].metric("Compression ratio", f"{row['compression_ratio']:.2f}", border=True,
            help="higher means more repetitive text")
d[5].metric("Intrinsic dimension", f"{row['intrinsic_dim']:.1f}", border=True,
            help="MLE, k = 20, cosine geometry, on the correct solutions' embeddings")

st.subheader("Complexity")
c = st.columns(4)
c[0].metric("Steps / trace", f"{row['steps']:.2f}", border=True)
c[1].metric("Tokens / trace", f"{row['tokens']:.1f}", border=True)
c[2].metric("Arithmetic operations / trace", f"{row['operations']:.2f}", border=True)
c[3].metric("Traces · problems", f"{int(row['traces']):,} · {int(row['problems']):,}",
            border=True)

config = metrics.figure_format()
st.subheader("Quality-diversity trade-off")
measure = st.selectbox("Diversity measure", list(DIVERSITY), format_func=DIVERSITY.get,
                       key="tradeoff_measure")
st.plotly_chart(charts.tradeoff_figure(gens, rep.slices, measure, DIVERSITY[measure]),
                config=config, key="tradeoff")

st.subheader("Slices")
metrics.slice_table(rep.slices, list(gens["generator"]), "quality_slices", config)

st.subheader("Solution map")
metrics.solution_map(rep.map[rep.map["generator"] == name].reset_index(drop=True),
                     "quality_map", config)
