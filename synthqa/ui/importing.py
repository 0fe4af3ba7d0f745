"""The import form: upload a file or name a path; the inbox and ingest do the rest."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from synthqa.ui import resources
from synthqa.workspace import display_name


def _import_clicked() -> None:
    ws = resources.workspace()
    upload, path = st.session_state.get("import_upload"), st.session_state.get("import_path")
    fmt = st.session_state.get("import_format", "auto")
    try:
        if upload is not None:
            ws.drop_bytes(upload.getvalue(), upload.name, fmt)
        elif path and path.strip():
            ws.drop_into_inbox(Path(path.strip()).expanduser(), fmt)
        else:
            st.session_state["inbox_results"] = [{"errors": ["Choose a file or enter a path."]}]
            return
    except OSError as exc:
        st.session_state["inbox_results"] = [{"errors": [f"{path}: {exc.strerror or exc}"]}]
        return
    st.session_state["inbox_results"] = [r.to_dict() for r in resources.ingest_pending()]


def import_form(formats: list[str]) -> None:
    with st.expander("Import traces", expanded=resources.store().count("traces") == 0):
        st.file_uploader("Trace file (JSONL, JSON or Parquet)", key="import_upload",
                         type=["jsonl", "json", "parquet"])
        st.text_input("…or a path on the server", key="import_path",
                      placeholder="../shared/data/gsm8k_example_model_solutions.jsonl")
        st.selectbox("Format", formats, key="import_format",
                     help="auto detects the public formats from the first record")
        st.button("Import", type="primary", on_click=_import_clicked)


def show_results(results: list[dict] | None) -> None:
    for result in results or []:
        name = display_name(result.get("path", ""))
        errors = result.get("errors") or []
        if result.get("skipped"):
            st.info(f"{name}: already imported, nothing to do.")
        elif result.get("n_traces"):
            new, total = result["n_traces_new"], result["n_traces"]
            st.success(f"Imported {name} ({result['fmt']}): "
                       f"{total:,} traces, {new:,} new.")
        if errors:
            more = result.get("n_errors", len(errors)) - len(errors)
            st.error("\n\n".join(errors[:20]) + (f"\n\n… and {more} more" if more > 0 else ""))


def _start_demo() -> None:
    from synthqa.lab.demo import start_in_background

    start_in_background(resources.workspace())
    st.session_state["demo_started"] = True


def demo_panel() -> None:
    """Offer the lab demo: both lab models sample 300 problems at matched compute (~1 min)."""
    from synthqa.lab.demo import available

    if not available():
        return
    if st.session_state.get("demo_started"):
        st.success("The demo is sampling in the background; its traces appear here as they "
                   "arrive (log: `runs/demo.log`).")
        return
    st.button("Build the demo workspace", type="primary", on_click=_start_demo,
              help="300 lab arithmetic problems, sampled by a weak-cheap (0.6M) and a "
                   "strong-expensive (4.7M) lab model at matched compute")
