"""The Training page's lab experiment: start it, watch it, read its tables and curves."""
from __future__ import annotations

import uuid

import streamlit as st

from synthqa.jobs import progress as progress_file
from synthqa.jobs.runner import Jobs
from synthqa.train import experiment
from synthqa.train import experiment_plan as plans
from synthqa.train import experiment_report as report
from synthqa.ui import jobs, resources
from synthqa.ui.text import plain
from synthqa.ui.training import efficiency

PERCENT = st.column_config.NumberColumn(format="percent")


def section(generators: list[str]) -> None:
    ss = st.session_state
    ss.setdefault("exp_nonce", uuid.uuid4().hex)
    st.caption("The papers' fine-tuning experiments on the lab, in one background job: the same "
               "student fine-tuned on the SE model's and on the WC model's traces at matched "
               "sampling compute (three students), and SFT, RFT, DPO and per-step DPO on growing "
               "subsets of the WC traces, each from the SFT model of its subset (DPO's negatives: "
               "that model's own wrong samples, per-step DPO's cut after their exact first "
               "wrong step), with seeds; each method's learning rate (and DPO's beta and pairs "
               "per problem) is tuned first on validation problems. Scored by greedy accuracy "
               "on held-out lab problems.")
    d = plans.Plan()
    ready = {d.se, d.wc} <= set(generators)
    c1, c2, c3 = st.columns(3)
    c1.number_input("Seeds", 1, 20, d.seeds, key="exp_seeds")
    c2.number_input("Epochs", 0.5, 100.0, d.epochs, key="exp_epochs",
                    help="passes over each data set")
    c3.number_input("Test problems", 10, 5000, d.eval_problems, key="exp_eval",
                    help="held-out problems each model is scored on, and as many "
                         "validation problems for the tuning")
    st.button("Run the experiment", key="exp_start", disabled=not ready, on_click=_start,
              help=f"{plans.planned(_plan())} models to train" if ready else
              f"needs traces of {d.se} and {d.wc}: build the lab demo (Workspace page)")
    kind, msg = ss.pop("exp_msg", (None, None))
    if kind:
        getattr(st, kind)(plain(msg))  # names and URLs from the form
    results()


def _plan() -> plans.Plan:
    """The experiment the form holds now (the button's callback reads it at the click)."""
    ss = st.session_state
    return plans.Plan(seeds=int(ss.exp_seeds), epochs=float(ss.exp_epochs),
                      eval_problems=int(ss.exp_eval))


def _start() -> None:
    ss, plan = st.session_state, _plan()
    try:
        job = experiment.start(resources.workspace(), resources.store(), plan, ss.exp_nonce)
    except ValueError as exc:
        ss.exp_msg = ("error", str(exc))
        return
    ss.exp_nonce = uuid.uuid4().hex
    ss.exp_msg = ("success", f"Started {job.job_id}: {plans.planned(plan)} models.")


def results() -> None:
    ws = resources.workspace()
    folders = experiment.folders(ws)
    if not folders:
        st.caption("No experiment yet.")
        return
    folder = st.selectbox("Experiment", folders, key="exp_folder",
                          format_func=lambda f: f.name) if len(folders) > 1 else folders[0]
    _status(ws, folder)
    plan = plans.load_plan(folder)
    rows = report.frame(experiment.results_of(folder))
    if rows.empty:
        return
    for line in report.findings(rows, plan):
        st.markdown(f"- {line}")
    st.markdown("**SE vs WC data at matched sampling compute** (" + ", ".join(
        f"{g} {f:.2e} FLOPs" for g, f in plan.flops.items() if f) + ")")
    table = report.se_vs_wc(rows, plan)
    if table.empty:
        st.caption("Filled in as its runs finish (after the tuning).")
    else:
        st.dataframe(table, hide_index=True, column_config={
            c: PERCENT for c in ("not fine-tuned", "SE data", "SE low", "SE high", "WC data",
                                 "WC low", "WC high", "WC - SE")})
    st.markdown(f"**Methods over data sizes** (student lab-{plan.sweep_student}, "
                f"{plan.sweep_data} traces; accuracy is the mean over seeds, low-high its 95% "
                "interval)")
    table = report.methods(rows)
    if table.empty:
        st.caption("Filled in as its runs finish (after SE vs WC).")
    else:
        st.dataframe(table, hide_index=True, column_config={
            c: PERCENT for c in ("accuracy", "low", "high")} | {
            "fraction": st.column_config.NumberColumn("fraction of the problems",
                                                      format="%.3g"),
            "examples": st.column_config.NumberColumn(
                "SFT examples", format="%.0f", help="the subset's answer-correct solutions "
                "(mean over seeds): the x of the chart; RFT adds its own, DPO trains on pairs")})
        efficiency(report.points(rows), key="experiment_efficiency")
    with st.expander("Tuning (validation accuracy; the best setting is used throughout)"):
        st.dataframe(report.tuning(rows), hide_index=True, column_config={
            c: st.column_config.NumberColumn(format="%g") for c in ("lr", "beta", "sft_lr")}
            | {"pairs": st.column_config.NumberColumn(
                "pairs per problem", format="%g", help="DPO pairs kept per problem (0: every "
                "one)"), "trained_on": st.column_config.NumberColumn("examples")}
            | {c: PERCENT for c in ("validation_accuracy", "accuracy")})


@st.fragment(run_every=3)
def _status(ws, folder) -> None:
    """Progress and Cancel, refreshed on their own; the tables below are drawn again (the
    whole page reruns) only when another model has been scored."""
    state = progress_file.read(folder)
    seen, now = st.session_state.get("exp_seen"), (folder.name, state.get("done"))
    st.session_state.exp_seen = now
    if seen is not None and seen[0] == now[0] and seen != now:
        st.rerun()
    runner = Jobs(ws)
    job = runner.status(folder.name)
    view = jobs.RunView(state.get("done") or 0, state.get("total"), "models trained", state,
                        counted=f"{state.get('done') or 0} of {state.get('total') or '?'} "
                                "models trained")
    if job is None:          # run from the shell (`python -m synthqa experiment`): no job
        st.progress(view.fraction, text=view.counted)
    else:
        jobs.panel(runner, job, view)
