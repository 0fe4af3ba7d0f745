"""Problems: synthetic problems from seed problems, and their contamination against test sets."""
import streamlit as st

from synthqa.ui import problem_sets, resources
from synthqa.ui.router import through_router
from synthqa.ui.text import dashed, plain

through_router()

store = resources.store()
st.title("Problems")
st.caption("Write new problems like a set of seed problems (the first stage of Setlur et al. "
           "2024's pipeline), then check them against the test sets you will evaluate on: "
           "13-gram overlap (the decontamination test of GPT-3 and of the public synthetic "
           "math sets) and the nearest test problem by embedding (paraphrases). Contaminated "
           "problems are left out of every training set.")
sources = store.problem_sets.sources()
if sources.empty:
    st.info("No problems yet: import traces, or build the demo on the Workspace page.")
    st.stop()
names = sources["source"].tolist()
st.dataframe(dashed(sources), hide_index=True, key="problem_sources", width="stretch")
left, right = st.columns(2)
with left.expander("Generate problems", expanded=not sources["generated_by"].notna().any()):
    problem_sets.generate_form(names)
generated = sources.loc[sources["generated_by"].notna(), "source"].tolist()
with right.expander("Check for contamination", expanded=bool(generated)):
    problem_sets.check_form(names, generated)
problem_sets.show_outcome()

chosen = st.selectbox("Problem set", generated or names, key="problems_set",
                      bind="query-params")
problem_sets.set_summary(sources.set_index("source").loc[chosen])
checks = store.problem_sets.checks(chosen, limit=problem_sets.ROWS)
st.dataframe(dashed(checks.drop(columns=["problem_id"])), hide_index=True, key="problem_checks",
             width="stretch", column_config=problem_sets.COLUMNS)
if len(checks) == problem_sets.ROWS:
    st.caption(f"The first {problem_sets.ROWS:,} rows: contaminated and most similar first.")
if checks["test_set"].isna().all():
    st.caption(f"{plain(chosen)} has not been checked yet.")
