"""Plotly figures of the metrics report (no Streamlit here: they can be saved from Python too)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

CURVES = [("coverage", "coverage@k"), ("maj", "maj@k"),
          ("diversity", "diversity@k (unique correct / problem)"), ("fpr", "false-positive rate")]
# One colour per generator, the same on every chart and page: 48 distinct colours, given to the
# workspace's generators in name order.
PALETTE = px.colors.qualitative.Dark24 + px.colors.qualitative.Light24


def generator_colours(generators) -> dict[str, str]:
    """Each generator's colour, from the list of every generator in the workspace."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(sorted(set(generators)))}


def curves_figure(curves: pd.DataFrame, se: str, wc: str, matched: pd.DataFrame,
                  colours: dict[str, str]) -> go.Figure:
    """coverage@k, maj@k, diversity@k and FPR over sampling FLOPs for SE and WC, on shared
    axes; stars mark the matched-compute points."""
    fig = make_subplots(rows=2, cols=2, subplot_titles=[t for _, t in CURVES],
                        horizontal_spacing=0.08, vertical_spacing=0.12, shared_xaxes=True)
    for role, gen in (("SE", se), ("WC", wc)):
        c = curves[curves["generator"] == gen].sort_values("k")
        for i, (metric, title) in enumerate(CURVES):
            row, col = divmod(i, 2)
            fig.add_trace(go.Scatter(
                x=c["flops"], y=c[metric], mode="lines+markers", name=f"{role}: {gen}",
                legendgroup=role, showlegend=i == 0, line={"color": colours[gen]},
                customdata=c[["k"]], hovertemplate=f"{gen}<br>k = %{{customdata[0]}}"
                f"<br>FLOPs %{{x:.3g}}<br>{title} %{{y:.3f}}<extra></extra>"),
                row=row + 1, col=col + 1)
            if metric == "fpr" and c["fpr_n"].max() > 0:
                fig.add_trace(go.Scatter(
                    x=list(c["flops"]) + list(c["flops"])[::-1],
                    y=list(c["fpr_high"]) + list(c["fpr_low"])[::-1], fill="toself",
                    line={"width": 0}, fillcolor=colours[gen], opacity=0.15,
                    legendgroup=role, showlegend=False, hoverinfo="skip"), row=2, col=2)
    _mark_matched(fig, curves, se, wc, matched, colours)
    pair = curves[curves["generator"].isin([se, wc])]
    if pair["fpr_n"].max() == 0:
        fig.add_annotation(text="no human reviews yet:<br>flag false positives on the Review "
                           "page", showarrow=False, xref="x4 domain", yref="y4 domain",
                           x=0.5, y=0.5)
    fig.update_yaxes(rangemode="tozero", row=2, col=2)
    if pair["fpr_n"].max() == 0:
        fig.update_yaxes(range=[0, 1], row=2, col=2)
    fig.update_xaxes(type="log")
    fig.update_xaxes(title_text="sampling FLOPs (2·params·tokens)", row=2)
    fig.update_layout(height=620, margin={"t": 40, "b": 10}, legend={"orientation": "h",
                                                                      "y": -0.12})
    return fig


def _mark_matched(fig: go.Figure, curves: pd.DataFrame, se: str, wc: str,
                  matched: pd.DataFrame, colours: dict[str, str]) -> None:
    if matched.empty:
        return
    both = matched.dropna(subset=["coverage WC"])
    for role, gen, k_col in (("SE", se, "SE k"), ("WC", wc, "WC k")):
        c = curves[(curves["generator"] == gen) & curves["k"].isin(both[k_col])]
        for i, (metric, _) in enumerate(CURVES):
            row, col = divmod(i, 2)
            fig.add_trace(go.Scatter(
                x=c["flops"], y=c[metric], mode="markers", name="matched compute",
                legendgroup="matched", showlegend=i == 0 and role == "SE",
                marker={"symbol": "star", "size": 14, "color": colours[gen],
                        "line": {"color": "black", "width": 1}}, hoverinfo="skip"),
                row=row + 1, col=col + 1)


def tradeoff_figure(generators: pd.DataFrame, slices: pd.DataFrame, diversity: str,
                    label: str, colours: dict[str, str]) -> go.Figure:
    """Quality (accuracy) against a diversity measure: one large point per data set, small
    points per data set and level where levels are known."""
    fig = px.scatter(generators, x="accuracy", y=diversity, color="generator",
                     color_discrete_map=colours, size="traces", size_max=28,
                     hover_data=["traces", "problems"],
                     labels={diversity: label})
    levels = slices[slices["slice"] == "level"].dropna(subset=[diversity])
    if not levels.empty:
        small = px.scatter(levels, x="accuracy", y=diversity, color="generator",
                           color_discrete_map=colours,
                           hover_data=["value", "traces"], symbol_sequence=["circle-open"])
        for trace in small.data:
            trace.showlegend = False
            trace.name = f"{trace.name} by level"
            fig.add_trace(trace)
        fig.add_trace(go.Scatter(  # the hollow markers' legend entry (their colour: the set's)
            x=[None], y=[None], mode="markers", name="○ one data set at one level",
            marker={"symbol": "circle-open", "color": "grey", "size": 10}))
    fig.update_layout(height=420, margin={"t": 20}, xaxis_title="quality: accuracy",
                      yaxis_title=f"diversity: {label}")
    return fig


def map_figure(points: pd.DataFrame, method: str, colour: str,
               colours: dict[str, str]) -> go.Figure:
    """The solutions in 2-D, coloured by `colour` (generators in their own colours); each
    point carries its trace id (customdata[0]) for a click."""
    fig = px.scatter(points, x=f"{method}_x", y=f"{method}_y", color=colour,
                     color_discrete_map=colours if colour == "generator" else None,
                     color_discrete_sequence=px.colors.qualitative.D3, render_mode="webgl",
                     custom_data=["trace_id", "generator", "correct", "label", "problem"],
                     opacity=0.75)
    fig.update_traces(marker={"size": 7}, hovertemplate="%{customdata[1]} · %{customdata[2]}"
                      " · %{customdata[3]}<br>%{customdata[4]}<extra></extra>")
    fig.update_layout(height=520, margin={"t": 20, "b": 10, "l": 10}, xaxis_title=None,
                      yaxis_title=None, clickmode="event+select", dragmode="pan")
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return fig


def slice_figure(table: pd.DataFrame, metric: str, kind: str,
                 colours: dict[str, str]) -> go.Figure:
    """One kind of slice (source, level, step bucket, ...) of one metric as grouped bars: its
    values on x, one bar per generator."""
    long = table.reset_index().melt(id_vars=["value"], var_name="generator", value_name=metric)
    long["value"] = long["value"].astype(str)
    fig = px.bar(long, x="value", y=metric, color="generator", barmode="group",
                 color_discrete_map=colours)
    fig.update_layout(height=360, margin={"t": 20}, xaxis_title=kind, xaxis_type="category")
    return fig
