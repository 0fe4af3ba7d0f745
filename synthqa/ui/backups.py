"""Backing the store up from the Workspace page."""
from __future__ import annotations

import streamlit as st

from synthqa.ui import resources
from synthqa.ui.text import plain


def backup_panel() -> None:
    """A consistent copy of the store in the workspace's backups/ folder, one click away."""
    ws = resources.workspace()
    with st.expander("Backups"):
        found = ws.backup_files()
        st.caption(plain(f"{len(found)} in {ws.backups}; the newest is {found[-1].name}."
                         if found else f"None yet in {ws.backups}.")
                   + " Writes wait while a backup is taken (seconds per GB). Restore one with "
                   "`python -m synthqa restore FILE` after stopping the dashboard.")
        st.button("Back up now", key="backup_now", on_click=_back_up)
        if written := st.session_state.pop("backup_written", None):
            st.success(plain(written))


def _back_up() -> None:
    """On the click (a callback: a rerun between the click and the page cannot lose it)."""
    target = resources.workspace().backup(store=resources.store())
    st.session_state.backup_written = (f"Backup written: {target} "
                                       f"({target.stat().st_size / 2**20:,.1f} MB).")
