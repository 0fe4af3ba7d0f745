"""Trace browser: filter, page through, open a trace beside its siblings."""
import streamlit as st

from synthqa.ui import resources, reviewing
from synthqa.ui.filters import filter_bar
from synthqa.ui.router import through_router
from synthqa.ui.text import dashed
from synthqa.ui.trace_view import known, show_trace

through_router()

PAGE_SIZE = 50

store = resources.store()
st.title("Traces")
with st.expander("Filters", expanded=True):
    flt = filter_bar(store.traces.filter_options())
where, params = store.traces.where(flt)
total = store.traces.count(where, params)
pages = max(1, -(-total // PAGE_SIZE))
left, right = st.columns([3, 1], vertical_alignment="bottom")
left.markdown(f"**{total:,}** traces match (in the order they were imported)")
page = right.number_input(f"Page (of {pages:,})", 1, pages, 1, key="page")
frame = store.traces.page(where, params, PAGE_SIZE, (page - 1) * PAGE_SIZE)

event = st.dataframe(
    dashed(frame.drop(columns=["trace_id"])), hide_index=True, key="trace_table", on_select="rerun",
    selection_mode="single-row", width="stretch", column_config={
        "problem": st.column_config.TextColumn(width="medium"),
        "source": st.column_config.TextColumn(width="small"),
        "answer": st.column_config.TextColumn(width="small"),
        "gold": st.column_config.TextColumn(width="small"),
        "correct": st.column_config.CheckboxColumn("correct"),
        "suspect": st.column_config.CheckboxColumn("suspect", help="answer correct, step wrong"),
        "error_kind": st.column_config.TextColumn("step error"),
        "n_steps": st.column_config.NumberColumn("steps"),
        "n_tokens": st.column_config.NumberColumn("tokens")})

rows = event.selection.rows if event else []
if rows and rows[0] < len(frame) and frame.trace_id.iloc[rows[0]] != st.session_state.get("trace"):
    st.session_state["trace"], st.session_state["first_bad"] = frame.trace_id.iloc[rows[0]], None
    st.query_params["trace"] = st.session_state["trace"]  # the open trace is in the link
elif not st.session_state.get("trace") and st.query_params.get("trace"):
    st.session_state["trace"] = st.query_params["trace"]  # a shared link opens its trace
if st.session_state.get("review_saved"):
    st.toast(st.session_state.pop("review_saved"), duration="long")
if st.session_state.get("trace"):
    st.divider()
    marking = bool(st.session_state.get("reviewer"))
    trace = show_trace(store, st.session_state["trace"],
                       mark=reviewing.mark_step if marking else None,
                       selected=st.session_state.get("first_bad"))
    st.markdown("**Your verdict on this trace**")
    if reviewing.name_form():
        correct = None if trace is None else known(trace["correct"])
        reviewing.verdict_buttons(trace_key="trace", advance=False, answer_correct=correct)
elif total:
    st.caption("Select a row to open its trace.")
