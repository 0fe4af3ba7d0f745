"""Sampling: SE and WC models on the same problems at matched compute, as a background job."""
from dataclasses import asdict

import streamlit as st

from synthqa.jobs.batch import new_run_id
from synthqa.lab.sample_sets import PROBLEM_SETS
from synthqa.lab.sampling_job import KIND, SamplingJob, launch
from synthqa.sampling.budget import Generator, match
from synthqa.sampling.hf import local_params
from synthqa.ui import resources
from synthqa.ui.jobs import start_from_form
from synthqa.ui.router import through_router
from synthqa.ui.sampling import chosen_model, job_progress, model_picker, plan_table
from synthqa.ui.text import plain

through_router()

st.title("Sampling")
st.caption("FLOPs = 2 · parameters · generated tokens. At matched compute the weak-cheap model "
           "gets S_WC = (P_SE / P_WC) · S_SE samples per problem.")
c1, c2 = st.columns(2)
problem_set = c1.selectbox("Problems", PROBLEM_SETS, key="sample_problems")
n_problems = c2.number_input("How many", 1, 100_000, 100, key="sample_n")
left, right = st.columns(2)
with left:
    se = model_picker("SE", 0)
with right:
    wc = model_picker("WC", 1)
c1, c2, c3 = st.columns(3)
se_samples = c1.number_input("SE samples per problem", 1, 1000, 1, key="sample_se_samples")
temperature = c2.slider("Temperature", 0.0, 1.5, 0.8, 0.05, key="sample_temperature")
max_tokens = c3.number_input("Max tokens", 8, 4096, 120, key="sample_max_tokens")


def params_of(model) -> int | None:
    try:
        return model.params or local_params(model.path)
    except (FileNotFoundError, OSError, TypeError):
        return None


if se and wc and params_of(se) and params_of(wc):
    plan = match(Generator(se.name, params_of(se)), Generator(wc.name, params_of(wc)),
                 int(n_problems), max_tokens / 2, se_samples=int(se_samples))
    st.markdown("**Plan** (expected FLOPs assume half of max tokens per sample; the runs record "
                "what was really generated)")
    plan_table(plan.rows())

    def _launch():
        """The run the form holds at the click (read from the session, not bound when
        drawn: a number typed and the button clicked at once ran the old number)."""
        ss, se, wc = st.session_state, chosen_model("SE"), chosen_model("WC")
        if se is None or wc is None:
            ss.sampling_msg = ("error", "Choose both models.")
            return
        job = SamplingJob(new_run_id("sample"), ss.sample_problems, int(ss.sample_n), se, wc,
                          int(ss.sample_se_samples), float(ss.sample_temperature),
                          int(ss.sample_max_tokens))

        def start(key: str) -> None:          # a sampling run counts problems, not traces
            launch(resources.workspace(), job, submit_key=key)

        start_from_form("sampling_msg", job.job_id, start, KIND,
                        intent={k: v for k, v in asdict(job).items() if k != "job_id"})

    st.button("Start sampling", type="primary", on_click=_launch)
else:
    st.info("Choose both models (a folder needs config.json and safetensors weights).")
kind, msg = st.session_state.pop("sampling_msg", (None, None))
if kind:
    getattr(st, kind)(plain(msg))  # names and URLs from the form
st.subheader("Jobs")
job_progress()
