"""Jobs: real processes, real signals; the same tests for the local backend and, opt-in, for
a Ray head started on 127.0.0.1 (SYNTHQA_TEST_RAY=/path/to/ray pytest -m ray tests/jobs/test_jobs.py)."""
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from synthqa.jobs.runner import Jobs
from synthqa.jobs.table import Job
from tests.conftest import PATIENCE_S

PY = sys.executable


def wait_for(predicate, timeout=PATIENCE_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def finished(runner, job_id):
    return wait_for(lambda: runner.status(job_id).final)


@pytest.fixture(params=["local", pytest.param("ray", marks=pytest.mark.ray)])
def runner(request, workspace):
    address = request.getfixturevalue("ray_head") if request.param == "ray" else None
    jobs = Jobs(workspace, grace_s=2, ray_address=address)
    jobs.default_backend = request.param
    return jobs


def test_a_job_runs_logs_and_succeeds(runner):
    job, new = runner.submit("echo", [PY, "-c", "print('hello from the job')"], "k1")
    assert new and job.status in ("QUEUED", "RUNNING", "SUCCEEDED")
    assert finished(runner, job.job_id)
    done = runner.status(job.job_id)
    assert (done.status, done.exit_code, done.backend) == ("SUCCEEDED", 0, runner.default_backend)
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


def _pids(path: Path) -> list[int]:
    assert wait_for(lambda: path.exists() and len(path.read_text().split()) == 2)
    return [int(p) for p in path.read_text().split()]


def _gone(pid: int) -> bool:
    return wait_for(lambda: not psutil.pid_exists(pid) or
                    psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, 10)


def test_cancel_kills_the_whole_process_tree(runner, tmp_path):
    job, _ = runner.submit("tree", [PY, "-c", TREE, str(tmp_path / "pids")], "k3")
    pids = _pids(tmp_path / "pids")
    stopped = runner.cancel(job.job_id)
    assert stopped.status == "STOPPED"
    assert all(_gone(pid) for pid in pids)


def test_a_job_killed_outside_the_app_is_failed(runner, tmp_path):
    job, _ = runner.submit("victim", [PY, "-c", TREE, str(tmp_path / "pids")], "k4")
    command, child = _pids(tmp_path / "pids")
    try:
        os.kill(command, signal.SIGKILL)             # the command dies: its runner records it
        assert finished(runner, job.job_id)
        assert runner.status(job.job_id).status == "FAILED"
        if runner.default_backend == "local":
            assert runner.status(job.job_id).exit_code == -signal.SIGKILL
    finally:  # its orphaned child loops forever: leave no process behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        assert _gone(child)


def test_a_local_job_that_vanishes_whole_is_lost(workspace):
    runner = Jobs(workspace)
    job, _ = runner.submit("victim", [PY, "-c", "import time; time.sleep(60)"], "k5")
    os.killpg(runner.status(job.job_id).pid, signal.SIGKILL)   # wrapper and all, no word
    assert finished(runner, job.job_id)
    assert runner.status(job.job_id).status == "LOST"


@pytest.mark.ray
def test_a_ray_job_the_cluster_never_heard_of_is_lost(workspace, ray_head):
    runner = Jobs(workspace, ray_address=ray_head)
    runner.table.insert(Job("forgotten", "k5r", "x", "ray", [PY], str(workspace.runs / "x"),
                            "RUNNING", created_at=time.time()))
    assert runner.status("forgotten").status == "LOST"


def test_a_restarted_dashboard_reattaches_to_a_running_job(runner, workspace, tmp_path):
    gate = tmp_path / "go"
    job, _ = runner.submit("wait", [PY, "-c", (
        "import pathlib, time\n"
        f"while not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.05)")], "k6")
    fresh = Jobs(workspace, ray_address=runner.backends["ray"].address)   # a new dashboard
    assert wait_for(lambda: fresh.status(job.job_id).status == "RUNNING")
    gate.touch()
    assert finished(fresh, job.job_id)
    assert fresh.status(job.job_id).status == "SUCCEEDED"


def test_shell_syntax_in_arguments_runs_nothing(runner, tmp_path):
    target = tmp_path / "pwned"
    evil = [f"$(touch {target})", f"; touch {target}", f"`touch {target}`", f"| touch {target}",
            f"' && touch {target} && echo '"]
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


def test_local_jobs_beyond_the_limit_wait_queued_and_start_when_a_slot_frees(workspace,
                                                                             tmp_path):
    runner = Jobs(workspace, max_running=1)
    gate = tmp_path / "go"
    first, _ = runner.submit("wait", [PY, "-c", (
        "import pathlib, time\n"
        f"while not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.05)")], "q1")
    second, _ = runner.submit("echo", [PY, "-c", "print('second')"], "q2")
    assert (first.status, second.status) == ("RUNNING", "QUEUED")
    time.sleep(0.5)
    assert runner.table.get(second.job_id).status == "QUEUED"
    gate.touch()
    # the first job's wrapper starts the second: nobody polls the table meanwhile
    assert wait_for(lambda: runner.table.get(second.job_id).status != "QUEUED")
    assert finished(runner, second.job_id)
    assert "second" in runner.log(second.job_id)[0]


def test_cancelling_a_queued_job_stops_it_before_it_runs(workspace, tmp_path):
    runner = Jobs(workspace, max_running=1, grace_s=2)
    first, _ = runner.submit("sleep", [PY, "-c", "import time; time.sleep(60)"], "c1")
    marker = tmp_path / "ran"
    second, _ = runner.submit("touch", [PY, "-c", f"open({str(marker)!r}, 'w')"], "c2")
    assert runner.cancel(second.job_id).status == "STOPPED"
    assert runner.cancel(first.job_id).status == "STOPPED"
    time.sleep(1)
    assert not marker.exists() and runner.status(second.job_id).started_at is None


def test_metrics_are_read_incrementally_and_a_half_written_line_waits(tmp_path):
    from synthqa.jobs.runner import read_metrics

    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1}\n{"step": 2}\n{"st')
    assert [m["step"] for m in read_metrics(path)] == [1, 2]
    with open(path, "a") as f:
        f.write('ep": 3}\n')
    assert [m["step"] for m in read_metrics(path)] == [1, 2, 3]
    path.write_text('{"step": 9}\n')                              # a new file: start over
    assert [m["step"] for m in read_metrics(path)] == [9]


def test_the_log_tail_is_the_end_of_the_log(runner):
    job, _ = runner.submit("echo", [PY, "-c", "print('x' * 5000 + 'THE END')"], "k9")
    assert finished(runner, job.job_id)
    tail = runner.log_tail(job.job_id, 100)
    assert tail.rstrip().endswith("THE END") and len(tail) <= 100


def test_the_log_tail_shows_a_progress_bar_as_a_terminal_would(runner):
    script = "import sys; [sys.stdout.write(f'\\r{i}/3 steps') for i in range(4)]; print(); print('done')"
    job, _ = runner.submit("echo", [PY, "-c", script], "k10")
    assert finished(runner, job.job_id)
    # (Ray writes lines of its own before the job's output)
    assert runner.log_tail(job.job_id).strip().split("\n")[-2:] == ["3/3 steps", "done"]
