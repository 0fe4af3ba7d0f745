"""Widgets for the sampling page: model pickers, the plan, live job progress."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from synthqa.jobs.table import Job
from synthqa.lab import sampling_job
from synthqa.lab.model import DATA_DIR, LAB_SOURCE
from synthqa.sampling.models import ModelChoice
from synthqa.train.common import EVALUATION_RUNS
from synthqa.ui import jobs, resources
from synthqa.ui.text import plain, scientific

LOCAL, ENDPOINT = "Other local model folder", "OpenAI-compatible endpoint"
PRESETS = {"lab-se (4.7M, data/lab/se)": ModelChoice("lab-se", path=str(DATA_DIR / "se")),
           "lab-wc (1.6M, data/lab/wc)": ModelChoice("lab-wc", path=str(DATA_DIR / "wc")),
           "lab-tiny (0.59M, data/lab/tiny)": ModelChoice("lab-tiny",
                                                          path=str(DATA_DIR / "tiny"))}


def traces_default(generators: list, role: str, default: int, key: str) -> int:
    """The index in `generators` of the traces that match the model `role` picks (drawn
    below): a lab model's own domain, the lab problems (a trained model's evaluation samples
    only where nothing else is there); 0 where nothing is known. Asked only
    until the selectbox `key` has a value (the store's scan is not repeated on every rerun)."""
    if key in st.session_state:
        return 0  # ignored: the widget keeps its value
    choice = st.session_state.get(f"{role}_model", [*PRESETS][default])
    best = resources.store().summaries.generator_of_source(LAB_SOURCE, EVALUATION_RUNS) \
        if choice in PRESETS else None
    return generators.index(best) if best in generators else 0


def model_picker(role: str, default: int) -> ModelChoice | None:
    """A preset, a local folder or an endpoint; None until the choice is complete."""
    options = [*PRESETS, LOCAL, ENDPOINT]
    choice = st.selectbox(f"{role} model", options, index=default, key=f"{role}_model")
    if choice not in PRESETS:
        st.text_input("Name (as it will appear in the store)", key=f"{role}_name")
        st.checkbox("Chat model (wrap prompts in its chat template)", key=f"{role}_chat")
    if choice == LOCAL:
        st.text_input("Folder with config.json and safetensors", key=f"{role}_path")
    elif choice == ENDPOINT:
        st.text_input("Base URL", placeholder="http://127.0.0.1:8000", key=f"{role}_url")
        st.number_input("Parameters", min_value=0, step=1_000_000, key=f"{role}_params")
    return chosen_model(role)


def chosen_model(role: str) -> ModelChoice | None:
    """The model the picker `role` holds now (a start button's callback reads this at the
    click, not what the page held when the button was drawn)."""
    ss = st.session_state
    choice, name = ss.get(f"{role}_model"), ss.get(f"{role}_name")
    if choice in PRESETS:
        return PRESETS[choice]
    if choice == LOCAL:
        path = ss.get(f"{role}_path")
        return ModelChoice(name, path=path, chat=bool(ss.get(f"{role}_chat"))) \
            if name and path else None
    url = ss.get(f"{role}_url")
    return ModelChoice(name, url=url, params=int(ss.get(f"{role}_params") or 0)) \
        if choice == ENDPOINT and name and url else None


def plan_table(rows: list[dict]) -> None:
    plan = pd.DataFrame(rows)
    plan["expected FLOPs"] = scientific(plan["expected FLOPs"])
    st.dataframe(plan, hide_index=True, column_config={
        "parameters": st.column_config.NumberColumn(format="compact")})


@st.fragment(run_every=2)
def job_progress() -> None:
    jobs.panels(sampling_job.KIND, _view, "No sampling jobs yet.", limit=5)


def _view(job: Job) -> jobs.RunView:
    """Problems done by both models, and a bar for each."""
    spec = sampling_job.load(resources.workspace(), job.job_id)
    done = sampling_job.problems_done(resources.workspace(), job.job_id)
    total = 2 * spec.n_problems

    def roles() -> None:
        engines = sampling_job.backends(resources.workspace(), job.job_id)
        for role, model in zip(sampling_job.ROLES, (spec.se, spec.wc)):
            engine = f" ({engines[role]})" if role in engines else ""
            st.progress(done[role] / spec.n_problems, text=f"{role.upper()} {plain(model.name)}"
                        f"{engine}: {done[role]}/{spec.n_problems} problems")

    return jobs.RunView(sum(done.values()), total, "problems",
                        {"done": sum(done.values()), "total": total, "started": job.started_at},
                        about=f" · {spec.problem_set} · {spec.n_problems} problems",
                        details=roles)
