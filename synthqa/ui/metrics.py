"""The cached metrics report in the pages: freshness, recomputation in the background, and the
widgets both metric pages share (solution map, slice table)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from synthqa.embeddings import models as embeddings
from synthqa.labels import fpr
from synthqa.metrics import report
from synthqa.metrics.report import Report
from synthqa.ui import charts, resources
from synthqa.ui.background import BackgroundTask
from synthqa.ui.text import MISSING, percent_text, plain
from synthqa.ui.trace_view import show_trace

# Columns of the slice table: (label, help).
SLICE_METRICS = {
    "accuracy": ("accuracy", "share of traces with the right final answer"),
    "coverage": ("coverage@k", "problems with a correct solution among k samples (k = the "
                 "fewest samples any problem has)"),
    "unique_correct": ("unique correct / problem", "diversity@k: different correct reasoning"),
    "unique_cos95": ("unique correct, near-duplicates merged",
                     "as above, and solutions with embeddings at cosine ≥ 0.95 count as one"),
    "vendi": ("Vendi score", "effective number of different correct solutions (embeddings)"),
    "cosine_distance": ("mean cosine distance", "dispersion of correct solutions"),
    "fpr_human": ("FPR (human)", "false positives among reviewed answer-correct traces"),
    "suspect_share": ("FPR (step checks, automatic)",
                      "answer correct but a written equation is wrong"),
    "dynamic_errors": ("dynamic step errors", "a wrong value that later steps use"),
    "static_errors": ("static step errors", "a wrong value nothing uses"),
    "steps": ("steps", "mean steps per trace"), "tokens": ("tokens", "mean tokens per trace"),
    "operations": ("operations", "mean arithmetic operations per trace"),
    "traces": ("traces", "traces in the slice"),
}
FIGURE_CONFIG = {"displaylogo": False}


@st.cache_resource(show_spinner=False)
def _task(root: str, embedder: str = embeddings.DEFAULT) -> BackgroundTask:
    """One recomputation at a time per workspace and embedder, shared by every session."""
    store = resources.store()
    return BackgroundTask("metrics", lambda progress: report.recompute(
        store, progress, embedder=embedder))


def chosen_embedder() -> str:
    """The embedding model the metric pages use (the sidebar's choice, kept in the URL)."""
    return st.sidebar.segmented_control(
        "Embeddings", list(embeddings.EMBEDDERS), default=embeddings.DEFAULT, key="embedder",
        bind="query-params", format_func={"static": "static (fast)",
                                          "minilm": "MiniLM (accurate)"}.get,
        help="static: model2vec distilled from all-MiniLM-L6-v2, thousands of solutions a "
             "second; MiniLM: the transformer itself, ~40 a second on 2 cores. Diversity "
             "figures of the two differ (docs/benchmarks.md); a report uses one model only."
    ) or embeddings.DEFAULT


def task() -> BackgroundTask:
    """This page's recomputation: the embedder chosen in this run (the sidebar's state)."""
    key = st.session_state.get("embedder") or embeddings.DEFAULT
    return _task(str(resources.workspace().root), key)


def current_report() -> Report | None:
    """The cached report, after a line on how fresh it is. The first visit to a workspace
    without one starts computing it; until a fresh one exists, the figures that need no
    embeddings show at once."""
    store = resources.store()
    rep, stale = report.cached(store)
    model = embeddings.embedder(chosen_embedder()).model
    job = task()
    if rep is not None and f"embeddings: {model}" not in rep.notes:
        st.info(f"These metrics were computed with other embeddings than {model}: "
                "recompute to use it.")
        stale = True
    if rep is None and not job.running and job.error is None and store.count("traces"):
        job.start()
    if (rep is None or stale or job.running) and store.count("traces"):
        quick_table()
    if job.running:
        _progress()
    elif job.error:
        st.error(f"Computing the metrics failed: {plain(job.error)}")
        st.button("Try again", on_click=job.start)
    elif rep is None:
        st.info("No traces yet: build the demo or import traces on the Workspace page.")
    elif stale:
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.warning(f"The data changed since these metrics were computed ({rep.computed_at}).",
                     icon=":material/update:")
        right.button("Recompute", on_click=job.start, type="primary", key="recompute")
    else:
        st.caption(f"Computed {rep.computed_at} · up to date with the store.")
    for note in (rep.notes if rep else []):
        st.caption(f"Note: {plain(note)}")
    return rep


QUICK_CURVES_MAX = 200_000  # traces up to which the SE vs WC page computes curves in the page


def curves() -> tuple[pd.DataFrame, pd.DataFrame, Report | None] | None:
    """(generators with params, curves, the report) for the SE vs WC page: the report's, or,
    while there is none yet, computed straight from the store (no embeddings needed)."""
    store = resources.store()
    rep = current_report()
    if rep is not None and not rep.generators.empty:
        return rep.generators, rep.curves, rep
    n = store.count("traces")
    if rep is not None or not n:
        return None
    if n > QUICK_CURVES_MAX:  # as slow as the report itself (1M traces: 160 s): wait for it
        st.caption("The curves and the matched-compute table appear with the report.")
        return None
    with st.spinner("Coverage and diversity curves (no embeddings needed)…"):
        return (*_curves_of(str(resources.workspace().root), store.cache.inputs_version()),
                None)


@st.cache_data(max_entries=4, show_spinner=False)
def _curves_of(root: str, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cached per workspace and data version: every session of the same data shares them."""
    return report.curves_only(resources.store())


def save_params(generator: str) -> None:
    """The parameter count a person entered for a generator without one."""
    value = st.session_state.get(f"params_{generator}")
    if value:
        resources.store().imports.set_params(generator, int(value))


def quick_table() -> None:
    """Straight from the store, no embeddings needed: accuracy, the human FPR, step errors."""
    frame = fpr.quick_table(resources.store())
    frame["fpr_human"] = frame["fpr_human"].map(percent_text)   # the grid writes None for NaN
    frame["fpr_ci"] = frame["fpr_ci"].replace("", MISSING)
    frame["fpr_by"] = frame["fpr_by"].replace("", MISSING)
    pct = {c: st.column_config.NumberColumn(label, format="percent") for c, label in (
        ("accuracy", "accuracy"),
        ("suspect_share", "FPR (step checks)"), ("dynamic_errors", "dynamic errors"),
        ("static_errors", "static errors"))}
    st.caption("Straight from the store, while the full report is not fresh (no embeddings "
               "needed):")
    st.dataframe(frame, hide_index=True, key="quick_quality", column_config={
        **pct, "fpr_human": st.column_config.TextColumn("FPR (human)"),
        "fpr_ci": st.column_config.TextColumn("FPR 95% CI"),
        "fpr_n": st.column_config.NumberColumn("FPR n"),
        "fpr_by": st.column_config.TextColumn("FPR rests on", width="large"),
        "steps": st.column_config.NumberColumn(format="%.1f"),
        "tokens": st.column_config.NumberColumn(format="%.0f")})


@st.fragment(run_every=1.0)
def _progress() -> None:
    job = task()
    if not job.running:
        st.rerun(scope="app")
    left = job.seconds_left()
    eta = f" · about {left:,.0f} s left" if left is not None else ""
    st.progress(job.fraction, text=f"Computing metrics in the background: {job.message}{eta}")


def figure_format() -> dict:
    """Plotly's camera button downloads the figure; the format is chosen here."""
    fmt = st.sidebar.segmented_control("Figure download format", ["png", "svg"],
                                       default="svg", key="figure_format",
                                       help="what the camera icon of each chart saves")
    return {**FIGURE_CONFIG, "toImageButtonOptions": {"format": fmt or "svg", "scale": 2}}


def map_points(rep: Report, generators: list[str]) -> pd.DataFrame:
    """The map's points of these generators (none when the report was made without
    embeddings, `metrics --no-embed`)."""
    if "generator" not in rep.map.columns:
        return rep.map.iloc[0:0]
    return rep.map[rep.map["generator"].isin(generators)].reset_index(drop=True)


def solution_map(points: pd.DataFrame, key: str, config: dict) -> None:
    """The 2-D map of solutions; clicking a point opens its trace below."""
    if points.empty:
        st.caption("No embedded solutions to map yet.")
        return
    left, right = st.columns(2)
    method = left.segmented_control("Projection", ["tsne", "pca"], default="tsne",
                                    format_func=str.upper, key=f"{key}_method") or "tsne"
    colour = right.segmented_control("Colour by", ["generator", "correct", "label"],
                                     default="generator", key=f"{key}_colour") or "generator"
    event = st.plotly_chart(charts.map_figure(points, method, colour, colours()), key=key,
                            on_select="rerun", selection_mode="points", config=config)
    picked = event.selection.points if event else []
    if picked:
        st.session_state[f"{key}_trace"] = picked[0]["customdata"][0]
    trace_id = st.session_state.get(f"{key}_trace")
    if trace_id:
        show_trace(resources.store(), trace_id, siblings=False)
    else:
        st.caption(f"{len(points):,} solutions. Click a point to open its trace.")


def slice_table(slices: pd.DataFrame, generators: list[str], key: str, config: dict) -> None:
    """Every metric per slice, generators as columns; CSV download and a figure."""
    if slices.empty:
        return
    metric = st.selectbox("Metric", list(SLICE_METRICS), key=f"{key}_metric",
                          format_func=lambda m: SLICE_METRICS[m][0],
                          help="; ".join(f"{v[0]}: {v[1]}" for v in SLICE_METRICS.values()))
    part = slices[slices["generator"].isin(generators)]
    table = part.set_index(["slice", "value", "generator"])[metric].unstack("generator",
                                                                            sort=False)
    table = table.reindex(columns=[g for g in generators if g in table.columns])
    st.dataframe(table, width="stretch")
    wide = part.set_index(["slice", "value", "generator"])[list(SLICE_METRICS)].unstack(
        "generator", sort=False)
    wide.columns = [f"{m} · {g}" for m, g in wide.columns]
    st.download_button("Download all slice metrics (CSV)", wide.to_csv().encode(),
                       file_name="synthqa-slices.csv", mime="text/csv", key=f"{key}_csv")
    kinds = [k for k in table.index.unique("slice")
             if not table.loc[k].dropna(how="all").empty]
    palette = colours()
    for kind, tab in zip(kinds, st.tabs(kinds) if kinds else []):  # one chart per slice kind
        with tab:
            st.plotly_chart(charts.slice_figure(table.loc[kind], SLICE_METRICS[metric][0], kind,
                                                palette),
                            config=config, key=f"{key}_figure_{kind}")


def colours() -> dict[str, str]:
    """Every generator's colour in this workspace (synthqa.ui.charts.generator_colours)."""
    return charts.generator_colours(resources.store().traces.generators())
