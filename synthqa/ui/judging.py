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
    "critic": "an LLM behind an OpenAI-compatible chat endpoint, or from a model folder here, "
              "names the earliest wrong paragraph (ProcessBench's prompt), n samples, "
              "majority vote",
    "prm": "a process reward model from a local folder (token classification over steps)",
    "prm-endpoint": "a process reward model behind a server's pooling API (`vllm serve` with "
                    "Qwen2.5-Math-PRM or a Math-Shepherd-style PRM, or "
                    "`python -m synthqa.judges.prm_serve`), asked in its own format",
}


# each judge's settings: the form's widget and the type of its value
SETTINGS = {
    "rollouts": {"policy": ("jd_policy", str), "mode": ("jd_mode", str)},
    "critic": {"base_url": ("jd_url", str), "model": ("jd_model", str),
               "model_dir": ("jd_critic_dir", str), "n": ("jd_n", int),
               "temperature": ("jd_temperature", float),
               "max_tokens": ("jd_max_tokens", int), "prompt": ("jd_prompt", str)},
    "prm": {"model_dir": ("jd_model_dir", str)},
    "prm-endpoint": {"base_url": ("jd_prm_url", str), "model": ("jd_prm_model", str),
                     "prm_format": ("jd_prm_format", str)},
}


def launch_form(generators: list[str], policies: list[str]) -> None:
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([2, 2, 1, 2], vertical_alignment="bottom")
        backend = c1.selectbox("Judge", judge_job.BACKENDS, key="jd_backend")
        c2.multiselect("Traces of", generators, key="jd_generators",
                       placeholder="every generator",
                       help="leave empty to judge every generator in one run")
        c3.number_input("How many", 1, 1_000_000, 500, key="jd_limit",
                        help="traces of each generator")
        c4.toggle("Wrong answers too", key="jd_all",
                  help="for the ProcessBench metric on error traces; the FPR needs "
                       "answer-correct ones only")
        st.caption(BACKEND_HELP[backend])
        _backend_widgets(backend, policies)
        st.button("Run judge", type="primary", on_click=_start)
    kind, msg = st.session_state.pop("jd_msg", (None, None))
    if kind:
        getattr(st, kind)(plain(msg))  # names and URLs from the form


def _backend_widgets(backend: str, policies: list[str]) -> None:
    """The chosen judge's own settings (SETTINGS names their widgets)."""
    if backend == "rollouts":
        c1, c2 = st.columns(2)
        c1.selectbox("Rollout policy", policies, key="jd_policy")
        c2.selectbox("Search", MODES, key="jd_mode")
    elif backend == "critic":
        c1, c2 = st.columns(2)
        c1.text_input("Endpoint", key="jd_url", placeholder="http://127.0.0.1:8000")
        c2.text_input("Model", key="jd_model", help="the name it serves")
        st.text_input("…or a model folder on the server", key="jd_critic_dir",
                      help="a causal model sampled here, no endpoint: vLLM's offline engine "
                           "where it is installed, else transformers, every trace of a shard "
                           "in one call (its chat template where it has one)")
        c1, c2, c3 = st.columns(3)
        c1.number_input("Samples per trace", 1, 32, 4, key="jd_n")
        c2.slider("Temperature", 0.0, 1.5, 0.7, 0.05, key="jd_temperature")
        c3.number_input("Max tokens", 16, 32768, 1024, key="jd_max_tokens")
        st.text_area("Prompt ({problem}, {paragraphs}, {gold}; nothing else is substituted)",
                     PROMPT, height=220, key="jd_prompt")
        st.caption(f"The server calls only the endpoints its operator allows "
                   f"(${endpoints.ALLOW_ENV}: {plain(allowed())}); an API key, if one is "
                   f"needed, is read from ${endpoints.KEY_ENV} and sent only to "
                   f"${endpoints.KEY_ORIGIN_ENV}.")
    elif backend == "prm":
        st.text_input("Model folder on the server", key="jd_model_dir")
    elif backend == "prm-endpoint":
        c1, c2, c3 = st.columns(3)
        c1.text_input("Endpoint", key="jd_prm_url", placeholder="http://127.0.0.1:8000")
        c2.text_input("Model", key="jd_prm_model", help="the name it serves")
        c3.selectbox("Format", list(PRM_FORMATS), key="jd_prm_format",
                     help="qwen: <extra_0> after each step; math-shepherd: ки after each step")
        st.caption(f"Endpoints the server may call: ${endpoints.ALLOW_ENV} "
                   f"({plain(allowed())}).")


def settings(backend: str) -> dict:
    """The judge's settings as the form holds them now (read at the click)."""
    ss = st.session_state
    return {name: kind(ss.get(key) or kind()) for name, (key, kind) in
            SETTINGS.get(backend, {}).items()}


def _start() -> None:
    """The run the form holds at the click (read from the session, not bound when drawn)."""
    ss = st.session_state
    backend, generators = ss.jd_backend, ss.jd_generators or None
    limit, answer_correct_only, chosen = int(ss.jd_limit), not ss.jd_all, settings(backend)
    job = judge_job.JudgeJob(batch.new_run_id(f"judge-{backend}"), backend, **chosen)
    jobs.start_from_form("jd_msg", job.run_id, lambda key: judge_job.start(
        resources.workspace(), resources.store(), job, generators, answer_correct_only, limit,
        submit_key=key), judge_job.KIND, intent={
            "judge": backend, "generators": generators, "limit": limit,
            "answer_correct_only": answer_correct_only, **chosen})


@st.fragment(run_every=2)
def run_progress() -> None:
    jobs.panels(judge_job.KIND, lambda job: jobs.run_view(job, "traces"),
                "No judge jobs yet (runs from `judge run` on the command line show above once "
                "done).", resumable=True)


def allowed() -> str:
    return os.environ.get(endpoints.ALLOW_ENV, endpoints.DEFAULT_ALLOWED)
