"""The Ray backend: jobs go to an existing Ray cluster through its Jobs REST API
(https://docs.ray.io/en/latest/cluster/running-applications/job-submission/rest.html).

The entrypoint is the job's argument list, each argument shell-quoted, with an absolute
interpreter; user values never appear in it (they travel in the run folder's validated config
file). The cluster must see the workspace at the same path (one machine, or a shared
filesystem): metrics and results are read from the run folder, as for local jobs. Ray applies
its own grace on stop (RAY_JOB_STOP_SIGNAL_TIMEOUT_S on the head, then SIGKILL).
"""
from __future__ import annotations

import json
import os
import shlex
import time
import urllib.error
import urllib.request

from synthqa.jobs.local import CHECKOUT
from synthqa.jobs.table import Job

STATUS = {"PENDING": "QUEUED", "RUNNING": "RUNNING", "SUCCEEDED": "SUCCEEDED",
          "FAILED": "FAILED", "STOPPED": "STOPPED"}


class RayUnreachable(RuntimeError):
    pass


class RayBackend:
    name = "ray"

    def __init__(self, address: str, timeout_s: float = 10.0, gpus: int = 0):
        self.address = address.rstrip("/")
        self.timeout_s = timeout_s
        self.gpus = gpus          # each job's entrypoint_num_gpus (SYNTHQA_RAY_GPUS)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict | None:
        """The JSON answer; None when the cluster does not know the job (404)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.address}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise RayUnreachable(f"Ray at {self.address}: HTTP {e.code} "
                                 f"{e.read()[:300].decode(errors='replace')}") from e
        except (urllib.error.URLError, OSError) as e:
            raise RayUnreachable(f"Ray at {self.address} is unreachable: {e}") from e

    def start(self, job: Job) -> None:
        if not os.path.isabs(job.argv[0]):
            raise ValueError(f"{job.argv[0]!r}: a Ray entrypoint needs an absolute interpreter")
        entrypoint = f"cd {shlex.quote(job.run_dir)} && exec {shlex.join(job.argv)}"
        os.makedirs(job.run_dir, exist_ok=True)
        gpus = self.gpus_for(job.argv)
        self._call("POST", "/api/jobs/", {
            "entrypoint": entrypoint, "submission_id": job.job_id,
            "runtime_env": {"env_vars": {"PYTHONPATH": str(CHECKOUT)}},
            "metadata": {"synthqa_kind": job.kind},
            **({"entrypoint_num_gpus": gpus} if gpus else {})})

    def gpus_for(self, argv: list[str]) -> int:
        """GPUs the job asks for: on a GPU cluster one per process of a torchrun job (a
        data-parallel training run), else SYNTHQA_RAY_GPUS; Ray runs the entrypoint on a node
        with them (CUDA_VISIBLE_DEVICES set)."""
        if self.gpus and "torch.distributed.run" in argv and "--nproc_per_node" in argv:
            return int(argv[argv.index("--nproc_per_node") + 1])
        return self.gpus

    def poll(self, job: Job) -> dict:
        """Fields that change, from the cluster's record of the job; LOST when it has none."""
        info = self._call("GET", f"/api/jobs/{job.job_id}")
        if info is None:
            return {"status": "LOST", "finished_at": time.time(),
                    "note": "the Ray cluster has no record of this job"}
        state = STATUS.get(info.get("status"), job.status)
        fields = {"status": state} if state != job.status else {}
        if info.get("start_time") and job.started_at is None and state != "QUEUED":
            fields["started_at"] = info["start_time"] / 1000
        if state in ("SUCCEEDED", "FAILED", "STOPPED"):
            fields["finished_at"] = (info.get("end_time") or time.time() * 1000) / 1000
            fields["exit_code"] = info.get("driver_exit_code")
            fields["note"] = (info.get("message") or "")[:500] or None
        return fields

    def cancel(self, job: Job, wait_s: float = 30.0) -> None:
        self._call("POST", f"/api/jobs/{job.job_id}/stop")
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            info = self._call("GET", f"/api/jobs/{job.job_id}")
            if info is None or info.get("status") in ("STOPPED", "SUCCEEDED", "FAILED"):
                return
            time.sleep(0.2)

    def log(self, job: Job, offset: int) -> tuple[str, int]:
        info = self._call("GET", f"/api/jobs/{job.job_id}/logs")
        text = (info or {}).get("logs", "")
        return text[offset:], max(offset, len(text))
