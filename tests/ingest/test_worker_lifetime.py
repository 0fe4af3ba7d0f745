"""The dashboard's staging worker does not outlive the dashboard (issue 27, item 11)."""
import os
import subprocess
import sys
import textwrap

import psutil

from tests.conftest import REPO
from tests.jobs.test_jobs import wait_for

# A stand-in for the dashboard: stages one file in the worker process and waits on it. The file
# is a named pipe nobody writes: the worker blocks reading it, as on a stalled network mount.
PARENT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from synthqa.config import Settings
    from synthqa.ingest.staging import stage_in_worker
    spec = {"path": sys.argv[1], "name": "stalled.jsonl", "fmt": "generic", "sha256": "0" * 64}
    list(stage_in_worker([spec], Settings.from_env(), Path(sys.argv[2])))
""")


def test_a_killed_dashboards_staging_worker_ends_too(tmp_path):
    fifo = tmp_path / "stalled.jsonl"
    os.mkfifo(fifo)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(fifo), str(tmp_path / "staging")],
                              cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    workers = []
    try:
        assert wait_for(lambda: _worker_started(parent.pid, fifo, workers))
        parent.kill()
        parent.wait()
        assert wait_for(lambda: not workers[0].is_running()
                        or workers[0].status() == psutil.STATUS_ZOMBIE)
    finally:
        for proc in workers:
            if proc.is_running():
                proc.kill()
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def _worker_started(parent_pid: int, fifo, found: list) -> bool:
    """The worker of this parent runs (its watch on the parent has started)."""
    try:
        children = psutil.Process(parent_pid).children()
    except psutil.NoSuchProcess:
        return False
    for child in children:
        try:
            if "synthqa.ingest.staging" in child.cmdline() and child.num_threads() > 1:
                found[:] = [child]
                return True
        except psutil.NoSuchProcess:
            continue
    return False
