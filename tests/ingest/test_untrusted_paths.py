"""A path typed in a form is untrusted; staging stays in the workspace; the file watcher is off
(issue 12, items 3, 7 and 13)."""
import json
import tomllib

import pytest

from synthqa.config import Settings
from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import Inbox, importable, ingest_inbox
from tests.conftest import REPO


@pytest.mark.parametrize("path, why", [
    ("/etc/shadow", "not a trace file"), ("/proc/self/environ", "not a trace file"),
    ("/dev/zero", "not a trace file"), ("/nonexistent/x.jsonl", "No such file")])
def test_system_files_devices_and_missing_files_are_refused(path, why):
    with pytest.raises(ValueError, match=why):
        importable(path, Settings.from_env())


def test_a_device_or_fifo_with_a_trace_suffix_is_refused(tmp_path):
    import os

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        importable(fifo, Settings.from_env())


def test_the_import_root_and_the_size_cap_hold(tmp_path, monkeypatch):
    inside, outside = tmp_path / "data" / "a.jsonl", tmp_path / "b.jsonl"
    inside.parent.mkdir()
    for f in (inside, outside):
        f.write_text("{}\n" * 10)
    monkeypatch.setenv("SYNTHQA_IMPORT_ROOT", str(tmp_path / "data"))
    assert importable(inside, Settings.from_env()) == inside.resolve()
    with pytest.raises(ValueError, match="SYNTHQA_IMPORT_ROOT"):
        importable(outside, Settings.from_env())
    with pytest.raises(ValueError, match="SYNTHQA_IMPORT_ROOT"):
        importable(tmp_path / "data" / ".." / "b.jsonl", Settings.from_env())
    monkeypatch.setenv("SYNTHQA_MAX_IMPORT_BYTES", "10")
    with pytest.raises(ValueError, match="SYNTHQA_MAX_IMPORT_BYTES"):
        importable(inside, Settings.from_env())


def test_by_default_a_typed_path_must_lie_in_the_workspace(tmp_path, monkeypatch):
    """On a shared host the dashboard must not read whatever its user can (issue 27, 13)."""
    monkeypatch.delenv("SYNTHQA_IMPORT_ROOT")
    monkeypatch.setenv("SYNTHQA_HOME", str(tmp_path / "ws"))
    inside, outside = tmp_path / "ws" / "files" / "a.jsonl", tmp_path / "b.jsonl"
    inside.parent.mkdir(parents=True)
    for f in (inside, outside):
        f.write_text("{}\n")
    assert importable(inside, Settings.from_env()) == inside.resolve()
    with pytest.raises(ValueError, match=f"must lie below {tmp_path / 'ws'} "
                                         r"\(SYNTHQA_IMPORT_ROOT\); upload the file instead"):
        importable(outside, Settings.from_env())
    monkeypatch.setenv("SYNTHQA_IMPORT_ROOT", f"{tmp_path / 'x'}:{tmp_path}")   # several
    assert importable(outside, Settings.from_env()) == outside.resolve()


def test_a_file_nothing_imports_from_is_not_kept(workspace, store):
    bad = Inbox(workspace).drop_bytes(b"not json\n" * 3, "secret.jsonl")
    good = Inbox(workspace).drop_bytes(json.dumps({"problem": "1+1?", "generator": "g",
                                            "solution": "2"}).encode() + b"\n", "ok.jsonl")
    results = {r.path: r for r in ingest_inbox(store, workspace)}
    assert results[str(bad)].n_errors == 3 and results[str(good)].n_errors == 0
    assert not (workspace.done / bad.name).exists() and not bad.exists()
    assert (workspace.done / good.name).exists()
    assert Inbox(workspace).result_path(bad).exists()  # what went wrong is still on record


def test_imports_stage_inside_the_workspace_and_stale_staging_is_removed(workspace, tmp_path):
    stale = workspace.staging / "import-killed"
    stale.mkdir(parents=True)
    (stale / "traces-00000.parquet").write_bytes(b"x" * 100)
    store = workspace.open_store()
    assert not stale.exists()
    seen = []
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"problem": "1+1?", "generator": "g", "solution": "2"}) + "\n")
    import_file(store, path, progress=lambda n: seen.extend(workspace.staging.iterdir()))
    store.close()
    assert seen and all(p.parent == workspace.staging for p in seen)


def test_streamlit_watches_no_files():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
