"""Workspace overview: what is in the store, and importing more."""
import streamlit as st

from synthqa.ingest.adapters import FORMATS
from synthqa.ingest.inbox import history_by_source
from synthqa.ui import resources
from synthqa.ui.backups import backup_panel
from synthqa.ui.generators import generators_table
from synthqa.ui.importing import demo_panel, demo_status, import_form, show_results
from synthqa.ui.router import through_router
from synthqa.ui.text import dashed

through_router()

store = resources.store()
st.title("Workspace")

if not store.count("traces"):
    st.info("This workspace is empty. Build the demo, import traces below, or from a shell: "
            "`python -m synthqa import FILE` (works while the dashboard runs).")
    demo_panel()
else:
    st.subheader("Generators")
    generators_table(store)
    demo_status()

show_results(st.session_state.pop("inbox_results", None))
import_form(formats=["auto", *FORMATS])

imports = history_by_source(store)
if not imports.empty:
    st.subheader("Imports")
    st.dataframe(dashed(imports), hide_index=True, column_config={
        "files": st.column_config.NumberColumn(
            help="a sampling or rollout run's shards count as one source"),
        "finished_at": st.column_config.DatetimeColumn("finished", format="YYYY-MM-DD HH:mm"),
        "n_records": st.column_config.NumberColumn("records"),
        "n_traces_new": st.column_config.NumberColumn("new traces"),
        "n_errors": st.column_config.NumberColumn("bad records")})

backup_panel()
