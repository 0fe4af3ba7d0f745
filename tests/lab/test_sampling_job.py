"""Sampling jobs: validation of every user value, and a real job process end to end."""
import pytest

from synthqa.ingest.inbox import ingest_inbox
from synthqa.jobs.runner import Jobs
from synthqa.lab.model import make_model, make_tokenizer
from synthqa.lab.sampling_job import SamplingJob, launch, problems_done
from synthqa.sampling.models import ModelChoice
from tests.conftest import PATIENCE_S


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    tokenizer = make_tokenizer()
    make_model("wc", tokenizer).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def job(tiny, **kw):
    base = dict(job_id="j1", problem_set="lab arithmetic", n_problems=3,
                se=ModelChoice("big", path=tiny), wc=ModelChoice("small", path=tiny),
                se_samples=1, temperature=0.8, max_tokens=10)
    return SamplingJob(**{**base, **kw})


@pytest.mark.parametrize("bad", [
    {"job_id": "x; rm -rf /"}, {"job_id": "$(reboot)"},
    {"se": ModelChoice("a b; echo", path="/tmp")},
    {"wc": ModelChoice("ok", path="/definitely/not/here")},
    {"wc": ModelChoice("ok", url="file:///etc/passwd", params=10)},
    {"wc": ModelChoice("ok", url="http://127.0.0.1:8000")},        # no parameter count
    {"problem_set": "../../etc"}, {"n_problems": 0}, {"temperature": 9.0},
])
def test_bad_values_start_nothing(tiny, workspace, bad):
    with pytest.raises(ValueError):
        launch(workspace, job(tiny, **bad))
    assert not list(workspace.runs.iterdir())


def test_a_job_process_samples_both_models_into_the_inbox(tiny, workspace):
    started = launch(workspace, job(tiny))
    assert started.job_id == "j1" and started.status == "RUNNING"
    runner = Jobs(workspace)
    assert runner.wait("j1", 0.2, PATIENCE_S).status == "SUCCEEDED", runner.log_tail("j1")
    assert problems_done(workspace, "j1") == {"se": 3, "wc": 3}
    store = workspace.open_store()
    assert all(r.ok for r in ingest_inbox(store, workspace))
    # same parameter count on both sides: matched compute gives equal sample counts
    runs = store.df("SELECT run_id, n_traces FROM runs ORDER BY run_id").values.tolist()
    assert runs == [["j1-se", 3], ["j1-wc", 3]]
    store.close()
    with pytest.raises(ValueError, match="exists already"):
        launch(workspace, job(tiny))
