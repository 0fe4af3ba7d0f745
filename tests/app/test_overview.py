"""AppTest for the workspace page: import from a path, the inbox, bad input, a busy store."""
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from synthqa.ingest.inbox import Inbox
from tests.conftest import EXAMPLE, REPO


@pytest.fixture
def app(workspace):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    return at.run()


def import_button(at):
    return next(b for b in at.button if b.label == "Import")


def generators_table(at):
    return at.dataframe[0].value


def test_empty_workspace_explains_how_to_import(app):
    assert not app.exception
    assert "workspace is empty" in app.info[0].value
    assert app.sidebar.caption[0].value.endswith(" MB") and "/ws`" in app.sidebar.caption[0].value
    assert app.sidebar.caption[1].value.startswith("0 traces")
    assert "Import" in [b.label for b in app.button]


def test_import_from_a_path_fills_the_generator_table(app):
    app.text_input[0].input(str(EXAMPLE))
    import_button(app).click().run()
    assert not app.exception
    assert "Imported example_traces.jsonl (generic): 5 traces, 5 new." in app.success[0].value
    table = generators_table(app).set_index("generator")
    assert table.loc["wc-2b", "traces"] == 3 and table.loc["wc-2b", "suspects"] == 1
    assert table.loc["se-16b", "accuracy"] == 0.5
    fresh = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert fresh.sidebar.caption[1].value == "5 traces · 3 problems · 5 labels"


def test_a_missing_path_is_a_clear_error(app, tmp_path):
    app.text_input[0].input(str(tmp_path / "nope.jsonl"))
    import_button(app).click().run()
    assert not app.exception
    assert "No such file" in app.error[0].value


def test_bad_records_are_listed_and_the_rest_imports(app, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(EXAMPLE.read_text().splitlines()[0] + "\n{broken\n")
    app.text_input[0].input(str(path))
    import_button(app).click().run()
    assert "1 traces, 1 new" in app.success[0].value
    assert "mixed.jsonl:line 2: invalid JSON" in app.error[0].value


def test_a_file_another_process_queued_appears_on_the_next_run(app, workspace):
    out = subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace",
                          str(workspace.root), "import", str(EXAMPLE)], cwd=REPO,
                         capture_output=True, text=True)
    assert "queued" in out.stdout  # the app holds the store, so the CLI used the inbox
    # AppTest's bare at.run() does not re-execute an st.navigation page, so open a new session
    # (a second tab) on the same server process; the browser test covers the live refresh.
    tab = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert set(generators_table(tab).generator) == {"wc-2b", "se-16b"}
    assert "Imported example_traces.jsonl (generic): 5 traces, 5 new." in tab.success[0].value


def test_a_store_held_elsewhere_shows_a_message_not_a_crash(workspace):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
        " sys.stdin.read()"), str(workspace.store_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
        assert not at.exception
        assert "store is busy" in at.error[0].value and at.button[0].label == "Retry"
    finally:
        holder.stdin.close()
        holder.wait()


def test_an_empty_workspace_offers_the_demo(app):
    from synthqa.lab.demo import available

    if not available():
        pytest.skip("lab models not built (data/lab)")
    assert "Build the demo workspace" in [b.label for b in app.button]


def test_many_files_arriving_at_once_are_summarised(app, workspace, tmp_path):
    import json

    for k in range(5):
        path = tmp_path / f"shard{k}.jsonl"
        path.write_text(json.dumps({"problem": f"{k}+1?", "generator": "g", "gold_answer":
                                    str(k + 1), "solution": f"{k}+1={k + 1}"}) + "\n")
        Inbox(workspace).drop_file(path, "generic")
    tab = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert [s.value for s in tab.success] == [
        "Just imported 5 more files: 5 traces, 5 new; the workspace holds 5 traces in all."]


def test_the_users_import_result_stays_while_other_data_arrives(app, workspace, tmp_path):
    from synthqa.jobs.batch import RunFolder

    app.text_input[0].input(str(EXAMPLE))
    import_button(app).click().run()
    mine = "Imported example_traces.jsonl (generic): 5 traces, 5 new."
    assert app.success[0].value == mine
    for start in (0, 64):  # a sampling run's shards land while the user looks
        RunFolder(workspace, "g:run-1").shard(start, [{
            "problem": f"what is {start} + 1?", "gold_answer": str(start + 1), "generator": "g",
            "run": "g:run-1", "solution": f"{start} + 1 = {start + 1}"}], "generic")
    app.run()
    app.run()  # a rerun of the page (as the inbox fragment causes) keeps the user's result
    assert mine in [s.value for s in app.success]
    assert app.expander[0].label == "Import traces"
    imports = app.dataframe[1].value
    assert list(imports["source"]) [0] == "g_run-1 (generic shards)"
    assert imports.set_index("source").loc["g_run-1 (generic shards)", "files"] == 2
    assert imports.set_index("source").loc["example_traces.jsonl", "files"] == 1


def test_the_demo_panel_shows_progress_and_the_time_left(app, workspace):
    import time

    from synthqa.jobs import progress

    folder = workspace.runs / "demo-lab"
    folder.mkdir(parents=True)
    progress.write(folder, 150, 600, time.time() - 30)   # a quarter in 30 s: ~90 s left
    app.session_state["demo_started"] = "lab"
    app.run()
    bar = app.get("progress")[0]
    assert "150 of 600 problems" in bar.proto.text and "s left" in bar.proto.text


def test_time_left_follows_the_pace_so_far():
    from synthqa.jobs.progress import seconds_left

    assert seconds_left({"done": 150, "total": 600, "started": 70.0}, now=100.0) == 90.0
    assert seconds_left({"done": 0, "total": 600, "started": 70.0}, now=100.0) is None
    from synthqa.jobs.progress import eta_text  # a resumed run's pace:
    resumed = {"done": 250, "total": 600, "started": 70.0, "base": 200}   # 50 in 30 s
    assert eta_text(resumed, now=100.0) == " · about 4 min left"    # 350 more at 0.6 s: 210 s
    assert eta_text({**resumed, "done": 600}, now=100.0) == ""


def test_the_demo_progress_stays_while_its_first_traces_fill_the_page(app, workspace):
    import time

    from synthqa.ingest.commit import import_file
    from synthqa.jobs import progress
    from synthqa.workspace import process_store

    import_file(process_store(workspace.root), EXAMPLE)   # the first shards are in
    folder = workspace.runs / "demo-lab"
    folder.mkdir(parents=True)
    progress.write(folder, 64, 600, time.time() - 10)
    app.session_state["demo_started"] = "lab"
    app.run()
    assert "64 of 600 problems" in app.get("progress")[0].proto.text
    progress.write(folder, 600, 600, time.time() - 60)    # sampled: the bar goes
    app.run()
    assert not app.get("progress")


def test_the_generators_table_has_every_fpr_and_no_none(workspace):
    from synthqa.ingest.commit import import_file

    store = workspace.open_store()
    import_file(store, EXAMPLE)
    store.close()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    table = generators_table(at).set_index("generator")
    assert table.loc["wc-2b", ["fpr", "fpr_ci", "fpr_n", "fpr_by"]].tolist() == [
        "100.0%", "6.9%–100.0%", 1, "alice (1)"]
    assert table.loc["se-16b", ["fpr", "fpr_ci", "fpr_method", "judge", "judge_auroc"]
                     ].tolist() == ["—"] * 5
    assert table.loc["se-16b", "params"] == "16B"
    assert not table.isna().any().any()
    assert any(b.label == "Generators (CSV)" for b in at.get("download_button"))
