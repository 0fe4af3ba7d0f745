"""Every job of a workspace, whichever backend runs it: submit (idempotent by submit key),
status resolved from the real process or cluster (after a dashboard restart too), cancel, logs
with offsets, metrics. Local jobs beyond SYNTHQA_MAX_JOBS wait QUEUED; a job that ends (its
wrapper) or any look at the jobs starts the next one."""
from __future__ import annotations

import hashlib
import json
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from synthqa.config import Settings
from synthqa.jobs.local import LocalBackend
from synthqa.jobs.ray import RayBackend
from synthqa.jobs.table import Job, JobTable
from synthqa.workspace import Workspace

BACKENDS = ("local", "ray")


class Jobs:
    def __init__(self, workspace: Workspace, grace_s: float | None = None,
                 max_running: int | None = None, ray_address: str | None = None):
        settings = Settings.from_env(workspace.root)
        self.workspace = workspace.init()
        self.table = JobTable(workspace.root / "jobs.sqlite")
        self.max_running = max_running or settings.max_jobs
        self.default_backend = settings.job_backend
        self.backends = {
            "local": LocalBackend(settings.job_grace_s if grace_s is None else grace_s),
            "ray": RayBackend(ray_address or settings.ray_address, gpus=settings.ray_gpus)}

    def submit(self, kind: str, argv: list[str], submit_key: str, job_id: str | None = None,
               backend: str | None = None) -> tuple[Job, bool]:
        """Run the command unless a job with this submit key exists (a double click starts
        one job): (the job, whether it is new). The run folder is runs/<job_id>."""
        backend = backend or self.default_backend
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r}: choose from {', '.join(BACKENDS)}")
        if not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError("a job is a non-empty list of string arguments")
        job_id = job_id or f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        run_dir = self.workspace.runs / job_id
        job, new = self.table.insert(Job(job_id, submit_key, kind, backend, argv,
                                         str(run_dir), "QUEUED", created_at=time.time()))
        if new and backend == "local":
            self.dispatch()
        elif new:
            self._submit_remote(job)
        return self.status(job.job_id), new

    def start(self, kind: str, module: str, run_id: str, args: Sequence[str] | None = None,
              submit_key: str | None = None, backend: str | None = None,
              python: str | None = None) -> Job:
        """Run `python -m <module> WORKSPACE RUN_ID` (or `<module> *args`) as the job `run_id`,
        whose run folder is runs/<run_id> (synthqa.jobs.batch). A second start with the same
        key (default: the run id; a form's key, so that a double click starts one job)
        returns the first job."""
        args = (str(self.workspace.root.resolve()), run_id) if args is None else args
        job, _ = self.submit(kind, argv(module, args, python), submit_key or run_id,
                             job_id=run_id, backend=backend)
        return job

    def by_key(self, submit_key: str) -> Job | None:
        """The job a form's submit key already started, if any (before anything is written)."""
        return self.table.by_key(submit_key)

    def intent_key(self, kind: str, settings, again_after_success: bool = False) -> str:
        """The submit key of one intent (a form's settings), so that however often it is sent
        one job runs: the job it started is shown instead while it stands. After that job
        failed or was stopped (or, with `again_after_success`, ended at all) the same settings
        get a new key and start a new job."""
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
        base = key = f"{kind}-{digest.hexdigest()[:20]}"
        while (job := self.by_key(key)) is not None and (job := self.status(job.job_id)).final \
                and (again_after_success or job.status != "SUCCEEDED"):
            key = f"{base}-after-{job.job_id}"
        return key

    def _submit_remote(self, job: Job) -> None:
        try:
            self.backends[job.backend].start(job)
        except (OSError, RuntimeError, ValueError) as e:
            self.table.update(job.job_id, status="FAILED", note=str(e)[:500],
                              finished_at=time.time())

    def dispatch(self) -> None:
        """Resolve the running local jobs, then start queued ones while slots are free."""
        for job in self.table.running("local"):
            self.status(job.job_id)
        self.table.start_queued("local", self.max_running, self.backends["local"].start)

    def status(self, job_id: str) -> Job | None:
        """The job's real state, from its process or its cluster."""
        job = self.table.get(job_id)
        if job is None or job.final or (job.status == "QUEUED" and job.backend == "local"):
            return job
        try:
            fields = self.backends[job.backend].poll(job)
        except RuntimeError:       # the cluster is unreachable: say what we last knew
            fields = {}
        if fields:
            self.table.update(job_id, **fields)
        return self.table.get(job_id)

    def jobs(self, limit: int = 100, kind: str | None = None) -> list[Job]:
        """Every job (of one kind), newest first, unfinished ones resolved to their real state
        (after a restart too)."""
        self.dispatch()
        return [self.status(j.job_id) for j in self.table.all(limit, kind)]

    def wait(self, job_id: str, poll_s: float = 1.0,
             timeout_s: float | None = None) -> Job | None:
        """Block until the job is final (SUCCEEDED, FAILED, STOPPED or LOST), or `timeout_s`
        has passed: its last state."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            job = self.status(job_id)
            if job is None or job.final or (deadline and time.monotonic() > deadline):
                return job
            time.sleep(poll_s)

    def resume(self, job_id: str) -> Job | None:
        """Run a failed, stopped or lost job again, as itself (same id and run folder)."""
        job = self.table.get(job_id)
        if job is not None and self.table.requeue(job_id):
            if job.backend == "local":
                self.dispatch()
            else:
                self._submit_remote(self.table.get(job_id))
        return self.status(job_id)

    def cancel(self, job_id: str) -> Job | None:
        job = self.status(job_id)
        if job is None or job.final:
            return job
        if not (job.backend == "local" and self.table.stop_queued(job_id)):
            self.backends[job.backend].cancel(self.status(job_id))
        if job.backend == "local":
            self.dispatch()
        return self.status(job_id)

    def log(self, job_id: str, offset: int = 0) -> tuple[str, int]:
        """The log from `offset` on, and the offset to ask from next time."""
        job = self.table.get(job_id)
        try:
            return self.backends[job.backend].log(job, offset)
        except RuntimeError as e:
            return f"(log unavailable: {e})\n", offset

    def log_tail(self, job_id: str, chars: int = 3000) -> str:
        """About the last `chars` of the log (a local log is not read whole for it), as a
        terminal shows it: a progress bar's carriage returns keep only its latest state."""
        path = Path(self.table.get(job_id).run_dir) / "log.txt"
        if self.table.get(job_id).backend == "local" and path.exists():
            text = self.log(job_id, max(0, path.stat().st_size - chars))[0]
        else:
            text = self.log(job_id)[0][-chars:]
        return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))

    def metrics(self, job_id: str) -> list[dict]:
        """The JSON lines a job wrote to metrics.jsonl (progress, loss, ...)."""
        return read_metrics(Path(self.table.get(job_id).run_dir) / "metrics.jsonl")


