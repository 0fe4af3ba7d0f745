"""CLI reads while another process (the dashboard) holds the store: same figures as alone."""
import subprocess
import sys
import tempfile
from pathlib import Path

from synthqa.ingest.commit import import_file
from synthqa.labels.review import verdict_labels
from tests.conftest import EXAMPLE, REPO

HOLDER = """
import sys
from synthqa.store import Store
store = Store(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()        # hold the file until the test closes our stdin
"""


def cli(ws, *args):
    return subprocess.run([sys.executable, "-m", "synthqa", "--workspace", str(ws), *args],
                          cwd=REPO, capture_output=True, text=True)


def test_reads_work_while_the_store_is_held_and_agree(workspace, store, tmp_path):
    import_file(store, EXAMPLE)
    trace = store.scalar("SELECT trace_id FROM traces WHERE generator = 'se-16b' LIMIT 1")
    store.labels.add_many(verdict_labels(trace, "bob", "correct", None))  # in the log only
    store.close()
    ws = workspace.root
    reads = [("stats",), ("stats", "--json"), ("judge", "eval"),
             ("compare", "--se", "se-16b", "--wc", "wc-2b", "--json"),
             ("export", str(tmp_path / "out.jsonl"))]
    alone = [cli(ws, *r) for r in reads]
    assert [r.returncode for r in alone] == [0, 0, 0, 1, 0], [r.stderr for r in alone]
    exported = (tmp_path / "out.jsonl").read_text()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workspace.store_path)],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert "held by" in cli(ws, "verify").stderr          # a write still says who holds it
        copies = set(Path(tempfile.gettempdir()).glob("synthqa-read-*"))
        busy = [cli(ws, *r) for r in reads]
        assert [(r.returncode, r.stdout, r.stderr) for r in busy] == [
            (r.returncode, r.stdout, r.stderr) for r in alone]
        assert (tmp_path / "out.jsonl").read_text() == exported
        assert "bob (1)" in busy[0].stdout                   # the label committed last
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert set(Path(tempfile.gettempdir()).glob("synthqa-read-*")) <= copies  # removed
