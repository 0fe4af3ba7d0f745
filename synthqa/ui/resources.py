"""The process-wide store: this Streamlit server is the workspace's single writer."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from synthqa.config import Settings
from synthqa.ingest import ImportResult, ingest_inbox
from synthqa.store import Store, StoreBusy
from synthqa.workspace import Workspace


def settings() -> Settings:
    return Settings.from_env()


def workspace() -> Workspace:
    return Workspace.from_settings(settings())


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    return Workspace(Path(path)).open_store()


def store() -> Store:
    """The store, or a clear message and a stop when another process holds it."""
    ws = workspace()
    try:
        return _open_store(str(ws.root))
    except StoreBusy as exc:
        st.error(f"The workspace store is busy: {exc}. The dashboard will work once that "
                 "process ends; imports can still be queued with `python -m synthqa import`.")
        st.button("Retry")
        st.stop()


def ingest_pending() -> list[ImportResult]:
    return ingest_inbox(store(), workspace(), settings())


def take_inbox() -> bool:
    """Ingest what other processes queued; the results are shown once on the next page."""
    results = ingest_pending()
    if results:
        st.session_state["inbox_results"] = [r.to_dict() for r in results]
    return bool(results)


@st.fragment(run_every=settings().inbox_poll_s)
def inbox_watcher() -> None:
    """Between full runs, look into inbox/ and refresh the whole page when data arrived."""
    if take_inbox():
        st.rerun(scope="app")
