"""Data quality: quality, diversity and complexity of one data set, and the trade-off."""
import streamlit as st

from synthqa.labels.estimate import FprEstimate
from synthqa.metrics import report
from synthqa.metrics.diversity import vendi_note
from synthqa.ui import charts, metrics
from synthqa.ui.router import through_router
from synthqa.ui.text import plain

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
fpr = FprEstimate.from_row(row)
fpr_basis = plain(fpr.basis())

def show(column, label: str, value, fmt: str, help: str | None = None,
         note: str | None = None) -> None:
    """One figure; NaN (not computable here) shows as a dash with the reason in its help."""
    text = "—" if value is None or value != value else format(value, fmt)
    column.metric(label, text, note, delta_color="off", delta_arrow="off", help=help,
                  border=True)


st.subheader("Quality")
q = st.columns(4)
show(q[0], "Accuracy", row["accuracy"], ".1%", "final answer matches the gold answer")
show(q[1], "FPR · human review", fpr.rate, ".1%",
     "answer-correct traces whose reasoning humans judged wrong (Review-page verdicts and "
     "imported first-error labels alike); Wilson 95% interval, stratified by step-check "
     f"suspicion. Rests on: {fpr_basis}",
     f"95% CI {fpr.low:.0%}–{fpr.high:.0%}, n = {fpr.reviewed} · {fpr_basis}"
     if fpr.reviewed else "no reviews yet")
show(q[2], "FPR · step checks", row["suspect_share"], ".1%",
     "answer-correct traces with a wrong written equation: a lower bound, since reasoning "
     "errors with correct arithmetic are missed", "automatic estimate")
show(q[3], "Dynamic step errors", row["dynamic_errors"], ".1%",
     "traces whose first wrong equation propagates (dynamic); static: nothing uses it",
     f"static {row['static_errors']:.1%}")

st.subheader("Diversity")
d = st.columns(3)
merge = st.session_state.get("near_duplicates")
show(d[0], "Unique correct / problem",
     row[report.near_duplicate_column(merge) if merge else "unique_correct"], ".2f",
     "diversity@k: different reasoning signatures (sequence of equations) among the correct; "
     "optionally, solutions whose embeddings are this similar count as one",
     f"near-duplicates merged at cos ≥ {merge:.2f}" if merge else "by reasoning signature")
show(d[1], "Vendi score", row["vendi"], ".3f",
     "effective number of distinct correct solutions per problem, from embeddings: 1 when a "
     "problem has a single correct solution or only near-copies (so always, with one sample "
     "per problem)",
     vendi_note(row["vendi"], row["samples_per_problem"], row["unique_correct"]))
show(d[2], "Mean cosine distance", row["cosine_distance"], ".3f",
     "between correct solutions of one problem; needs two of them")
d = st.columns(3)
show(d[0], "Distinct 2-grams", row["distinct_2"], ".3f", "lexical diversity of correct ones")
show(d[1], "Compression ratio", row["compression_ratio"], ".2f",
     "raw / zlib-compressed bytes: higher means more repetitive text")
show(d[2], "Intrinsic dimension", row["intrinsic_dim"], ".1f",
     "MLE (Levina-Bickel), k = 20, cosine geometry, on the correct solutions' embeddings")

st.segmented_control("Near-duplicate merging (cosine similarity of embeddings)",
                     report.NEAR_DUPLICATES, key="near_duplicates",
                     format_func=lambda t: f"≥ {t:.2f}",
                     help="off: solutions differ when their reasoning signatures differ")

st.subheader("Complexity")
c = st.columns(4)
show(c[0], "Steps / trace", row["steps"], ".2f")
show(c[1], "Tokens / trace", row["tokens"], ".1f")
show(c[2], "Operations / trace", row["operations"], ".2f", "arithmetic operations written")
show(c[3], "Traces", row["traces"], ",.0f", note=f"{int(row['problems']):,} problems")

config = metrics.figure_format()
st.subheader("Quality-diversity trade-off")
measure = st.selectbox("Diversity measure", list(DIVERSITY), format_func=DIVERSITY.get,
                       key="tradeoff_measure")
st.plotly_chart(charts.tradeoff_figure(gens, rep.slices, measure, DIVERSITY[measure],
                                       metrics.colours()),
                config=config, key="tradeoff")

st.subheader("Slices")
metrics.slice_table(rep.slices, list(gens["generator"]), "quality_slices", config)

st.subheader("Solution map")
metrics.solution_map(metrics.map_points(rep, [name]), "quality_map", config)
