"""One writer, many producers: the inbox, the CLI beside a running holder, and kill -9."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import Inbox, ingest_inbox
from synthqa.ingest.names import display_name
from synthqa.workspace import Workspace
from tests.conftest import EXAMPLE, REPO

HOLD = ("import sys; from pathlib import Path; from synthqa.workspace import Workspace;"
        "s = Workspace(Path(sys.argv[1])).open_store(); print('held', flush=True); sys.stdin.read()")


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "synthqa", "-q", *args], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def hold_store(ws: Workspace) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(ws.root)], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait()


def test_cli_import_queues_through_the_inbox_while_the_store_is_held(workspace):
    holder = hold_store(workspace)
    try:
        out = cli("--workspace", str(workspace.root), "import", str(EXAMPLE))
        assert out.returncode == 0, out.stderr
        assert "queued" in out.stdout
        pending = Inbox(workspace).pending()
        assert len(pending) == 1 and pending[0].name.endswith(".generic.jsonl")
        busy = cli("--workspace", str(workspace.root), "verify")       # a write
        assert busy.returncode == 4 and "held by process" in busy.stderr
        read = cli("--workspace", str(workspace.root), "stats")        # a read: a copy
        assert read.returncode == 0 and "no traces yet" in read.stdout
    finally:
        release(holder)
    store = workspace.open_store()
    (result,) = ingest_inbox(store, workspace)
    assert result.n_traces_new == 5 and store.count("traces") == 5
    assert Inbox(workspace).pending() == []
    done = json.loads(Inbox(workspace).result_path(pending[0]).read_text())
    assert done["n_traces_new"] == 5 and done["errors"] == []
    store.close()


def test_many_producers_and_two_ingesting_threads_import_each_file_once(workspace, tmp_path):
    files = []
    for k in range(6):
        path = tmp_path / f"p{k}.jsonl"
        path.write_text("".join(json.dumps({"problem": f"{k}: what is {i} + 1?", "generator": "g",
                                            "gold_answer": str(i + 1), "solution": f"{i} + 1 = "
                                            f"{i + 1}"}) + "\n" for i in range(50)))
        files.append(path)
    store = workspace.open_store()
    producers = [subprocess.Popen([sys.executable, "-m", "synthqa", "-q", "--workspace",
                                   str(workspace.root), "import", str(f)], cwd=REPO)
                 for f in files]
    stop = threading.Event()

    def consume():
        while not stop.is_set():
            ingest_inbox(store, workspace)
            time.sleep(0.05)

    consumers = [threading.Thread(target=consume) for _ in range(2)]
    for t in consumers:
        t.start()
    assert [p.wait() for p in producers] == [0] * 6
    stop.set()
    for t in consumers:
        t.join()
    ingest_inbox(store, workspace)
    assert store.count("traces") == 300 and store.count("imports") == 6
    assert Inbox(workspace).pending() == []
    store.close()


def test_a_file_still_being_written_is_not_ingested(workspace):
    (workspace.inbox / ".tmp-partial.generic.jsonl").write_text('{"problem": "x", "gen')
    assert Inbox(workspace).pending() == []


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    data = tmp_path_factory.mktemp("big") / "big.jsonl"
    subprocess.run([sys.executable, "bench/gen_traces.py", str(data), "--n", "45000"], cwd=REPO,
                   check=True)
    return data


@pytest.mark.parametrize("delay_s", [0.0, 0.2, 0.4])
def test_kill_9_during_an_import_leaves_all_or_nothing_and_the_import_can_be_redone(
        workspace, big_file, delay_s):
    data = big_file
    staging = workspace.staging  # imports stage inside the workspace
    proc = subprocess.Popen([sys.executable, "-m", "synthqa", "-q", "--workspace",
                             str(workspace.root), "import", str(data)], cwd=REPO)
    # Chunks of 20,000 records: once the third chunk's steps are staged, the single
    # transaction starts (it takes about half a second here); kill at points inside it.
    while proc.poll() is None and len(list(staging.glob("*/steps-*.parquet"))) < 3:
        time.sleep(0.005)
    time.sleep(delay_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    store = workspace.open_store()
    assert not any(staging.iterdir())  # the killed import's staging is cleaned up
    traces, imports = store.count("traces"), store.count("imports")
    assert (traces, imports) in {(0, 0), (45000, 1)}
    assert store.count("steps") == 3 * traces and store.count("problems") in {0, 11250}
    result = import_file(store, data)
    assert result.skipped == (imports == 1)
    assert store.count("traces") == 45000 and store.count("steps") == 135000
    assert store.count("imports") == 1
    store.close()


def _drop_examples(workspace, tmp_path, n=2):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(EXAMPLE.read_text() + '{"problem": "x", "generator": "g", "solution": ' + "\n")
    return [Inbox(workspace).drop_file(path, "auto") for path in (EXAMPLE, bad)[:n]]


def test_the_dashboard_stages_inbox_files_in_a_worker_process(workspace, tmp_path, monkeypatch):
    import synthqa.ingest.inbox

    def not_here(*args, **kwargs):
        raise AssertionError("staged in the serving process")

    _drop_examples(workspace, tmp_path)
    monkeypatch.setattr(synthqa.ingest.inbox, "stage", not_here)  # only the worker can stage now
    store = workspace.open_store()
    results = {display_name(r.path): r for r in ingest_inbox(store, workspace, worker=True)}
    assert results[EXAMPLE.name].n_traces == 5 and results[EXAMPLE.name].ok
    assert results["bad.jsonl"].n_traces == 5 and results["bad.jsonl"].n_errors == 1
    assert results["bad.jsonl"].errors[0].startswith("bad.jsonl:line 6:")  # file and line
    assert store.count("traces") == 5 and Inbox(workspace).pending() == []
    assert not any(workspace.staging.iterdir())  # staged parts are gone once committed
    store.close()


def test_a_worker_that_dies_fails_its_file_and_leaves_the_rest_queued(workspace, tmp_path,
                                                                      monkeypatch):
    import synthqa.ingest.staging

    first, second = sorted(_drop_examples(workspace, tmp_path))
    monkeypatch.setattr(synthqa.ingest.staging.sys, "executable", "/bin/false")  # exits at once
    store = workspace.open_store()
    (result,) = ingest_inbox(store, workspace, worker=True)
    assert result.path == str(first) and result.n_traces == 0
    assert "the import worker stopped (exit code 1)" in result.errors[0]
    assert Inbox(workspace).pending() == [second] and store.count("traces") == 0
    monkeypatch.undo()
    (result,) = ingest_inbox(store, workspace, worker=True)
    assert result.n_traces == 5 and store.count("traces") == 5
    store.close()


def test_a_page_does_not_wait_while_another_thread_ingests(workspace, tmp_path):
    import synthqa.ingest.inbox

    _drop_examples(workspace, tmp_path, n=1)
    store = workspace.open_store()
    with synthqa.ingest.inbox._INBOX_LOCK:  # a long import in the server's watcher thread
        assert ingest_inbox(store, workspace, worker=True, wait=False) == []
    assert len(ingest_inbox(store, workspace, worker=True, wait=False)) == 1
    store.close()
