"""The one batch-run lifecycle: settings and input saved, batches as inbox shards, what is done
remembered across a restart, progress, runs listed by kind from the job table."""
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthqa.jobs import batch
from synthqa.jobs.runner import Jobs
from tests.conftest import PATIENCE_S


def test_settings_and_input_come_back_as_saved(workspace):
    run = batch.RunFolder(workspace, "r1")
    run.save({"k": 3, "name": "x"}, pd.DataFrame({"trace_id": ["a", "b"], "n": [1, 2]}))
    assert run.spec() == {"k": 3, "name": "x"}
    assert run.items().to_dict("records") == [{"trace_id": "a", "n": 1},
                                              {"trace_id": "b", "n": 2}]


def test_a_restarted_run_does_only_what_is_left(workspace):
    run = batch.RunFolder(workspace, "r1")
    items = [{"id": str(i), "x": i} for i in range(5)]
    seen = []

    def crash_on_second_batch(rows, start):
        if start == 2:
            raise KeyboardInterrupt("killed")       # a run stopped between two batches
        seen.extend(r["id"] for r in rows)
        return [{"id": r["id"], "y": r["x"] * 10} for r in rows]

    with pytest.raises(KeyboardInterrupt):
        batch.process(run, items, lambda r: r["id"], crash_on_second_batch, "test", 2)
    assert run.done() == {"0", "1"} and run.progress()["done"] == 2

    def square(rows, start):
        seen.extend(r["id"] for r in rows)
        return [{"id": r["id"], "y": r["x"] ** 2} for r in rows]

    result = batch.process(run, items, lambda r: r["id"], square, "test", 2)
    assert (result.skipped, result.done, result.records) == (2, 3, 3)
    assert seen == ["0", "1", "2", "3", "4"]                # nothing twice
    progress = run.progress()
    assert (progress["done"], progress["total"], progress["base"]) == (5, 5, 2)
    shards = sorted(workspace.inbox.glob("r1-*.test.parquet"))
    assert len(shards) == 3 and not list(workspace.inbox.glob(".tmp-*"))
    rows = pd.concat(pq.read_table(s).to_pandas() for s in shards)
    assert sorted(rows["y"]) == [0, 4, 9, 10, 16]


def test_runs_started_in_the_same_second_get_different_ids():
    assert len({batch.new_run_id("judge-critic") for _ in range(50)}) == 50


def test_runs_of_a_kind_come_from_the_job_table_not_from_folders(workspace):
    runner = Jobs(workspace)
    for kind, run_id in (("judge", "judge-1"), ("rollouts", "rollouts-1")):
        batch.RunFolder(workspace, run_id).save({}, pd.DataFrame({"trace_id": ["t"]}))
        runner.start(kind, "json.tool", run_id, args=["--help"])
    batch.RunFolder(workspace, "stray").save({}, pd.DataFrame({"trace_id": ["t"]}))
    assert [j.job_id for j in runner.jobs(kind="rollouts")] == ["rollouts-1"]
    assert [j.job_id for j in runner.jobs(kind="judge")] == ["judge-1"]


def test_a_run_started_twice_is_one_job_and_wait_returns_its_end(workspace):
    runner = Jobs(workspace)
    first = runner.start("check", "json.tool", "r1", args=["--help"], submit_key="form-1")
    again = runner.start("check", "json.tool", "r1-again", args=["--help"], submit_key="form-1")
    assert again.job_id == first.job_id == "r1" and runner.by_key("form-1").job_id == "r1"
    done = runner.wait("r1", poll_s=0.05, timeout_s=PATIENCE_S)
    assert done.status == "SUCCEEDED" and done.argv[:3] == [sys.executable, "-m", "json.tool"]
