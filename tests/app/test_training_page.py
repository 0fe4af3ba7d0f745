"""AppTest for the training page: the command shown before launch, one job per click."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from synthqa.jobs.runner import Jobs
from synthqa.lab.demo import available
from synthqa.train.launch import METHOD_OF
from tests.conftest import REPO
from tests.toy import fill

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


@pytest.fixture
def train_at(store, tmp_path):
    fill(store, tmp_path)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py")
    return at.run()


def test_the_command_is_shown_and_train_starts_one_job(train_at, workspace):
    assert not train_at.exception
    shown = [c.value for c in train_at.code]
    assert any("-m synthqa.train.sft --run-dir runs/<id>" in c for c in shown)
    train_at.number_input(key="train_steps").set_value(2).run()
    train_at.number_input(key="train_eval_n").set_value(2).run()
    train = next(b for b in train_at.button if b.label == "Train")
    train.click().run()
    assert train_at.success[0].value.startswith("Started train-lab-wc-sft-")
    assert "on 6 examples" in train_at.success[0].value      # the toy's correct traces
    jobs = [j for j in Jobs(workspace).jobs() if j.kind == "train"]
    assert len(jobs) == 1
    runner = Jobs(workspace)
    runner.cancel(jobs[0].job_id)
    assert runner.status(jobs[0].job_id).status in ("STOPPED", "SUCCEEDED")


def test_bad_names_start_nothing(train_at, workspace):
    train_at.text_input(key="train_name").input("x; rm -rf ~").run()
    next(b for b in train_at.button if b.label == "Train").click().run()
    assert "letters, digits" in train_at.error[0].value
    assert not [j for j in Jobs(workspace).jobs() if j.kind == "train"]
    assert not list(workspace.runs.glob("train-*"))               # nothing written either


def wait_final(runner, job_id, timeout=300):
    import time

    deadline = time.monotonic() + timeout
    while not runner.status(job_id).final and time.monotonic() < deadline:
        time.sleep(0.5)
    return runner.status(job_id)


@pytest.mark.parametrize("kind,examples", [("sft", 6), ("rft", 4), ("dpo", 4),
                                           ("step-dpo", 2)])
def test_each_method_runs_from_the_page_and_its_accuracy_is_shown(store, workspace, tmp_path,
                                                                  kind, examples):
    from synthqa.ingest import ingest_inbox
    from tests.toy import add_scripted_pits

    fill(store, tmp_path)
    add_scripted_pits(store, workspace)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    at.selectbox(key="train_kind").set_value(kind).run()
    at.number_input(key="train_steps").set_value(2).run()
    at.number_input(key="train_eval_n").set_value(3).run()
    at.number_input(key="train_eval_k").set_value(2).run()
    if kind == "rft":
        at.number_input(key="train_rft_samples").set_value(2).run()
    next(b for b in at.button if b.label == "Train").click().run()
    assert f"on {examples} examples" in at.success[0].value
    runner = Jobs(workspace)
    job, = [j for j in runner.jobs() if j.kind == "train"]
    done = wait_final(runner, job.job_id)
    assert done.status == "SUCCEEDED", runner.log(job.job_id)[0][-2000:]
    assert ingest_inbox(store, workspace)[0].ok          # what the dashboard's watcher does
    accuracy = store.generator_stats().set_index("generator")["accuracy"][f"lab-wc-{kind}"]
    fresh = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    fresh.switch_page("pages/train.py").run()
    shown = " ".join(m.value for m in fresh.markdown)
    assert re.search(re.escape(f"· {METHOD_OF[kind]} · **SUCCEEDED** · held-out accuracy "
                               f"{accuracy:.1%} · pass@2 ") + r"\d+\.\d% · maj@2 \d+\.\d%",
                     shown), shown


@pytest.mark.parametrize("field", ["train_name", "Base_path"])
def test_injection_strings_in_every_text_field_start_nothing(train_at, workspace, tmp_path,
                                                             field):
    from synthqa.ui.sampling import LOCAL

    marker = tmp_path / "pwned"
    if field == "Base_path":
        train_at.selectbox(key="Base_model").set_value(LOCAL).run()
        train_at.text_input(key="Base_name").input("x").run()
    for evil in (f"$(touch {marker})", f"`touch {marker}`", f"; touch {marker}",
                 f"| touch {marker}", f"' && touch {marker} #"):
        train_at.text_input(key=field).input(evil).run()
        next(b for b in train_at.button if b.label == "Train").click().run()
        assert train_at.error, evil                        # refused with a reason
    assert not [j for j in Jobs(workspace).jobs()] and not marker.exists()
    assert not list(workspace.runs.glob("train-*"))
