"""The local runner: each job is an argument list (never a shell) run under a wrapper in its
own process group; cancel = SIGTERM to the group, a grace period, then SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import sys
import time
import uuid
from pathlib import Path

import psutil

from synthqa.jobs.table import Job, JobTable
from synthqa.workspace import Workspace

GRACE_S = 10.0
CHECKOUT = Path(__file__).resolve().parents[2]


class LocalRunner:
    backend = "local"

    def __init__(self, workspace: Workspace, grace_s: float = GRACE_S):
        self.workspace = workspace.init()
        self.table = JobTable(workspace.root / "jobs.sqlite")
        self.grace_s = grace_s

    def submit(self, kind: str, argv: list[str], submit_key: str,
               job_id: str | None = None) -> tuple[Job, bool]:
        """Start the command unless a job with this submit key exists (a double click starts
        one job): (the job, whether it is new). The run folder is runs/<job_id>."""
        if not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError("a job is a non-empty list of string arguments")
        job_id = job_id or f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        run_dir = self.workspace.runs / job_id
        job, new = self.table.insert(Job(job_id, submit_key, kind, self.backend, argv,
                                         str(run_dir), "QUEUED", created_at=time.time()))
        if new:
            self._start(job)
        return self.status(job.job_id), new

    def _start(self, job: Job) -> None:
        run_dir = Path(job.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        # Jobs run in their run folder; `python -m synthqa...` still finds this checkout.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH")) if p)}
        with open(run_dir / "log.txt", "ab") as log:
            proc = psutil.Popen([sys.executable, "-m", "synthqa.jobs.wrap", str(run_dir), "--",
                                 *job.argv], stdout=log, stderr=log, stdin=None, env=env,
                                start_new_session=True, cwd=CHECKOUT)
        self.table.update(job.job_id, status="RUNNING", pid=proc.pid, started_at=time.time())

    def status(self, job_id: str) -> Job:
        """The job's real state, from its run folder and its process."""
        job = self.table.get(job_id)
        if job is None or job.final or job.status == "QUEUED":
            return job
        run_dir = Path(job.run_dir)
        exit_file = run_dir / "exit_code"
        if exit_file.exists():
            code = int(exit_file.read_text())
            state = "STOPPED" if (run_dir / "cancelled").exists() else \
                "SUCCEEDED" if code == 0 else "FAILED"
            self.table.update(job_id, status=state, exit_code=code, finished_at=time.time())
        elif not _alive(job.pid, job.run_dir):
            state = "STOPPED" if (run_dir / "cancelled").exists() else "LOST"
            self.table.update(job_id, status=state, finished_at=time.time())
        return self.table.get(job_id)

    def jobs(self, limit: int = 100) -> list[Job]:
        """Every job, unfinished ones resolved to their real state (after a restart too)."""
        return [self.status(j.job_id) for j in self.table.all(limit)]

    def cancel(self, job_id: str) -> Job:
        job = self.status(job_id)
        if job is None or job.final:
            return job
        (Path(job.run_dir) / "cancelled").touch()
        _signal_group(job.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        while time.monotonic() < deadline and _group_alive(job.pid):
            time.sleep(0.1)
        if _group_alive(job.pid):
            _signal_group(job.pid, signal.SIGKILL)
        _reap(job.pid)
        return self.status(job_id)

    def log(self, job_id: str, offset: int = 0) -> tuple[str, int]:
        """The log from `offset` on, and the offset to ask from next time."""
        path = Path(self.table.get(job_id).run_dir) / "log.txt"
        if not path.exists():
            return "", offset
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
        return data.decode(errors="replace"), offset + len(data)

    def metrics(self, job_id: str) -> list[dict]:
        """The JSON lines a job wrote to metrics.jsonl (progress, loss, ...)."""
        path = Path(self.table.get(job_id).run_dir) / "metrics.jsonl"
        if not path.exists():
            return []
        lines = path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip().endswith("}")]


def _alive(pid: int | None, run_dir: str) -> bool:
    """The wrapper of this run is still running (not a zombie, not a reused pid)."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            _reap(pid)
            return False
        return run_dir in proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _group_alive(pgid: int) -> bool:
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> None:
    """Collect the wrapper's exit status if this process started it (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
