"""Run the real app in a subprocess on a fresh workspace and drive it with Debian's Chromium.

Adapted from shared/examples/e2e_conftest.py (verified with chromium 156, pytest-playwright 0.10).
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PATIENCE_MS, PATIENCE_S

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent (apt-get install chromium)")
        for item in items:
            if "e2e" in item.nodeid:
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, url: str, timeout: float = PATIENCE_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as resp:
                if resp.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} not healthy after {timeout}s")


class Server:
    """A dashboard subprocess on its own workspace."""

    def __init__(self, home: Path, log_dir: Path, inbox_poll_s: float = 1):
        self.home, self.port = home, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = (log_dir / f"streamlit-{self.port}.log").open("w")
        env = {**os.environ, "SYNTHQA_HOME": str(home), "SYNTHQA_INBOX_POLL_S": str(inbox_poll_s),
               "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        _wait_healthy(self.proc, self.url)

    def stop(self) -> None:
        from synthqa.jobs.runner import Jobs
        from synthqa.workspace import Workspace

        runner = Jobs(Workspace(self.home), grace_s=2)   # jobs outlive the dashboard:
        for job in runner.jobs():                                # leave none behind
            runner.cancel(job.job_id)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def import_into(home: Path, *files: Path) -> None:
    subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace", str(home), "import",
                    *map(str, files)], cwd=REPO_ROOT, check=True, capture_output=True)


def lab_demo_server(tmp: Path, problems: int) -> Server:
    """A dashboard on a reduced lab demo workspace (both lab models at matched compute)."""
    subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace", str(tmp / "ws"),
                    "demo", "--problems", str(problems)], cwd=REPO_ROOT, check=True,
                   capture_output=True)
    return Server(tmp / "ws", tmp)


@pytest.fixture
def server(tmp_path):
    """A dashboard on its own empty workspace: yields (url, workspace path)."""
    srv = Server(tmp_path / "ws", tmp_path)
    yield srv.url, srv.home
    srv.stop()


@pytest.fixture(scope="module")
def gsm8k_server(tmp_path_factory):
    """A dashboard on a workspace built from OpenAI's public GSM8K solutions file."""
    from tests.conftest import shared_file

    data = shared_file("gsm8k_example_model_solutions.jsonl")
    tmp = tmp_path_factory.mktemp("gsm8k")
    import_into(tmp / "ws", data)
    srv = Server(tmp / "ws", tmp)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Overrides pytest-playwright's fixture: use Debian's Chromium, never a downloaded build.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def wait_for_app_run(page) -> None:
    """Same readiness signals as streamlit's own e2e_playwright/conftest.py."""
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=PATIENCE_MS)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=PATIENCE_MS)
