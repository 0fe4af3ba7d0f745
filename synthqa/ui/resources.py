"""The process-wide store: this Streamlit server is the workspace's single writer."""
from __future__ import annotations

import streamlit as st

from synthqa.config import Settings
from synthqa.ingest import watcher
from synthqa.ingest.inbox import ingest_inbox
from synthqa.ingest.staging import ImportResult
from synthqa.store import Store, StoreBusy, StoreDamaged, damage_of
from synthqa.ui.text import plain
from synthqa.workspace import Workspace, process_store


def settings() -> Settings:
    return Settings.from_env()


def workspace() -> Workspace:
    return Workspace.from_settings(settings())


def store() -> Store:
    """The store, or a clear message and a stop when another process holds it."""
    ws = workspace()
    try:
        return process_store(ws.root)
    except StoreBusy as exc:
        st.error(f"The workspace store is busy: {exc}. The dashboard will work once that "
                 "process ends; imports can still be queued with `python -m synthqa import`.")
        st.button("Retry")
        st.stop()
    except StoreDamaged as exc:
        stop_if_damaged(exc)
        raise


def stop_if_damaged(exc: BaseException) -> None:
    """When `exc` says the store file is damaged: say so, with the recovery steps, and stop
    the page (instead of a traceback); else return."""
    if (damage := damage_of(exc)) is not None:
        st.error(plain(workspace().recovery(damage)))
        st.stop()


def ingest_pending() -> list[ImportResult]:
    """Stage in a worker process, and never wait while another thread is ingesting."""
    results = ingest_inbox(store(), workspace(), settings(), worker=True, wait=False)
    watcher.note(results)
    return results


def take_inbox() -> bool:
    """Ingest what waits in inbox/ (nothing, when the server's watcher got there first) and
    keep, to show once, every import this session has not seen; True if there was one."""
    ss = st.session_state
    if "inbox_seen" not in ss:   # a new session does not replay what arrived before it
        ss.inbox_seen = watcher.since(0)[0]
    ingest_pending()
    ss.inbox_seen, new = watcher.since(ss.inbox_seen)
    mine = [r for r in new if r.get("path") == ss.get("import_mine")]
    if mine:  # the user's own import: shown until they import another file
        ss["import_mine_result"] = mine[-1]
    others = [r for r in new if r not in mine]
    if others:
        ss["inbox_results"] = others
    return bool(new)


@st.fragment(run_every=settings().inbox_poll_s)
def inbox_watcher() -> None:
    """Refresh the whole page when data arrived: drained by the server's own watcher
    (synthqa.ingest.watcher, no browser needed) or, where none runs (AppTest), right here."""
    if take_inbox():
        st.rerun(scope="app")
