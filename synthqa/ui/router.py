"""Make every URL go through app.py's st.navigation.

Streamlit still supports the legacy multipage mode: while a `pages/` folder exists and no
script has called st.navigation yet in this server process, a request for `/traces` runs
`pages/traces.py` on its own (no page config, no sidebar, the legacy page list). Each page
calls `through_router()` first; in that situation it switches the process to st.navigation
and reruns, so app.py runs and routes the request.
"""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_router() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
