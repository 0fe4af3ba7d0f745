"""Workspace overview: what is in the store, and importing more."""
import streamlit as st

from synthqa.ingest.adapters import FORMATS
from synthqa.ingest.inbox import history_by_source
from synthqa.ui import resources
from synthqa.ui.importing import demo_panel, demo_status, import_form, show_results
from synthqa.ui.router import through_router

through_router()

store = resources.store()
st.title("Workspace")

stats = store.summaries.generator_stats()
if stats.empty:
    st.info("This workspace is empty. Build the demo, import traces below, or from a shell: "
            "`python -m synthqa import FILE` (works while the dashboard runs).")
    demo_panel()
else:
    st.subheader("Generators")
    st.dataframe(stats, hide_index=True, column_config={
        "params": st.column_config.NumberColumn("parameters", format="compact"),
        "accuracy": st.column_config.ProgressColumn("accuracy", min_value=0, max_value=1,
                                                    format="percent"),
        "suspects": st.column_config.NumberColumn(
            help="answer correct, but a step's arithmetic is wrong: review these first"),
        "labelled": st.column_config.NumberColumn(help="traces with human labels")})
    demo_status()

show_results(st.session_state.pop("inbox_results", None))
import_form(formats=["auto", *FORMATS])

imports = history_by_source(store)
if not imports.empty:
    st.subheader("Imports")
    st.dataframe(imports, hide_index=True, column_config={
        "files": st.column_config.NumberColumn(
            help="a sampling or rollout run's shards count as one source"),
        "finished_at": st.column_config.DatetimeColumn("finished", format="YYYY-MM-DD HH:mm"),
        "n_records": st.column_config.NumberColumn("records"),
        "n_traces_new": st.column_config.NumberColumn("new traces"),
        "n_errors": st.column_config.NumberColumn("bad records")})
