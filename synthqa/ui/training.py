"""Widgets of the training page: the launch form and a live panel per training job."""
from __future__ import annotations

import json
import re
import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from synthqa.config import Settings
from synthqa.jobs.runner import BACKENDS, Jobs
from synthqa.train import efficiency as eff
from synthqa.train import launch
from synthqa.train.common import EVAL_SETS, TrainConfig
from synthqa.train.pairs import KINDS, LABELLED, PairChoices
from synthqa.ui import jobs, resources
from synthqa.ui.sampling import PRESETS, chosen_model, model_picker, traces_default
from synthqa.ui.text import plain

COLOURS = px.colors.qualitative.D3
CHART_POINTS = 1000      # a loss curve shows at most about this many steps (evenly spaced)


def form(generators: list[str], policies: list[str]) -> None:
    ss = st.session_state
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox("Data set", KINDS, key="train_kind", on_change=_name_follows_kind,
                        help="sft / rft: correct solutions; dpo: correct vs wrong of a problem; "
                             "step-dpo / self-explore: pairs from first pits")
    base_default = list(PRESETS).index("lab-tiny (0.59M, data/lab/tiny)")  # the student
    options = [None, *generators]
    c2.selectbox("Traces of", options, key="train_generator",
                 index=traces_default(options, "Base", base_default, "train_generator"),
                 format_func=lambda g: "all generators" if g is None else g,
                 help="by default, traces of the base model's own domain")
    pit_sources = [*policies, LABELLED] if kind != "self-explore" else policies or [None]
    c3.selectbox("Pits from", pit_sources, key="train_policy",
                 disabled=kind not in ("step-dpo", "self-explore"),
                 help="a rollout policy's first pits, or the traces' first-error "
                      "labels (reviewers', imported, or the lab's exact ones)")
    model_picker("Base", base_default)
    c1, c2, c3, c4 = st.columns(4)
    if "train_name" not in ss:  # a name no run or generator has yet
        ss.train_name = launch.unused_name(resources.workspace(), resources.store(),
                                           f"lab-wc-{kind}")
    c1.text_input("Name of the trained model", key="train_name")
    c2.number_input("Steps", 1, 1_000_000, 100, key="train_steps")
    c3.number_input("Learning rate", 1e-7, 1e-2, 3e-5, format="%.0e", key="train_lr")
    c4.number_input("Batch size", 1, 4096, 8, key="train_batch")
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input("DPO beta", 0.01, 10.0, 0.1, key="train_beta",
                    disabled=launch.METHOD_OF[kind] != "dpo")
    c1.toggle("Activation checkpointing", key="train_checkpointing",
              help="recompute activations in the backward pass: less memory "
                   "for a larger model or batch, about a third more compute")
    lora = c2.toggle("LoRA", key="train_lora", help="train adapters, merged when saved")
    c1.toggle("FSDP", key="train_fsdp", disabled=lora or kind == "rft",
              help="sft / dpo full fine-tunes on several GPUs: weights, gradients and "
                   "optimizer state sharded over them (FSDP) instead of a whole copy on each "
                   "(DDP); chosen by itself for a model that would take more than half of "
                   "one GPU")
    c2.toggle("Packing", key="train_packing", disabled=launch.METHOD_OF[kind] == "dpo",
              help="sft / rft: examples packed into rows as long as the longest one, "
                   "without padding (TRL's padding-free best-fit packing), a step holding "
                   "about as many tokens as Batch size examples. It pays with "
                   "FlashAttention's variable-length kernels; with PyTorch's attention a "
                   "step's rows attend as one long sequence, slower than the default: "
                   "padded batches of examples of similar lengths")
    c3.selectbox("Evaluate on", EVAL_SETS, key="train_eval_set")
    c4.number_input("Held-out problems", 0, 100_000, 100, key="train_eval_n")
    rft = kind == "rft"
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input("Samples per held-out problem", 0, 256, 8, key="train_eval_k",
                    help="k samples of each at the sampling temperature: pass@k and "
                         "maj@k (0: greedy only)")
    c2.number_input("Sampling temperature", 0.05, 2.0, 0.8, key="train_temp",
                    help="of the evaluation's k samples and RFT's samples")
    c3.number_input("RFT samples per problem", 1, 256, 4, key="train_rft_samples",
                    disabled=not rft, help="drawn from the model each round; its "
                    "correct ones with new reasoning join the data set")
    c4.number_input("RFT rounds", 1, 10, 1, key="train_rft_rounds", disabled=not rft,
                    help="round 2 samples from the model round 1 trained")
    default = Settings.from_env().job_backend
    st.selectbox("Run on", BACKENDS, BACKENDS.index(default), key="train_backend",
                 help="local: this machine, SYNTHQA_MAX_JOBS at a time; ray: the "
                      "cluster at SYNTHQA_RAY_ADDRESS (sharing this filesystem), on a node "
                      "with SYNTHQA_RAY_GPUS GPUs, a process on each")
    st.toggle("Data-efficiency sweep", key="train_sweep",
              help="four runs on 1/8, 1/4, 1/2 and all of the data set (names get "
                   "-f8, -f4, -f2, -f1): the points of the curves below")
    chosen = settings()
    if chosen is None:
        st.info("Choose a local base model.")
        return
    choices, config = chosen
    with st.expander("What will run"):
        backend = ss.train_backend
        st.code(" ".join(launch.command(config, "runs/<id>", backend)), language="bash")
        st.code(json.dumps(launch.what_will_run(choices, config, backend), indent=1),
                language="json")
    st.button("Train", type="primary", on_click=_start)
    kind_msg, msg = ss.pop("train_msg", (None, None))
    if kind_msg:
        getattr(st, kind_msg)(plain(msg))  # names from the form


