"""SynthQA dashboard: `streamlit run app.py`.

`streamlit run` imports this file for `app` and serves it (Starlette): the lifespan's thread
drains inbox/ from the server itself, with no browser open. Each session runs the file as
`__main__`: the router below.
"""
from pathlib import Path

import streamlit as st

from synthqa.ingest.watcher import lifespan
from synthqa.ui import resources

FAVICON = Path(resources.__file__).with_name("favicon.png")   # local: no font CDN offline


def main() -> None:
    st.set_page_config(page_title="SynthQA", page_icon=str(FAVICON), layout="wide")
    pages = [
        st.Page("pages/overview.py", title="Workspace", icon=":material/folder_open:",
                default=True),
        st.Page("pages/traces.py", title="Traces", icon=":material/search:"),
        st.Page("pages/review.py", title="Review", icon=":material/rate_review:"),
        st.Page("pages/quality.py", title="Data quality", icon=":material/insights:"),
        st.Page("pages/compare.py", title="SE vs WC", icon=":material/compare_arrows:"),
        st.Page("pages/judges.py", title="Judges", icon=":material/gavel:"),
        st.Page("pages/sampling.py", title="Sampling", icon=":material/casino:"),
        st.Page("pages/problems.py", title="Problems", icon=":material/quiz:"),
        st.Page("pages/values.py", title="Step values", icon=":material/stairs:"),
        st.Page("pages/train.py", title="Training", icon=":material/model_training:"),
    ]
    nav = st.navigation(pages)
    try:
        store = resources.store()
        resources.take_inbox()  # before anything is drawn: this run shows the new data
        with st.sidebar:
            ws = resources.workspace()
            st.caption(f"Workspace `{ws.root}` · {ws.store_bytes() / 2**20:,.1f} MB")
            st.caption(f"{store.count('traces'):,} traces · {store.count('problems'):,} "
                       f"problems · {store.count('labels'):,} labels")
            resources.inbox_watcher()
        nav.run()
    except Exception as exc:   # a store file damaged on disk: the recovery steps, no traceback
        resources.stop_if_damaged(exc)
        raise


if __name__ == "__main__":
    main()
else:
    app = st.App(__file__, lifespan=lifespan)
