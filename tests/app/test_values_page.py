"""AppTest for the step-values page on the toy workspace with scripted rollouts."""
import pytest
from streamlit.testing.v1 import AppTest

from synthqa.review import first_error_label
from tests.conftest import REPO
from tests.toy import add_scripted_pits, fill

@pytest.fixture
def with_pits(store, workspace, tmp_path):
    fill(store, tmp_path)
    wrong = add_scripted_pits(store, workspace)
    store.add_label(first_error_label(wrong["trace_id"].iloc[0], "alice", 0))
    return store, wrong


def open_pits() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/pits.py")
    return at.run()


def test_pits_meet_human_labels_in_a_table(with_pits):
    at = open_pits()
    assert not at.exception
    agreement = at.dataframe[0].value
    row = agreement.set_index("reference").loc["human first-error labels"]
    assert row["traces"] == 1 and row["exact"] == 1.0       # pit after step 1 = alice's step 1
    text = " ".join(m.value for m in at.markdown)
    assert "first pit" in text
    download = at.get("download_button")[0]
    assert "Download 2 step-dpo examples" in download.proto.label


def test_a_reviewer_accepts_a_pit_as_a_human_label(with_pits):
    store, wrong = with_pits
    at = open_pits()
    other = wrong["trace_id"].iloc[1]
    at.selectbox(key="pit_trace").set_value(other).run()
    at.text_input(key="reviewer_name").input("bob")
    at.button[-1].click().run()                              # Start reviewing
    accept = next(b for b in at.button if b.label == "Accept the pit")
    accept.click().run()
    labels = store.labels_for(other)
    assert labels[["kind", "value", "who"]].values.tolist() == [["first_error_step", "0", "bob"]]
    assert "from MC pit (scripted, exhaustive)" == labels["note"].iloc[0]


def add_no_pit_trace(store, workspace, wrong) -> str:
    """One more wrong WC trace whose rollouts never reach the gold: no pit."""
    from collections import defaultdict

    from synthqa import rollout_job, rollouts
    from synthqa.ingest import ROLLOUTS, ingest_inbox
    from synthqa.sampling.base import SamplingSpec, write_shard
    from synthqa.sampling.job import ModelChoice
    from tests.test_rollouts import Scripted

    others = store.rollout_inputs("wc", True, 8)
    t = next(t for t in others.itertuples() if t.trace_id not in set(wrong["trace_id"]))
    job = rollout_job.RolloutJob("scripted-run", ModelChoice("scripted", path="/nowhere"), k=4)
    policy = rollouts.RolloutPolicy(Scripted(defaultdict(int), 4, gold=t.gold),
                                    SamplingSpec(prompt_template="{problem}\n"), k=4)
    record = rollout_job.shard_record(rollouts.exhaustive(
        policy, t.trace_id, t.problem, t.gold, list(t.steps), False), job)
    write_shard(workspace, job.run_id, 2, [record], ROLLOUTS)
    assert ingest_inbox(store, workspace)[0].ok
    return t.trace_id


def test_the_first_trace_shown_has_a_pit_and_the_tables_are_labelled(with_pits, workspace):
    store, wrong = with_pits
    no_pit = add_no_pit_trace(store, workspace, wrong)
    at = open_pits()
    assert not at.exception
    options = at.selectbox(key="pit_trace").options
    assert "no pit" in options[-1] and "pit at step" in options[0]
    assert at.selectbox(key="pit_trace").value != no_pit
    positions = at.dataframe[1].value
    assert list(positions.index) == ["first error at step 1"]
    assert list(positions.columns) == ["pit at step 1"]


def test_a_finished_rollout_run_shows_outside_the_launch_form(with_pits, workspace):
    import json

    from synthqa.jobs import progress

    folder = workspace.runs / "rollouts-1"
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps({}))
    (folder / "input.parquet").write_bytes(b"")
    progress.write(folder, 2, 2)
    at = open_pits()
    assert not at.expander[0].get("progress")                # not hidden in the form
    assert "rollouts-1: 2/2 traces" in at.get("progress")[0].proto.text