def settings() -> tuple[PairChoices, TrainConfig] | None:
    """What the form holds now, read from the session: Train's callback reads it at the
    click. (Arguments bound when the button was drawn can be a rerun behind the page: a
    number typed and Train clicked at once trained the number the page had before.)"""
    ss = st.session_state
    base = chosen_model("Base")
    if base is None or not base.path:
        return None
    kind = ss.train_kind
    method = launch.METHOD_OF[kind]
    config = TrainConfig(
        method, base.path, "runs/<id>/data.jsonl", ss.train_name, ".",
        max_steps=int(ss.train_steps), learning_rate=float(ss.train_lr),
        batch_size=int(ss.train_batch), beta=float(ss.train_beta), lora=bool(ss.train_lora),
        chat=base.chat, eval_set=ss.train_eval_set,
        packing=bool(ss.train_packing) and method != "dpo",
        eval_problems=int(ss.train_eval_n), eval_samples=int(ss.train_eval_k),
        rft_samples=int(ss.train_rft_samples), rft_rounds=int(ss.train_rft_rounds),
        temperature=float(ss.train_temp), checkpointing=bool(ss.train_checkpointing),
        fsdp=bool(ss.train_fsdp) and not ss.train_lora and kind != "rft",
        problems="runs/<id>/problems.jsonl" if kind == "rft" else "")
    return PairChoices(kind, ss.train_generator, ss.train_policy), config


def _name_follows_kind() -> None:
    """A name still ending in a kind (the default, perhaps numbered) follows the newly chosen
    kind, as a name nothing has yet."""
    ss = st.session_state
    name = re.sub(r"-\d+$", "", ss.get("train_name", ""))
    for kind in sorted(KINDS, key=len, reverse=True):      # step-dpo before dpo
        if name.endswith(f"-{kind}"):
            ss.train_name = launch.unused_name(resources.workspace(), resources.store(),
                                               name[: -len(kind)] + ss.train_kind)
            return


_STARTS = threading.Lock()  # two tabs pressing Train at once: one start at a time


def _start() -> None:
    chosen, ss = settings(), st.session_state
    if chosen is None:
        ss.train_msg = ("error", "Choose a local base model.")
        return
    with _STARTS:
        _start_intent(*chosen, ss.train_sweep, ss.train_backend)


def _start_intent(choices: PairChoices, config: TrainConfig, sweep: bool,
                  backend: str) -> None:
    """One job per intent: the key comes from the form's settings, so a second click (or a
    second tab) with the same settings shows the first job; a name some other run already
    has gets a number."""
    ss, workspace, store = st.session_state, resources.workspace(), resources.store()
    plan = [(f, replace(config, name=f"{config.name}-f{round(1 / f)}")) for f in launch.SWEEP] \
        if sweep else [(1.0, config)]
    started, again = [], []
    try:
        for fraction, cfg in plan:
            key = launch.intent_key(workspace, choices, cfg, fraction, backend)
            if (job := Jobs(workspace).by_key(key)) is not None:
                again.append(job.job_id)
                continue
            cfg = replace(cfg, name=launch.unused_name(workspace, store, cfg.name))
            job, n = launch.start(workspace, store, choices, cfg, key, fraction, backend)
            started.append(f"{job.job_id} on {n:,} examples")
    except ValueError as exc:
        ss.train_msg = ("error", str(exc))
        return
    said = ["Started " + "; ".join(started) + "."] if started else []
    said += [f"Already started with these settings: {', '.join(again)}."] if again else []
    ss.train_msg = ("success" if started else "info", " ".join(said))


def resume_key(run: launch.TrainingRun) -> str:
    return f"resume-{run.job.job_id}"        # a stopped run is resumed once


def _resume(run: launch.TrainingRun) -> None:
    try:
        job = launch.resume(resources.workspace(), run, resume_key(run))
    except ValueError as exc:
        st.toast(str(exc), icon=":material/error:")
        return
    st.toast(f"Started {job.job_id}.")


