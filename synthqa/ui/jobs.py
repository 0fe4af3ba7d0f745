"""One panel for every kind of job: its status, progress and time left, what it is doing, its
error, its log and Cancel; a run kind adds only what is its own (a loss curve, RFT rounds)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from synthqa.jobs import progress as progress_file
from synthqa.jobs.runner import Jobs
from synthqa.jobs.table import Job
from synthqa.ui import resources
from synthqa.ui.text import plain


@dataclass
class RunView:
    """What a run kind says about one of its jobs (`about` and `outcome` are Markdown the run
    kind writes from validated settings and figures; the job's name is escaped here)."""
    done: int
    total: int | None
    unit: str                      # what is counted: "traces", "problems", ...
    progress: dict | None = None   # a progress.json (started, base) for the time left
    about: str = ""                # after the job's name: " · lab arithmetic · 2 problems"
    outcome: str = ""              # after its status: " · held-out accuracy 66.7%"
    counted: str = ""              # instead of "3/10 traces": "step 3 of 10"
    doing: str = ""                # what a run that is not counting is doing
    details: Callable[[], None] | None = None   # draws what only this run kind shows

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


def panel(runner: Jobs, job: Job, view: RunView, resumable: bool = False) -> None:
    """A job's panel; the view's `details` draw below the progress; a `resumable` batch run
    that failed, stopped or was lost offers Resume (it goes on from its done shards)."""
    with st.container(border=True, key=f"job_{job.job_id}"):
        st.markdown(f"**{plain(job.job_id)}**{view.about} · **{job.status}**{view.outcome}")
        counted = view.counted or f"{view.done:,}/{view.total or '?'} {view.unit}"
        doing = " · waiting for a free slot" if job.status == "QUEUED" else \
            f" · {view.doing}" if view.doing and not job.final else ""
        eta = progress_file.eta_text(view.progress) \
            if job.status == "RUNNING" and view.progress and not view.doing else ""
        st.progress(view.fraction, text=f"{counted}{doing}{eta}")
        if view.details:
            view.details()
        if job.note and job.status in ("FAILED", "LOST"):
            st.error(job.note)
        if not job.final:
            st.button("Cancel", key=f"cancel_{job.job_id}", on_click=runner.cancel,
                      args=(job.job_id,))
        elif resumable and job.status != "SUCCEEDED":
            st.button("Resume", key=f"resume_{job.job_id}", on_click=runner.resume,
                      args=(job.job_id,), help="goes on from the traces it has done")
        with st.expander("Log", expanded=job.status == "FAILED"):
            st.code(runner.log_tail(job.job_id) or "(empty)")


def start_from_form(message_key: str, run_id: str, start: Callable[[str], int | None],
                    kind: str, intent: dict) -> None:
    """A form's callback starting a run: `start(submit_key)` prepares and starts it and
    returns how many traces it has (None: not counted); what happened is left in
    `message_key` for the form to show. One run per intent (the jobs' submit key): while a
    run started with the same settings is queued or running, another click shows it instead
    (a double click, a click Streamlit delivers twice under load, a second tab or reviewer)."""
    runner = Jobs(resources.workspace())
    with _STARTS:      # this server's clicks one at a time, so each is told what happened
        key = runner.intent_key(kind, intent, again_after_success=True)
        if (earlier := runner.by_key(key)) is not None:
            st.session_state[message_key] = (
                "info", f"Already running with these settings: {earlier.job_id}.")
            return
        try:
            n = start(key)
        except (ValueError, OSError) as exc:
            st.session_state[message_key] = ("error", str(exc))
            return
    st.session_state[message_key] = ("warning", "No traces match that choice.") if n == 0 else \
        ("success", f"Started {run_id}" + (f" on {n:,} traces." if n else "."))


_STARTS = threading.Lock()


def run_view(job: Job, unit: str, about: str = "") -> RunView:
    """The view of a batch run (synthqa.jobs.batch): its progress file's count."""
    info = progress_file.read(Path(job.run_dir))
    return RunView(info.get("done") or 0, info.get("total"), unit, info, about)


def panels(kind: str, view: Callable[[Job], RunView], empty: str, limit: int = 4,
           resumable: bool = False) -> None:
    """The newest jobs of a kind, one panel each (call it inside a live `st.fragment`)."""
    runner = Jobs(resources.workspace())
    jobs = runner.jobs(limit, kind)
    if not jobs:
        st.caption(empty)
    for job in jobs:
        panel(runner, job, view(job), resumable)

