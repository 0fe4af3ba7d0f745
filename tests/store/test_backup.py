"""A damaged store is named with its recovery steps; backups are consistent and restore
(issue 27, item 11)."""
import os
import subprocess
import sys
from contextlib import closing

from streamlit.testing.v1 import AppTest

from synthqa.cli.main import main
from synthqa.ingest.commit import import_file
from synthqa.labels.review import verdict_labels
from synthqa.store import Store
from tests.cli.test_reads_while_busy import HOLDER
from tests.conftest import EXAMPLE, REPO


def _closing(workspace):
    return closing(workspace.open_store())


def _labelled(workspace) -> list:
    """The example traces and one Review-page label (kept only in the store's log so far)."""
    with _closing(workspace) as store:
        import_file(store, EXAMPLE)
        trace = store.scalar("SELECT trace_id FROM traces ORDER BY trace_id LIMIT 1")
        store.labels.add_many(verdict_labels(trace, "bob", "false_positive", 0))
        return _contents(store)


def _contents(store) -> list:
    return [store.df(f"SELECT * EXCLUDE (import_id) FROM {table} ORDER BY ALL").values.tolist()
            if table == "traces" else
            store.df(f"SELECT * FROM {table} ORDER BY ALL").values.tolist()
            for table in ("problems", "traces", "steps", "labels")]


def _damage_header(path) -> None:
    with open(path, "r+b") as handle:
        handle.write(os.urandom(8192))    # what a torn write or a bad copy leaves


def test_a_backup_taken_while_the_dashboard_writes_restores_the_store(workspace, capsys):
    before = _labelled(workspace)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workspace.store_path)],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert main(["--workspace", str(workspace.root), "backup"]) == 0
    finally:
        holder.stdin.close()
        holder.wait()
    (backup,) = workspace.backups.glob("synthqa-*.duckdb")
    assert f"restore it with: python -m synthqa restore {backup}" in capsys.readouterr().out

    _damage_header(workspace.store_path)
    assert main(["--workspace", str(workspace.root), "stats"]) == 5
    err = capsys.readouterr().err
    assert "is damaged and cannot be read: " in err and "Traceback" not in err
    assert f"python -m synthqa restore {backup} (the newest of 1 in " in err

    assert main(["--workspace", str(workspace.root), "restore", str(backup)]) == 0
    (kept,) = workspace.root.glob("synthqa.duckdb.replaced-*")
    assert f"the file it replaced is kept as {kept}" in capsys.readouterr().out
    with _closing(workspace) as store:
        assert _contents(store) == before
        assert store.search_in_sync()


def test_a_backup_of_the_dashboards_own_store_and_a_refused_restore(workspace, tmp_path,
                                                                    capsys):
    with _closing(workspace) as store:
        import_file(store, EXAMPLE)
        target = workspace.backup(tmp_path / "mine.duckdb", store=store)   # in-process
        before = _contents(store)
    copy = Store(target)
    assert _contents(copy) == before
    copy.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workspace.store_path)],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:    # restoring under a running dashboard is refused, and changes nothing
        assert holder.stdout.readline().strip() == "holding"
        assert main(["--workspace", str(workspace.root), "restore", str(target)]) == 4
    finally:
        holder.stdin.close()
        holder.wait()
    assert "is held by" in capsys.readouterr().err
    assert not list(workspace.root.glob("synthqa.duckdb.replaced-*"))
    assert not list(workspace.root.glob(".restoring-*"))


def test_a_damaged_store_shows_the_recovery_steps_on_every_page(workspace):
    _labelled(workspace)
    _damage_header(workspace.store_path)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "is damaged and cannot be read" in at.error[0].value
    assert "python -m synthqa restore BACKUP (none in " in at.error[0].value


def test_the_workspace_page_backs_the_store_up(workspace):
    before = _labelled(workspace)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/overview.py")
    at.run().button(key="backup_now").click().run()
    assert not at.exception
    (backup,) = workspace.backup_files()
    assert f"Backup written: {backup}" in at.success[-1].value
    with closing(Store(backup)) as copy:
        assert _contents(copy) == before


def test_a_missing_or_unreadable_backup_is_refused_and_the_store_unchanged(workspace, tmp_path,
                                                                          capsys):
    before = _labelled(workspace)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 1000)
    for backup, why in ((tmp_path / "none.duckdb", "No such file"),
                        (junk, "is not a readable backup")):
        assert main(["--workspace", str(workspace.root), "restore", str(backup)]) == 1
        err = capsys.readouterr().err
        assert why in err and "the store is unchanged" in err and "Traceback" not in err
    with _closing(workspace) as store:
        assert _contents(store) == before
    assert main(["--workspace", str(workspace.root), "backup", str(junk)]) == 1
    assert "exists; name a new file" in capsys.readouterr().err