def efficiency(points: pd.DataFrame, key: str = "efficiency") -> None:
    """Held-out error against examples per data kind on log axes, the fitted power laws, and
    each run's effective data multiplier over SFT."""
    if points.empty:
        st.caption("No finished training runs yet: a data-efficiency sweep gives the points.")
        return
    groups = sorted(set(zip(points["base_model"], points["eval_set"])))
    if len(groups) > 1:      # only runs of one base model on one evaluation set compare
        base, eval_set = st.selectbox("Runs of", groups, key=f"{key}_group",
                                      format_func=lambda g: f"{g[0]} · scored on {g[1]}")
        points = points[(points["base_model"] == base) & (points["eval_set"] == eval_set)]
    points = points.assign(error=1 - points["accuracy"])
    fits = eff.curves(points)
    colour = {kind: COLOURS[i % len(COLOURS)] for i, kind in enumerate(sorted(fits))}
    fig = px.scatter(points, x="examples", y="error", color="kind", log_x=True, log_y=True,
                     hover_data=["name", "accuracy"], color_discrete_map=colour,
                     category_orders={"kind": sorted(fits)})
    for kind, law in sorted(fits.items()):
        if law is None:
            continue
        xs = np.geomspace(points["examples"].min(), points["examples"].max() * 8, 50)
        fig.add_scatter(x=xs, y=[min(1.0, law.error(x)) for x in xs], mode="lines",
                        name=f"{kind}: {law.a:.2f}·n^-{law.b:.3f}",
                        line={"dash": "dot", "color": colour[kind]})
    low = max(1e-3, float(points["error"].min()) * 0.7)
    fig.update_yaxes(range=[np.log10(low), 0], tickformat=".0%", dtick="D2")  # errors <= 100%
    fig.update_layout(height=420, xaxis_title="training examples",
                      yaxis_title="held-out error (1 - greedy accuracy)")
    st.plotly_chart(fig, key=key)
    table = eff.multipliers(points)
    if table.empty:
        st.caption("The effective data multiplier compares other data kinds with the SFT "
                   "curve: " + ("train another kind too." if fits.get("sft") else
                                "it needs SFT runs of at least two sizes (a sweep)."))
    else:
        st.dataframe(table, hide_index=True, column_config={
            "multiplier": st.column_config.NumberColumn(
                "effective data multiplier over SFT", format="%.1fx",
                help="SFT examples needed for this run's error / examples this run used"),
            "note": st.column_config.TextColumn(
                "why none", help=f"the SFT fit is trusted up to {eff.REACH:g}x beyond the "
                                 "sizes SFT was trained on, either way")})


@st.fragment(run_every=2)
def job_panels() -> None:
    runner = Jobs(resources.workspace())
    runs = launch.runs(resources.workspace())
    if not runs:
        st.caption("No training runs yet.")
    for run in runs[:6]:
        scores = launch.held_out_scores(resources.store(), run.config) \
            if run.job.status == "SUCCEEDED" and run.config else {}
        jobs.panel(runner, run.job, _view(runner, run, scores))


def _view(runner: Jobs, run: launch.TrainingRun, scores: dict) -> jobs.RunView:
    done, planned = run.steps
    method = run.config.method if run.config else "?"
    where = "" if run.job.backend == "local" else f" · on {run.job.backend}"
    scored = "".join(f" · {'held-out accuracy' if m == 'greedy' else m} {v:.1%}"
                     for m, v in scores.items())
    return jobs.RunView(done, planned, "steps", {"done": done, "total": planned,
                                                 "started": run.job.started_at},
                        about=f" · {method}{where}", outcome=scored,
                        counted=f"step {done} of {planned or '?'}", doing=run.phase or "",
                        details=lambda: _details(runner, run, scores))


def _details(runner: Jobs, run: launch.TrainingRun, scores: dict) -> None:
    """What only a training run shows: RFT's rounds, the loss curve, Resume."""
    note = launch.sampling_note(scores, run.config.temperature) if scores else None
    if note:
        st.caption(note)
    for r in run.rounds:
        st.caption(f"RFT round {r['round']}: {r['correct']:,} of {r['sampled']:,} samples "
                   f"correct, {r['added']:,} with new reasoning → {r['examples']:,} examples")
    if run.losses:
        losses = run.losses[:: max(1, len(run.losses) // CHART_POINTS)]
        st.line_chart(pd.DataFrame(losses, columns=["step", "loss"]), x="step", y="loss",
                      height=160)
    if run.job.final and run.checkpoint:
        resumed = runner.table.by_key(resume_key(run))
        if resumed:
            st.caption(f"Resumed as {resumed.job_id}.")
        else:
            st.button(f"Resume from step {run.checkpoint.name.rsplit('-', 1)[1]}",
                      key=f"resume_{run.job.job_id}", on_click=_resume, args=(run,),
                      help="a new run goes on from this run's last checkpoint")
