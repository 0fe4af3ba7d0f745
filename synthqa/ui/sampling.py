"""Widgets for the sampling page: model pickers, the plan, live job progress."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from synthqa.jobs import progress as progress_file
from synthqa.jobs.runner import Jobs
from synthqa.lab.model import DATA_DIR, LAB_SOURCE
from synthqa.sampling.job import ModelChoice, jobs, progress
from synthqa.ui import resources

LOCAL, ENDPOINT = "Other local model folder", "OpenAI-compatible endpoint"
PRESETS = {"lab-se (4.7M, data/lab/se)": ModelChoice("lab-se", path=str(DATA_DIR / "se")),
           "lab-wc (1.6M, data/lab/wc)": ModelChoice("lab-wc", path=str(DATA_DIR / "wc")),
           "lab-tiny (0.59M, data/lab/tiny)": ModelChoice("lab-tiny",
                                                          path=str(DATA_DIR / "tiny"))}


def traces_default(generators: list, role: str, default: int, key: str) -> int:
    """The index in `generators` of the traces that match the model `role` picks (drawn
    below): a lab model's own domain, the lab problems; 0 where nothing is known. Asked only
    until the selectbox `key` has a value (the store's scan is not repeated on every rerun)."""
    if key in st.session_state:
        return 0  # ignored: the widget keeps its value
    choice = st.session_state.get(f"{role}_model", [*PRESETS][default])
    best = resources.store().summaries.generator_of_source(LAB_SOURCE) if choice in PRESETS \
        else None
    return generators.index(best) if best in generators else 0


def model_picker(role: str, default: int) -> ModelChoice | None:
    """A preset, a local folder or an endpoint; None until the choice is complete."""
    options = [*PRESETS, LOCAL, ENDPOINT]
    choice = st.selectbox(f"{role} model", options, index=default, key=f"{role}_model")
    if choice in PRESETS:
        return PRESETS[choice]
    name = st.text_input("Name (as it will appear in the store)", key=f"{role}_name")
    chat = st.checkbox("Chat model (wrap prompts in its chat template)", key=f"{role}_chat")
    if choice == LOCAL:
        path = st.text_input("Folder with config.json and safetensors", key=f"{role}_path")
        return ModelChoice(name, path=path, chat=chat) if name and path else None
    url = st.text_input("Base URL", placeholder="http://127.0.0.1:8000", key=f"{role}_url")
    params = st.number_input("Parameters", min_value=0, step=1_000_000, key=f"{role}_params")
    return ModelChoice(name, url=url, params=int(params)) if name and url else None


def plan_table(rows: list[dict]) -> None:
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "parameters": st.column_config.NumberColumn(format="compact"),
        "expected FLOPs": st.column_config.NumberColumn(format="%.3e")})


@st.fragment(run_every=2)
def job_progress() -> None:
    ws = resources.workspace()
    names = jobs(ws)
    if not names:
        st.caption("No sampling jobs yet.")
        return
    for job_id in names[:5]:
        info = progress(ws, job_id)
        job = info["job"]
        with st.container(border=True):
            st.markdown(f"**{job_id}** · {job.problem_set} · {job.n_problems} problems · "
                        f"{info['state']}")
            eta = progress_file.eta_text({"done": sum(info["done"].values()),
                                          "total": 2 * job.n_problems,
                                          "started": info["started"]}) \
                if info["state"] == "RUNNING" else ""
            for role, model in (("se", job.se), ("wc", job.wc)):
                done = info["done"][role]
                st.progress(done / job.n_problems, text=f"{role.upper()} {model.name}: "
                            f"{done}/{job.n_problems} problems{eta if role == 'wc' else ''}")
            if info["state"] == "FAILED":
                st.code(info["log"][-800:])
            if info["state"] in ("QUEUED", "RUNNING"):
                st.button("Cancel", key=f"cancel_{job_id}", on_click=Jobs(ws).cancel,
                          args=(job_id,))