def argv(module: str, args: Sequence[str], python: str | None = None) -> list[str]:
    """What a job runs: `python -m <module> *args` (an argument list, never a shell line)."""
    return [python or sys.executable, "-m", module, *args]


_METRICS: dict[Path, tuple[int, int, list[dict]]] = {}  # path -> (inode, bytes parsed, lines)


def read_metrics(path: Path) -> list[dict]:
    """A metrics file's JSON lines, parsing only what was appended since the last call (live
    panels ask every 2 s; a long run logs a line per step). A line still being written waits."""
    if not path.exists():
        return []
    stat = path.stat()
    inode, offset, lines = _METRICS.get(path, (stat.st_ino, 0, []))
    if inode != stat.st_ino or stat.st_size < offset:      # a new or rewritten file
        offset, lines = 0, []
    with open(path, "rb") as f:
        f.seek(offset)
        new = f.read()
    complete = new[: new.rfind(b"\n") + 1]
    lines = lines + [json.loads(x) for x in complete.splitlines() if x.strip()]
    _METRICS[path] = (stat.st_ino, offset + len(complete), lines)
    return lines


def dispatch_after(run_dir: Path) -> None:
    """Called by a job's wrapper when its command ends: start the next queued local job."""
    workspace = Workspace(run_dir.parent.parent)
    if (workspace.root / "jobs.sqlite").exists():
        Jobs(workspace).dispatch()
