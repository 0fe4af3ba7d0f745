"""Widgets of the judges page: launching a judge run and following it."""
from __future__ import annotations

import os

import streamlit as st

from synthqa.jobs import batch
from synthqa.judges import job as judge_job
from synthqa.judges.critic import PROMPT
from synthqa.judges.prm_endpoint import FORMATS as PRM_FORMATS
from synthqa.sampling import endpoints
from synthqa.ui import jobs, resources
from synthqa.ui.text import plain
from synthqa.values.rollouts import MODES

BACKEND_HELP = {
    "stepcheck": "re-evaluates every written equation: a wrong one flags the trace",
    "rollouts": "Monte Carlo values of a rollout run: a value drop inside the trace",
    "critic": "an LLM behind an OpenAI-compatible chat endpoint names the earliest wrong "
              "paragraph (ProcessBench's prompt), n samples, majority vote",
    "prm": "a process reward model from a local folder (token classification over steps)",
    "prm-endpoint": "a process reward model behind a server's pooling API (`vllm serve` with "
                    "Qwen2.5-Math-PRM or a Math-Shepherd-style PRM, or "
                    "`python -m synthqa.judges.prm_serve`), asked in its own format",
}


def launch_form(generators: list[str], policies: list[str]) -> None:
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([2, 2, 1, 2], vertical_alignment="bottom")
        backend = c1.selectbox("Judge", judge_job.BACKENDS, key="jd_backend")
        chosen = c2.multiselect("Traces of", generators, key="jd_generators",
                                placeholder="every generator",
                                help="leave empty to judge every generator in one run")
        limit = c3.number_input("How many", 1, 1_000_000, 500, key="jd_limit",
                                help="traces of each generator")
        wrong_too = c4.toggle("Wrong answers too", key="jd_all",
                              help="for the ProcessBench metric on error traces; the FPR "
                                   "needs answer-correct ones only")
        st.caption(BACKEND_HELP[backend])
        settings = _backend_settings(backend, policies)
        st.button("Run judge", type="primary", on_click=_start,
                  args=(backend, chosen or None, not wrong_too, int(limit), settings))
    kind, msg = st.session_state.pop("jd_msg", (None, None))
    if kind:
        getattr(st, kind)(plain(msg))  # names and URLs from the form


def _backend_settings(backend: str, policies: list[str]) -> dict:
    if backend == "rollouts":
        c1, c2 = st.columns(2)
        return {"policy": c1.selectbox("Rollout policy", policies, key="jd_policy") or "",
                "mode": c2.selectbox("Search", MODES, key="jd_mode")}
    if backend == "critic":
        c1, c2 = st.columns(2)
        settings = {
            "base_url": c1.text_input("Endpoint", key="jd_url",
                                      placeholder="http://127.0.0.1:8000"),
            "model": c2.text_input("Model", key="jd_model", help="the name it serves")}
        c1, c2, c3 = st.columns(3)
        settings["n"] = int(c1.number_input("Samples per trace", 1, 32, 4, key="jd_n"))
        settings["temperature"] = float(c2.slider("Temperature", 0.0, 1.5, 0.7, 0.05,
                                                  key="jd_temperature"))
        settings["max_tokens"] = int(c3.number_input("Max tokens", 16, 32768, 1024,
                                                     key="jd_max_tokens"))
        settings["prompt"] = st.text_area(
            "Prompt ({problem}, {paragraphs}, {gold}; nothing else is substituted)", PROMPT,
            height=220, key="jd_prompt")
        st.caption(f"The server calls only the endpoints its operator allows "
                   f"(${endpoints.ALLOW_ENV}: {plain(allowed())}); an API key, if one is "
                   f"needed, is read from ${endpoints.KEY_ENV} and sent only to "
                   f"${endpoints.KEY_ORIGIN_ENV}.")
        return settings
    if backend == "prm":
        return {"model_dir": st.text_input("Model folder on the server", key="jd_model_dir")}
    if backend == "prm-endpoint":
        c1, c2, c3 = st.columns(3)
        settings = {"base_url": c1.text_input("Endpoint", key="jd_prm_url",
                                              placeholder="http://127.0.0.1:8000"),
                    "model": c2.text_input("Model", key="jd_prm_model",
                                           help="the name it serves"),
                    "prm_format": c3.selectbox("Format", list(PRM_FORMATS), key="jd_prm_format",
                                               help="qwen: <extra_0> after each step; "
                                                    "math-shepherd: ки after each step")}
        st.caption(f"Endpoints the server may call: ${endpoints.ALLOW_ENV} "
                   f"({plain(allowed())}).")
        return settings
    return {}


def _start(backend: str, generators: list[str] | None, answer_correct_only: bool, limit: int,
           settings: dict) -> None:
    job = judge_job.JudgeJob(batch.new_run_id(f"judge-{backend}"), backend, **settings)
    jobs.start_from_form("jd_msg", job.run_id, lambda key: judge_job.start(
        resources.workspace(), resources.store(), job, generators, answer_correct_only, limit,
        submit_key=key), judge_job.KIND, intent={
            "judge": backend, "generators": generators, "limit": limit,
            "answer_correct_only": answer_correct_only, **settings})


@st.fragment(run_every=2)
def run_progress() -> None:
    jobs.panels(judge_job.KIND, lambda job: jobs.run_view(job, "traces"),
                "No judge jobs yet (runs from `judge run` on the command line show above once "
                "done).", resumable=True)


def allowed() -> str:
    return os.environ.get(endpoints.ALLOW_ENV, endpoints.DEFAULT_ALLOWED)
