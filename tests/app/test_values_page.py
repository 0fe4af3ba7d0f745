"""AppTest for the step-values page on the toy workspace with scripted rollouts."""
import pytest
from streamlit.testing.v1 import AppTest

from synthqa.labels.review import first_error_label
from tests.conftest import REPO
from tests.toy import add_scripted_pits, fill


@pytest.fixture
def with_pits(store, workspace, tmp_path):
    fill(store, tmp_path)
    wrong = add_scripted_pits(store, workspace)
    store.labels.add(first_error_label(wrong["trace_id"].iloc[0], "alice", 0))
    return store, wrong


def open_values() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/values.py")
    return at.run()


def test_pits_meet_human_labels_in_a_table(with_pits):
    at = open_values()
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
    at = open_values()
    other = wrong["trace_id"].iloc[1]
    at.selectbox(key="pit_trace").set_value(other).run()
    at.text_input(key="reviewer_name").input("bob")
    at.button[-1].click().run()                              # Start reviewing
    accept = next(b for b in at.button if b.label == "Accept the pit")
    accept.click().run()
    labels = store.labels.of_trace(other)
    assert labels[["kind", "value", "who"]].values.tolist() == [["first_error_step", "0", "bob"]]
    assert "from MC pit (scripted, exhaustive)" == labels["note"].iloc[0]


def add_no_pit_trace(store, workspace, wrong) -> str:
    """One more wrong WC trace whose rollouts never reach the gold: no pit."""
    from collections import defaultdict

    from synthqa.ingest.commit import ROLLOUTS
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.jobs.batch import RunFolder
    from synthqa.sampling.base import SamplingSpec
    from synthqa.sampling.models import ModelChoice
    from synthqa.values import job as rollout_job
    from synthqa.values import rollouts
    from tests.values.test_rollouts import Scripted

    others = store.values.rollout_inputs("wc", True, 8)
    t = next(t for t in others.itertuples() if t.trace_id not in set(wrong["trace_id"]))
    job = rollout_job.RolloutJob("scripted-run", ModelChoice("scripted", path="/nowhere"), k=4)
    policy = rollouts.RolloutPolicy(Scripted(defaultdict(int), 4, gold=t.gold),
                                    SamplingSpec(prompt_template="{problem}\n"), k=4)
    record = rollout_job.shard_record(rollouts.exhaustive(
        policy, t.trace_id, t.problem, t.gold, list(t.steps), False), job)
    RunFolder(workspace, job.run_id).shard(2, [record], ROLLOUTS)
    assert ingest_inbox(store, workspace)[0].ok
    return t.trace_id


def test_the_first_trace_shown_has_a_pit_and_the_tables_are_labelled(with_pits, workspace):
    store, wrong = with_pits
    no_pit = add_no_pit_trace(store, workspace, wrong)
    at = open_values()
    assert not at.exception
    options = at.selectbox(key="pit_trace").options
    assert "no pit" in options[-1] and "pit at step" in options[0]
    assert at.selectbox(key="pit_trace").value != no_pit
    positions = at.dataframe[1].value
    assert list(positions.index) == ["first error at step 1"]
    assert list(positions.columns) == ["pit at step 1"]


def _finished_run(workspace, kind: str, run_id: str, done: int, total: int) -> None:
    """A run of `kind` as the job mechanism leaves it: its job in the table, its run folder
    with settings, input and progress."""
    import json

    from synthqa.jobs import progress
    from synthqa.jobs.table import Job, JobTable

    folder = workspace.runs / run_id
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps({}))
    (folder / "input.parquet").write_bytes(b"")
    progress.write(folder, done, total)
    JobTable(workspace.root / "jobs.sqlite").insert(Job(
        run_id, run_id, kind, "local", ["true"], str(folder), "SUCCEEDED", exit_code=0))


def test_a_finished_rollout_run_shows_outside_the_launch_form(with_pits, workspace):
    _finished_run(workspace, "rollouts", "rollouts-1", 2, 2)
    at = open_values()
    assert not at.expander[0].get("progress")                # not hidden in the form
    assert "2/2 traces" in at.get("progress")[0].proto.text
    assert "**rollouts-1** · **SUCCEEDED**" in [m.value for m in at.markdown]


def test_a_judge_run_is_not_shown_as_a_rollout_run(with_pits, workspace):
    # a judge run's folder holds job.json and input.parquet too: only the job table tells
    _finished_run(workspace, "judge", "judge-stepcheck-1", 5, 5)
    at = open_values()
    assert not at.exception
    assert not at.get("progress")
    assert "No rollout runs yet." in [c.value for c in at.caption]
    assert not any("judge-stepcheck-1" in m.value for m in at.markdown)


def test_start_rollouts_runs_the_settings_changed_with_the_click(with_pits, workspace):
    """The run holds what the form shows at the click, values changed with it included."""
    from synthqa.jobs import batch
    from synthqa.jobs.runner import Jobs

    at = open_values()
    at.number_input(key="ro_k").set_value(2)
    at.number_input(key="ro_max_tokens").set_value(12)
    at.number_input(key="ro_limit").set_value(1)
    next(b for b in at.button if b.label == "Start rollouts").click().run()
    assert any(s.value.startswith("Started rollouts-") for s in at.success), at.error
    runner = Jobs(workspace)
    (job,) = [j for j in runner.jobs() if j.kind == "rollouts"]
    spec = batch.RunFolder(workspace, job.job_id).spec()
    assert (spec["k"], spec["max_tokens"], spec["policy"]["name"]) == (2, 12, "lab-wc")
    assert len(batch.RunFolder(workspace, job.job_id).items()) == 1
    runner.cancel(job.job_id)
