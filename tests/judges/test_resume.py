"""Judge runs are resumable (issue 27, item 10): what is done is not judged again."""
from streamlit.testing.v1 import AppTest

from synthqa.cli.main import main
from synthqa.ingest.commit import import_file
from synthqa.jobs import batch
from synthqa.jobs.runner import Jobs
from synthqa.judges import job as judge_job
from tests.conftest import EXAMPLE, REPO


def test_judge_run_resume_skips_what_is_done(workspace, store, capsys):
    import_file(store, EXAMPLE)
    job = judge_job.JudgeJob("judge-k", "stepcheck", batch_traces=2)
    assert judge_job.prepare(workspace, store, job, None, answer_correct_only=False) == 5
    folder = batch.RunFolder(workspace, "judge-k")
    folder.mark_done(folder.items()["trace_id"][:2].tolist())   # killed after one shard
    store.close()
    assert main(["--workspace", str(workspace.root), "judge", "run", "--resume", "judge-k"]) == 0
    out = capsys.readouterr().out
    assert "3 traces left to judge" in out and "judged 3 traces now" in out
    assert main(["--workspace", str(workspace.root), "judge", "run", "--resume", "nope"]) == 2


def test_a_lost_judge_job_resumes_as_itself_from_the_page(workspace, store):
    import_file(store, EXAMPLE)
    job = judge_job.JudgeJob("judge-lost", "stepcheck")
    judge_job.prepare(workspace, store, job, None, answer_correct_only=False)
    runner = Jobs(workspace)
    runner.table.insert(lost_job(runner, "judge-lost"))     # killed -9: found LOST
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/judges.py")
    at.run()
    at.button(key="resume_judge-lost").click().run()
    resumed = runner.wait("judge-lost")
    assert resumed.status == "SUCCEEDED" and resumed.job_id == "judge-lost"
    assert len(batch.RunFolder(workspace, "judge-lost").done()) == 5
    assert not runner.table.requeue("judge-lost")      # a second click does nothing


def lost_job(runner, run_id):
    from synthqa.jobs.runner import argv
    from synthqa.jobs.table import Job

    return Job(run_id, run_id, judge_job.KIND, "local",
               argv(judge_job.MODULE, (str(runner.workspace.root.resolve()), run_id)),
               str(runner.workspace.runs / run_id), "LOST", note="the process is gone")
