"""Filter widgets for traces, every one bound to the URL so a view can be shared by link."""
from __future__ import annotations

import streamlit as st

from synthqa.store.filters import CORRECTNESS, LABEL_STATES, SUSPECT_STATES, TraceFilter


def filter_bar(options: dict) -> TraceFilter:
    url = {"bind": "query-params"}
    c1, c2, c3, c4 = st.columns(4)
    sources = c1.multiselect("Source", options["sources"], key="source", **url)
    generators = c2.multiselect("Generator", options["generators"], key="generator", **url)
    runs = c3.multiselect("Sampling run", options["runs"], key="run", **url)
    splits = c4.multiselect("Split", options["splits"], key="split", **url)
    c1, c2, c3, c4 = st.columns(4)
    correctness = c1.selectbox("Answer", CORRECTNESS, key="answer", **url)
    label_state = c2.selectbox("Human labels", LABEL_STATES, key="labels", **url)
    suspect = c3.selectbox("Step checks", SUSPECT_STATES, key="checks",
                           help="suspects: answer correct but a written equation is wrong", **url)
    text = c4.text_input("Search problem and solution", key="q", **url)
    c1, c2 = st.columns(2)
    max_steps, max_tokens = max(1, options["max_steps"]), max(1, options["max_tokens"])
    steps = c1.slider("Steps", 0, max_steps, (0, max_steps), key="steps", **url)
    tokens = c2.slider("Tokens", 0, max_tokens, (0, max_tokens), key="tokens", **url)
    return TraceFilter(
        sources=tuple(sources), splits=tuple(splits), generators=tuple(generators),
        runs=tuple(runs), correctness=correctness, label_state=label_state, suspect=suspect,
        steps=None if tuple(steps) == (0, max_steps) else tuple(steps),
        tokens=None if tuple(tokens) == (0, max_tokens) else tuple(tokens), text=text)
