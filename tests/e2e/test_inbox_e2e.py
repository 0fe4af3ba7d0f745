"""With the dashboard up and no browser open, a CLI import queued in inbox/ is ingested by the
server itself (issue 12, item 4)."""
import json
import os
import subprocess
import sys
import time

from tests.e2e.conftest import REPO_ROOT, Server


def test_the_server_drains_the_inbox_with_no_tab_open(tmp_path):
    srv = Server(tmp_path / "ws", tmp_path)
    try:
        names = []
        for i in range(3):
            path = tmp_path / f"batch{i}.jsonl"
            path.write_text(json.dumps({"problem": f"What is {i} + 1?", "generator": "g",
                                        "gold_answer": str(i + 1),
                                        "solution": f"#### {i + 1}"}) + "\n")
            out = subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace",
                                  str(srv.home), "import", str(path)], cwd=REPO_ROOT,
                                 capture_output=True, text=True, check=True).stdout
            assert "queued as" in out and "result.json" in out   # says where, and how to see
            names.append(out.split("queued as ")[1].split(". ")[0])
        results = [f"{name.replace('/inbox/', '/inbox/done/')}.result.json" for name in names]
        while not all(os.path.exists(r) for r in results):  # wait on the state, not the clock
            assert srv.proc.poll() is None
            time.sleep(0.2)
        assert [json.load(open(r))["n_traces_new"] for r in results] == [1, 1, 1]
    finally:
        srv.stop()
