"""The local job runner: real processes, real signals."""
import os
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from synthqa.jobs.local import LocalRunner

PY = sys.executable


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def finished(runner, job_id):
    return wait_for(lambda: runner.status(job_id).final)


@pytest.fixture
def runner(workspace):
    return LocalRunner(workspace, grace_s=2)


def test_a_job_runs_logs_and_succeeds(runner):
    job, new = runner.submit("echo", [PY, "-c", "print('hello from the job')"], "k1")
    assert new and job.status in ("RUNNING", "SUCCEEDED")
    assert finished(runner, job.job_id)
    done = runner.status(job.job_id)
    assert (done.status, done.exit_code) == ("SUCCEEDED", 0)
    text, offset = runner.log(job.job_id)
    assert "hello from the job" in text
    assert runner.log(job.job_id, offset) == ("", offset)        # offsets: nothing new


def test_a_double_submit_creates_one_job(runner):
    argv = [PY, "-c", "import time; time.sleep(0.5)"]
    first, new1 = runner.submit("sleep", argv, "same-click")
    second, new2 = runner.submit("sleep", argv, "same-click")
    assert new1 and not new2 and first.job_id == second.job_id
    assert len(runner.jobs()) == 1


def test_a_failing_command_is_failed_with_its_exit_code(runner):
    job, _ = runner.submit("fail", [PY, "-c", "raise SystemExit(3)"], "k2")
    assert finished(runner, job.job_id)
    assert (runner.status(job.job_id).status, runner.status(job.job_id).exit_code) == (
        "FAILED", 3)


TREE = """
import os, subprocess, sys, time
out = sys.argv[1]
child = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(0.1)"])
open(out, "w").write(f"{os.getpid()} {child.pid}")
while True:
    time.sleep(0.1)
"""


def test_cancel_kills_the_whole_process_tree(runner, tmp_path):
    pids_file = tmp_path / "pids"
    job, _ = runner.submit("tree", [PY, "-c", TREE, str(pids_file)], "k3")
    assert wait_for(lambda: pids_file.exists() and len(pids_file.read_text().split()) == 2)
    pids = [int(p) for p in pids_file.read_text().split()]
    stopped = runner.cancel(job.job_id)
    assert stopped.status == "STOPPED"
    for pid in pids:
        assert wait_for(lambda: not psutil.pid_exists(pid) or
                        psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, 5)


def test_a_job_killed_outside_the_app_is_failed_or_lost(runner, tmp_path):
    sleeper = [PY, "-c", "import time; time.sleep(60)"]
    job, _ = runner.submit("victim", sleeper, "k4")
    wrapper = psutil.Process(runner.status(job.job_id).pid)
    assert wait_for(lambda: wrapper.children())
    wrapper.children()[0].kill()                 # the command dies: the wrapper records it
    assert finished(runner, job.job_id)
    assert (runner.status(job.job_id).status, runner.status(job.job_id).exit_code) == (
        "FAILED", -signal.SIGKILL)
    other, _ = runner.submit("victim", sleeper, "k5")
    pid = runner.status(other.job_id).pid
    os.killpg(pid, signal.SIGKILL)                # the whole job dies without a word
    assert finished(runner, other.job_id)
    assert runner.status(other.job_id).status == "LOST"


def test_a_restarted_dashboard_reattaches_to_a_running_job(workspace, tmp_path):
    gate = tmp_path / "go"
    job, _ = LocalRunner(workspace).submit("wait", [PY, "-c", (
        "import pathlib, time\n"
        f"while not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.05)")], "k6")
    fresh = LocalRunner(workspace)               # a new dashboard process reads the table
    assert fresh.status(job.job_id).status == "RUNNING"
    gate.touch()
    assert finished(fresh, job.job_id)
    assert fresh.status(job.job_id).status == "SUCCEEDED"


def test_shell_syntax_in_arguments_runs_nothing(runner, tmp_path):
    target = tmp_path / "pwned"
    evil = [f"$(touch {target})", f"; touch {target}", f"`touch {target}`", f"| touch {target}"]
    job, _ = runner.submit("echo", [PY, "-c", "import sys; print(sys.argv[1:])", *evil], "k7")
    assert finished(runner, job.job_id)
    assert runner.status(job.job_id).status == "SUCCEEDED"
    assert not target.exists()
    assert "$(touch" in runner.log(job.job_id)[0]          # passed on as plain text


def test_metrics_are_json_lines_the_job_writes(runner):
    code = ("import json, pathlib\n"
            "with open('metrics.jsonl', 'w') as f:\n"
            "    for step in range(3): f.write(json.dumps({'step': step, 'loss': 1 / (step + 1)}) + '\\n')\n")
    job, _ = runner.submit("metrics", [PY, "-c", code], "k8")
    assert finished(runner, job.job_id)
    assert [m["step"] for m in runner.metrics(job.job_id)] == [0, 1, 2]
    assert Path(runner.status(job.job_id).run_dir, "metrics.jsonl").exists()
