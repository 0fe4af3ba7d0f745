"""The local backend: each job is an argument list (never a shell) run under a wrapper in its
own process group; cancel = SIGTERM to the group, a grace period, then SIGKILL."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import psutil

from synthqa.config import job_env
from synthqa.jobs.table import Job

CHECKOUT = Path(__file__).resolve().parents[2]


class LocalBackend:
    name = "local"

    def __init__(self, grace_s: float):
        self.grace_s = grace_s

    def start(self, job: Job) -> int:
        """Start the job's wrapper; its pid (= the job's process group)."""
        run_dir = Path(job.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        # Jobs run in their run folder; `python -m synthqa...` still finds this checkout.
        env = {**job_env(), "PYTHONPATH": os.pathsep.join(
            p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH")) if p)}
        with open(run_dir / "log.txt", "ab") as log:
            proc = psutil.Popen([sys.executable, "-m", "synthqa.jobs.wrap", str(run_dir), "--",
                                 *job.argv], stdout=log, stderr=log, stdin=None, env=env,
                                start_new_session=True, cwd=CHECKOUT)
        return proc.pid

    def poll(self, job: Job) -> dict:
        """Fields that change for a RUNNING job: its end, from the run folder and process."""
        run_dir = Path(job.run_dir)
        exit_file = run_dir / "exit_code"
        cancelled = (run_dir / "cancelled").exists()
        if exit_file.exists():
            code = int(exit_file.read_text())
            state = "STOPPED" if cancelled else "SUCCEEDED" if code == 0 else "FAILED"
            return {"status": state, "exit_code": code, "finished_at": time.time()}
        if not _alive(job.pid, job.run_dir):
            return {"status": "STOPPED" if cancelled else "LOST", "finished_at": time.time()}
        return {}

    def cancel(self, job: Job) -> None:
        (Path(job.run_dir) / "cancelled").touch()
        _signal_group(job.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        while time.monotonic() < deadline and _group_alive(job.pid):
            time.sleep(0.1)
        if _group_alive(job.pid):
            _signal_group(job.pid, signal.SIGKILL)
        _reap(job.pid)

    def log(self, job: Job, offset: int) -> tuple[str, int]:
        path = Path(job.run_dir) / "log.txt"
        if not path.exists():
            return "", offset
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
        return data.decode(errors="replace"), offset + len(data)


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
