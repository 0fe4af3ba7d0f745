"""SE vs WC: coverage, diversity and false positives of two generators at matched compute."""
import streamlit as st

from synthqa.labels.estimate import FprEstimate
from synthqa.metrics import report
from synthqa.ui import charts, metrics, resources
from synthqa.ui.router import through_router
from synthqa.ui.text import plain, scientific

through_router()

st.title("SE vs WC at matched compute")
tables = metrics.curves()  # the report's, or at once from the store while it is computed
if tables is None:
    st.stop()
generators, curves, rep = tables
names = list(generators["generator"])
if len(names) < 2:
    st.info("The comparison needs two generators: sample or import a second one.")
    st.stop()
store = resources.store()
shared = store.summaries.shared_problems()
pair = report.default_pair(generators, shared) or (names[-1], names[0])
left, right = st.columns(2)
se = left.selectbox("Strong-expensive (SE)", names, index=names.index(pair[0]), key="se",
                    bind="query-params")
wc = right.selectbox("Weak-cheap (WC)", names, index=names.index(pair[1]), key="wc",
                     bind="query-params")
both = shared[((shared["a"] == se) & (shared["b"] == wc))
              | ((shared["a"] == wc) & (shared["b"] == se))]["problems"]
if se == wc or both.empty:
    st.warning(f"{plain(se)} and {plain(wc)} share no problems: coverage and diversity at "
               "matched compute compare the same problems. Choose another pair.")
    st.stop()
params = generators.set_index("generator")["params"]
missing = [g for g in (se, wc) if not params.get(g) or params.get(g) != params.get(g)]
if missing:
    st.warning("Sampling compute is FLOPs = 2·params·tokens, so it needs each generator's "
               "parameter count: " + ", ".join(plain(g) for g in missing) + " has none.")
    for g in missing:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c1.number_input(f"Parameters of {g}", min_value=1, value=None, step=1_000_000,
                        key=f"params_{g}", placeholder="e.g. 7000000000")
        c2.button("Save", key=f"save_params_{g}", on_click=metrics.save_params, args=(g,))
    st.stop()
st.caption(f"{plain(se)}: {params[se]:,.0f} parameters · {plain(wc)}: "
           f"{params[wc]:,.0f} parameters · {int(both.iloc[0]):,} shared problems · at equal "
           f"FLOPs WC gets ≈ {params[se] / params[wc]:.1f}× the samples (Bansal et al. 2024).")

matched = report.matched(curves, se, wc)
config = metrics.figure_format()
st.plotly_chart(charts.curves_figure(curves, se, wc, matched, metrics.colours()), config=config,
                key="curves")

st.subheader("At matched compute")
if matched.empty:
    st.caption("No curve for one of the two generators.")
else:
    short = matched["coverage WC"].isna()
    if short.any():
        need = int(matched.loc[short, "WC k"].max())
        st.caption(f"WC would need {need} samples per problem to match SE's compute at its "
                   f"largest k; rows without WC values are beyond the samples it has.")
    columns = {
        **{c: st.column_config.NumberColumn(format="%.3f") for c in matched.columns
           if c.split()[0] in ("coverage", "diversity", "FPR") and "Δ" not in c},
        "coverage Δ%": st.column_config.NumberColumn(format="%+.1f%%",
                                                     help="(WC - SE) / SE"),
        "diversity Δ%": st.column_config.NumberColumn(format="%+.1f%%",
                                                      help="(WC - SE) / SE"),
        "FPR Δ points": st.column_config.NumberColumn(format="%+.1f",
                                                      help="WC - SE, percentage points")}
    st.dataframe(matched.assign(FLOPs=scientific(matched["FLOPs"])), hide_index=True,
                 width="stretch", column_config=columns)

if rep is None:
    st.caption("The FPR details, the solution map and the slices appear when the report is "
               "computed (above).")
    st.stop()
rows = rep.generators.set_index("generator")
st.caption("  \n".join(f"FPR {role} ({plain(name)}): "
                       f"{plain(FprEstimate.from_row(rows.loc[name]).describe())}"
                       for role, name in (("SE", se), ("WC", wc))))

st.subheader("Solution map")
metrics.solution_map(metrics.map_points(rep, [se, wc]), "compare_map", config)

st.subheader("Slices")
metrics.slice_table(rep.slices, [se, wc], "compare_slices", config)
