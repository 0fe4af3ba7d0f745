"""Widgets of the step-values page: launching rollout runs, their progress, the value strip."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from synthqa.jobs import batch
from synthqa.ui import jobs, resources
from synthqa.ui.sampling import chosen_model, model_picker, traces_default
from synthqa.ui.text import plain
from synthqa.values import job as rollout_job
from synthqa.values.rollouts import MODES


def launch_form(generators: list[str]) -> None:
    """Choose traces and a rollout policy; the run starts in its own process."""
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        c1.selectbox("Traces of", generators, key="ro_generator",
                     index=traces_default(generators, "Rollout policy", 1, "ro_generator"),
                     help="by default, traces of the policy's own domain")
        c2.segmented_control("Which", ["wrong", "all"], default="wrong", key="ro_which",
                             help="all: correct traces too, for spurious steps")
        c3.number_input("How many traces", 1, 100_000, 20, key="ro_limit")
        policy = model_picker("Rollout policy", 1)
        c1, c2, c3, c4 = st.columns(4)
        c1.selectbox("Search", MODES, key="ro_mode",
                     help="exhaustive: every step (the paper); binary: the first step "
                          "whose value is 0, in about log2(steps) evaluations")
        c2.number_input("Rollouts per prefix (K)", 1, 64, 5, key="ro_k")
        c3.slider("Temperature", 0.1, 1.5, 0.7, 0.05, key="ro_temperature")
        c4.number_input("Max tokens", 8, 4096, 80, key="ro_max_tokens")
        st.text_input("Prompt template ({problem}, then the trace's steps)", "{problem}\n",
                      key="ro_template")
        st.button("Start rollouts", type="primary", disabled=policy is None, on_click=_start)
    kind, msg = st.session_state.pop("ro_msg", (None, None))
    if kind:
        getattr(st, kind)(plain(msg))  # names and URLs from the form


def _start() -> None:
    """The run the form holds at the click (read from the session, not bound when drawn)."""
    ss = st.session_state
    policy = chosen_model("Rollout policy")
    if policy is None:
        ss.ro_msg = ("error", "Choose a rollout policy.")
        return
    template = ss.ro_template
    job = rollout_job.RolloutJob(batch.new_run_id("rollouts"), policy, ss.ro_mode,
                                 int(ss.ro_k), float(ss.ro_temperature),
                                 int(ss.ro_max_tokens), template.replace("\\n", "\n"))
    intent = {"policy": str(policy), "generator": ss.ro_generator,
              "limit": int(ss.ro_limit), "mode": job.mode,
              "negatives_only": (ss.ro_which or "wrong") == "wrong", "k": job.k,
              "temperature": job.temperature, "max_tokens": job.max_tokens,
              "template": template}
    jobs.start_from_form("ro_msg", job.run_id, lambda key: rollout_job.start(
        resources.workspace(), resources.store(), job, intent["generator"],
        intent["negatives_only"], intent["limit"], submit_key=key), rollout_job.KIND,
        intent=intent)


@st.fragment(run_every=2)
def run_progress() -> None:
    jobs.panels(rollout_job.KIND, lambda job: jobs.run_view(job, "traces"),
                "No rollout runs yet.")


def value_strip(steps: list[str], values: pd.DataFrame, pit: int | None, key: str):
    """Q after each prefix as a strip of squares (0 = the bare problem); hover shows the step
    and its advantage; a click returns the prefix length."""
    values = values.sort_values("prefix_steps")
    q = dict(zip(values["prefix_steps"], values["q_mean"]))
    xs = [i for i in range(len(steps) + 1) if i in q]
    hover = []
    for i in xs:
        step = "the bare problem" if i == 0 else steps[i - 1][:120]
        adv = f"<br>A = {q[i] - q[i - 1]:+.2f}" if i - 1 in q else ""
        hover.append(f"after {i} step(s): Q = {q[i]:.2f}{adv}<br>{step}")
    fig = go.Figure(go.Scatter(
        x=xs, y=[0] * len(xs), mode="markers+text", text=[f"{q[i]:.2f}" for i in xs],
        textposition="bottom center", customdata=xs, hovertext=hover, hoverinfo="text",
        marker={"symbol": "square", "size": 38, "color": [q[i] for i in xs], "cmin": 0,
                "cmax": 1, "colorscale": "RdYlGn", "showscale": True,
                "colorbar": {"title": "Q", "thickness": 10}}))
    if pit is not None:
        fig.add_annotation(x=pit + 1, y=0.6, text="pit", showarrow=True, arrowhead=2, ay=-25)
    fig.update_layout(height=190, margin={"t": 30, "b": 10, "l": 10, "r": 10},
                      xaxis={"title": "steps taken", "dtick": 1},
                      yaxis={"visible": False, "range": [-1, 1]}, clickmode="event+select")
    event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode="points")
    picked = event.selection.points if event else []
    return int(picked[0]["x"]) if picked else None
