"""The import form: upload a file or name a path; the inbox and ingest do the rest."""
from __future__ import annotations

import streamlit as st

from synthqa.ingest.inbox import Inbox, importable
from synthqa.ingest.names import display_name
from synthqa.lab.demo import available, progress_of, start_in_background
from synthqa.sampling import smollm2
from synthqa.ui import resources
from synthqa.ui.text import plain


def _import_clicked() -> None:
    ws = resources.workspace()
    upload = st.session_state.get(_upload_key())
    path = st.session_state.get("import_path")
    fmt = st.session_state.get("import_format", "auto")
    ss = st.session_state
    ss.pop("import_mine_result", None)
    try:
        if upload is not None:
            dropped = Inbox(ws).drop_bytes(upload.getvalue(), upload.name, fmt)
        elif path and path.strip():
            dropped = Inbox(ws).drop_file(importable(path.strip(), resources.settings()), fmt)
        else:
            ss["import_mine_result"] = {"errors": ["Choose a file or enter a path."]}
            return
    except ValueError as exc:
        ss["import_mine_result"] = {"errors": [str(exc)]}
        return
    except OSError as exc:
        ss["import_mine_result"] = {"errors": [f"{path}: {exc.strerror or exc}"]}
        return
    ss["import_mine"] = str(dropped)
    ss["import_round"] = ss.get("import_round", 0) + 1   # a fresh, empty uploader
    resources.take_inbox()


def _upload_key() -> str:
    return f"import_upload_{st.session_state.get('import_round', 0)}"


def own_result() -> None:
    """The outcome of this user's last import, kept across reruns until the next import."""
    ss = st.session_state
    if ss.get("import_mine_result"):
        show_results([ss["import_mine_result"]])
    elif ss.get("import_mine"):
        st.info(f"Importing {plain(display_name(ss['import_mine']))}… its outcome appears "
                "here when it is in.")


def import_form(formats: list[str]) -> None:
    # Open at first on an empty workspace; then as the user leaves it, also when data
    # arrives (a changed `expanded` would make it a new, closed expander).
    opened = st.session_state.setdefault("import_open_at_first",
                                         resources.store().count("traces") == 0)
    with st.expander("Import traces", expanded=opened, key="import_open", on_change="rerun"):
        own_result()
        upload = st.file_uploader("Trace file (JSONL, JSON or Parquet)", key=_upload_key(),
                                  type=["jsonl", "json", "parquet"])
        if upload is not None:     # on the server: Import will take it (not before)
            st.caption(f"Ready to import {plain(upload.name)} ({upload.size:,} bytes).")
        st.text_input("…or a path on the server", key="import_path",
                      placeholder="/data/traces/gsm8k_solutions.jsonl")
        st.selectbox("Format", formats, key="import_format",
                     help="auto detects the public formats from the first record")
        st.button("Import", type="primary", on_click=_import_clicked)


def show_results(results: list[dict] | None) -> None:
    """One line per file, or one summary line when many arrived at once (sampling shards)."""
    results = results or []
    imported = [r for r in results if r.get("n_traces") and not r.get("errors")
                and not r.get("notes")]
    if len(imported) > 3:
        st.success(f"Just imported {len(imported)} more files: "
                   f"{sum(r['n_traces'] for r in imported):,} traces, "
                   f"{sum(r['n_traces_new'] for r in imported):,} new; the workspace holds "
                   f"{resources.store().count('traces'):,} traces in all.")
        results = [r for r in results if r not in imported]
    for result in results:
        name = plain(display_name(result.get("path", "")))
        errors = result.get("errors") or []
        if result.get("skipped"):
            st.info(f"{name}: already imported, nothing to do.")
        elif result.get("n_traces"):
            new, total = result["n_traces_new"], result["n_traces"]
            st.success(f"Imported {name} ({result['fmt']}): {total:,} traces, {new:,} new.")
        if notes := result.get("notes"):
            st.info("\n\n".join(plain(n) for n in notes[:20]))
        if errors:
            more = result.get("n_errors", len(errors)) - len(errors)
            st.error("\n\n".join(plain(e) for e in errors[:20])
                     + (f"\n\n… and {more} more" if more > 0 else ""))


def _start_demo(source: str) -> None:
    start_in_background(resources.workspace(), source)
    st.session_state["demo_started"] = source


def demo_panel() -> None:
    """Offer the demos: the lab models at matched compute (~1 min), SmolLM2 (a few minutes)."""
    if st.session_state.get("demo_started"):
        demo_status()
        return
    cols = st.columns(2)
    if available():
        cols[0].button("Build the demo workspace", type="primary", on_click=_start_demo,
                       args=("lab",), help="300 lab arithmetic problems, sampled by a "
                       "weak-cheap (1.6M) and a strong-expensive (4.7M) lab model at matched "
                       "compute")
    if smollm2.available():
        cols[1].button("Add SmolLM2 traces (slow)", on_click=_start_demo, args=("smollm2",),
                       help="SmolLM2-135M-Instruct answers 36 GSM8K-style word problems on "
                       "this CPU (a few minutes)")


def demo_status() -> None:
    """The demo this session started, while it is still sampling (its first traces fill the
    page long before it is done)."""
    source = st.session_state.get("demo_started")
    if source:
        state = progress_of(resources.workspace(), source)
        if not state["total"] or state["done"] < state["total"]:
            demo_progress(source)


@st.fragment(run_every=2)
def demo_progress(source: str) -> None:
    """The running demo's bar with the time left at its pace so far."""
    state = progress_of(resources.workspace(), source)
    done, total, left = state["done"], state["total"], state["seconds_left"]
    if not total:
        st.progress(0, text=f"Starting the {source} demo (loading the models)…")
    elif done < total:
        eta = f" · about {left:,.0f} s left" if left is not None else ""
        st.progress(done / total, text=f"Sampling the {source} demo: {done:,} of {total:,} "
                    f"problems (each once per model){eta}")
    else:
        st.progress(1.0, text=f"The {source} demo is sampled; its traces are being imported.")
    st.caption(f"Its traces appear here as they arrive (log: `runs/demo-{source}.log`).")
