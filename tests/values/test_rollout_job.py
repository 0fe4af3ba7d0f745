"""A real rollout run with the lab WC model on a few lab traces, through the inbox."""

import pandas as pd
import pytest

from synthqa.ingest.inbox import ingest_inbox
from synthqa.jobs.batch import RunFolder
from synthqa.lab.demo import available, build_demo
from synthqa.lab.model import model_choice
from synthqa.values import job as rollout_job

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


@pytest.fixture(scope="module")
def lab_ws(tmp_path_factory):
    from synthqa.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("lab") / "ws").init()
    build_demo(ws, n_problems=12, say=lambda _: None)
    return ws


def test_a_run_stores_values_rollouts_and_pits_once(lab_ws):
    job = rollout_job.RolloutJob("r1", model_choice("lab-wc"), "exhaustive", k=2,
                                 max_tokens=40, batch_traces=2)
    store = lab_ws.open_store()
    try:
        n = rollout_job.prepare(lab_ws, store, job, "lab-wc", negatives_only=True, limit=3)
        assert n == 3
        assert rollout_job.run(lab_ws, "r1") == 3
        info = RunFolder(lab_ws, "r1").progress()
        assert (info["done"], info["total"], info["base"]) == (3, 3, 0) and info["started"] > 0
        assert rollout_job.run(lab_ws, "r1") == 0                  # a restart skips done traces
        assert RunFolder(lab_ws, "r1").progress()["base"] == 3     # its pace starts afresh
        results = ingest_inbox(store, lab_ws)
        assert [r.fmt for r in results] == ["rollouts", "rollouts"] and all(r.ok for r in results)
        traces = store.values.rollout_inputs("lab-wc", True, 3)
        steps = {t: len(s) for t, s in zip(traces["trace_id"], traces["steps"])}
        values = store.df("SELECT trace_id, count(*) AS n FROM step_values GROUP BY 1")
        assert dict(zip(values["trace_id"], values["n"])) == {t: s + 1 for t, s in steps.items()}
        assert store.scalar("SELECT count(*) FROM rollouts") == 2 * sum(steps.values())
        pits = store.values.pits_frame().set_index("trace_id")
        found = pits.dropna(subset=["pit_step"])
        assert len(pits) == 3 and (found["pit_step"] < found["n_steps"]).all()
        q = store.df("SELECT trace_id, prefix_steps, q_best FROM step_values")
        q = {(t, i): v for t, i, v in zip(q["trace_id"], q["prefix_steps"], q["q_best"])}
        for trace_id, pit in pits["pit_step"].items():
            if pd.isna(pit):       # the value never falls: the policy fails from the start
                assert q[(trace_id, 0)] == 0
            else:                  # the value falls to 0 with the pit step
                assert q[(trace_id, pit)] > 0 and q[(trace_id, pit + 1)] == 0
        some = traces["trace_id"].iloc[0]
        shown = store.values.rollouts_of(some, "lab-wc", "exhaustive", 0)
        assert len(shown) == 2 and shown["text"].str.len().gt(0).all()   # texts kept
    finally:
        store.close()


def test_bad_settings_are_refused_before_anything_runs(lab_ws):
    bad = rollout_job.RolloutJob("r2", model_choice("lab-wc"), "greedy")
    with pytest.raises(ValueError, match="mode"):
        bad.validate()
    with pytest.raises(ValueError, match="K = 0"):
        rollout_job.RolloutJob("r3", model_choice("lab-wc"), k=0).validate()
    assert not (lab_ws.runs / "r2" / "job.json").exists()
