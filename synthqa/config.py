"""Settings read from SYNTHQA_* environment variables; every one is documented in SETTINGS."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

# name -> (default, help). tests/test_config.py fails when README.md does not document one.
SETTINGS: dict[str, tuple[str, str]] = {
    "SYNTHQA_HOME": ("./workspace", "workspace folder: the DuckDB store, inbox/ and runs/"),
    "SYNTHQA_MAX_LINE_BYTES": (str(16 * 2**20), "longest JSONL line an import accepts (bytes)"),
    "SYNTHQA_VERIFY_WORKERS": ("0", "worker processes for answer checks on large imports (0 = cores)"),
    "SYNTHQA_IMPORT_WORKERS": ("0", "worker processes that split and check a file over 16 MB "
                               "while it is read (0 = cores; 1 = none)"),
    "SYNTHQA_RECORD_SECONDS": ("4", "time an import gives one record's step split, answer "
                               "extraction and step checks; past it the trace is kept unchecked"),
    "SYNTHQA_INBOX_POLL_S": ("3", "how often the dashboard looks into inbox/ (seconds)"),
    "SYNTHQA_CACHE": ("~/.cache/synthqa", "converted models (SmolLM2 from GGUF to safetensors)"),
    "SYNTHQA_MAX_JOBS": ("1", "local jobs running at once; more wait QUEUED"),
    "SYNTHQA_JOB_THREADS": ("0", "torch threads of each local job and of the demo (0 = cores - 1 "
                            "shared by SYNTHQA_MAX_JOBS, at least 1; OMP_NUM_THREADS wins)"),
    "SYNTHQA_JOB_GRACE_S": ("10", "seconds a cancelled local job gets to checkpoint before SIGKILL"),
    "SYNTHQA_JOB_BACKEND": ("local", "where new jobs run: local, or ray (a Ray cluster's Jobs API)"),
    "SYNTHQA_RAY_ADDRESS": ("http://127.0.0.1:8265", "the Ray dashboard address (Jobs REST API)"),
    "SYNTHQA_RAY_GPUS": ("0", "GPUs each job asks the Ray cluster for (the Jobs API's "
                         "entrypoint_num_gpus: the job runs on a node with them); a training "
                         "job runs a process on each (torchrun); 0: none"),
    "SYNTHQA_RAY_PYTHON": ("", "the interpreter Ray Data jobs run on the cluster, with SynthQA's "
                           "requirements and ray[data] (empty = this one)"),
    "SYNTHQA_IMPORT_ROOT": ("", "the folders (separated by ':') a path typed on the Workspace "
                            "page must lie below; empty: the workspace folder"),
    "SYNTHQA_MAX_IMPORT_BYTES": (str(4 * 2**30), "largest file a path import accepts (bytes)"),
    "SYNTHQA_CRITIC_ENDPOINTS": ("http://127.0.0.1,http://localhost",
                                 "the only model endpoints the server may call (critic, served "
                                 "PRM, sampling): scheme://host[:port], comma-separated (no "
                                 "port: any port of that host)"),
    "SYNTHQA_CRITIC_KEY_ORIGIN": ("", "the one endpoint (scheme://host[:port]) that "
                                  "SYNTHQA_CRITIC_API_KEY is sent to; empty: sent nowhere"),
}


def _get(name: str) -> str:
    return os.environ.get(name, SETTINGS[name][0])


@dataclass(frozen=True)
class Settings:
    home: Path
    max_line_bytes: int
    verify_workers: int
    import_workers: int
    record_seconds: float
    inbox_poll_s: float
    cache: Path
    max_jobs: int
    job_threads: int
    job_grace_s: float
    job_backend: str
    ray_address: str
    ray_gpus: int
    ray_python: str
    import_roots: tuple[Path, ...]
    max_import_bytes: int

    @classmethod
    def from_env(cls, home: str | os.PathLike | None = None) -> "Settings":
        workers = int(_get("SYNTHQA_VERIFY_WORKERS")) or (os.cpu_count() or 1)
        max_jobs = max(1, int(_get("SYNTHQA_MAX_JOBS")))
        home = Path(home or _get("SYNTHQA_HOME")).expanduser().resolve()
        return cls(
            home=home,
            max_line_bytes=int(_get("SYNTHQA_MAX_LINE_BYTES")),
            verify_workers=workers,
            import_workers=int(_get("SYNTHQA_IMPORT_WORKERS")) or (os.cpu_count() or 1),
            record_seconds=float(_get("SYNTHQA_RECORD_SECONDS")),
            inbox_poll_s=float(_get("SYNTHQA_INBOX_POLL_S")),
            cache=Path(_get("SYNTHQA_CACHE")).expanduser(),
            max_jobs=max_jobs,
            job_threads=int(_get("SYNTHQA_JOB_THREADS"))
            or max(1, ((os.cpu_count() or 1) - 1) // max_jobs),
            job_grace_s=float(_get("SYNTHQA_JOB_GRACE_S")),
            job_backend=_get("SYNTHQA_JOB_BACKEND"),
            ray_address=_get("SYNTHQA_RAY_ADDRESS").rstrip("/"),
            ray_gpus=max(0, int(_get("SYNTHQA_RAY_GPUS"))),
            ray_python=_get("SYNTHQA_RAY_PYTHON") or sys.executable,
            import_roots=tuple(Path(root).expanduser().resolve() for root in
                               _get("SYNTHQA_IMPORT_ROOT").split(os.pathsep) if root.strip())
            or (home,),
            max_import_bytes=int(_get("SYNTHQA_MAX_IMPORT_BYTES")),
        )


def job_env(settings: Settings | None = None) -> dict[str, str]:
    """The environment of a background process that runs torch (a job, the demo): at most
    `job_threads` threads, so that a core stays free for the dashboard and the process does not
    collapse when the machine is busy (two threads per process on a 2-core machine with other
    work running made training 5-20x slower than one; docs/benchmarks.md). An OMP_NUM_THREADS
    set by the user wins."""
    settings = settings or Settings.from_env()
    return {"OMP_NUM_THREADS": str(settings.job_threads), **os.environ}
