"""Widgets of the Problems page: the generate and check forms and a set's summary."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from synthqa.embeddings import models as embeddings
from synthqa.problem_sets import contamination
from synthqa.problem_sets import generate as synthetic
from synthqa.ui import resources
from synthqa.ui.text import plain

ROWS = 2000  # problems listed per set (the counts above cover all)
COLUMNS = {
    "ngram_overlap": st.column_config.ProgressColumn(
        "13-gram overlap", format="percent", min_value=0, max_value=1,
        help="share of the problem's 13-grams (the whole text when shorter) in the test set"),
    "ngram_match": st.column_config.TextColumn("test problem sharing them"),
    "nn_similarity": st.column_config.NumberColumn("nearest test problem (cosine)",
                                                   format="%.3f"),
    "nn_match": st.column_config.TextColumn("nearest test problem"),
    "duplicate_of": st.column_config.TextColumn("near-duplicate of (in this set)"),
    "contaminated": st.column_config.CheckboxColumn("contaminated"),
}


def generate_form(sources: list[str]) -> None:
    """The lab chain writer (instant, exact answers); model writers run from the CLI."""
    with st.form("generate_problems"):
        c1, c2, c3 = st.columns([2, 2, 1])
        c1.text_input("Name of the new set", value="synthetic-1", key="gen_name")
        c2.selectbox("Seed problems", sources, key="gen_seeds",
                     index=sources.index("lab") if "lab" in sources else 0)
        c3.number_input("Problems", 1, 100_000, 200, key="gen_n")
        st.caption("Writer: the lab chain writer (new left-to-right chains shaped like the "
                   "seeds; the answer is exact). A model as writer, with gold answers by the "
                   "majority of SE samples: `python -m synthqa problems generate --writer "
                   "MODEL --gold majority`.")
        st.form_submit_button("Generate", type="primary", on_click=_generate)


def _generate() -> None:
    ss = st.session_state
    name = ss.gen_name.strip()
    if not name:
        ss.problems_outcome = ("error", "Give the new set a name.")
        return
    store = resources.store()
    seeds = store.problem_sets.of_source(ss.gen_seeds)["text"].tolist()
    try:
        written = synthetic.ChainWriter(seeds).write(int(ss.gen_n), seed=0)
    except ValueError as exc:
        ss.problems_outcome = ("error", f"{exc}: the lab writer needs lab chains as seeds.")
        return
    new = synthetic.add_set(store, name, written, synthetic.ChainWriter.name, ss.gen_seeds)
    ss.problems_set = name
    ss.problems_outcome = ("success", f"{name}: {len(written):,} problems written, {new:,} "
                           "new. Check them against your test sets next.")


def check_form(sources: list[str], generated: list[str]) -> None:
    with st.form("check_problems"):
        c1, c2 = st.columns(2)
        c1.selectbox("Set to check", generated or sources, key="check_set")
        c2.multiselect("Against test sets", sources, key="check_against",
                       default=["lab"] if "lab" in sources else None)
        c3, c4 = st.columns(2)
        c3.segmented_control("Embeddings", list(embeddings.EMBEDDERS), key="check_embedder",
                             default=embeddings.DEFAULT)
        c4.number_input("Flag at cosine ≥", 0.5, 1.0, contamination.SIMILAR, 0.01,
                        key="check_similar")
        st.form_submit_button("Check", type="primary", on_click=_check)


def _check() -> None:
    ss = st.session_state
    if not ss.check_against:
        ss.problems_outcome = ("error", "Choose at least one test set.")
        return
    try:
        checks, notes = synthetic.check_set(resources.store(), ss.check_set, ss.check_against,
                                            ss.check_embedder or embeddings.DEFAULT,
                                            float(ss.check_similar))
    except ValueError as exc:
        ss.problems_outcome = ("error", str(exc))
        return
    s = synthetic.summary(checks)
    ss.problems_set = ss.check_set
    ss.problems_outcome = ("success", f"{ss.check_set}: {s['contaminated']:,} of "
                           f"{s['problems']:,} contaminated, {s['near_duplicates']:,} "
                           "near-duplicates." + "".join(f" Note: {n}." for n in notes))


def show_outcome() -> None:
    outcome = st.session_state.get("problems_outcome")
    if outcome:
        kind, text = outcome
        (st.error if kind == "error" else st.success)(plain(text))


def set_summary(row: pd.Series) -> None:
    """A set's counts (a row of ProblemSets.sources)."""
    m = st.columns(4)
    m[0].metric("Problems", f"{row['problems']:,}")
    if not row["checked"]:
        return
    m[1].metric("Contaminated", f"{row['contaminated']:,}",
                help="sharing a 13-gram with a test problem, or at the flag cosine to one")
    m[2].metric("Near-duplicates", f"{row['duplicates']:,}",
                help="repeating an earlier problem of the same set")
    m[3].metric("Checked", f"{row['checked']:,}")
    if row["gold_method"]:
        st.caption(f"Gold answers: {plain(str(row['gold_method']).split(' (')[0])} "
                   f"(written by {plain(str(row['generated_by']))})")
