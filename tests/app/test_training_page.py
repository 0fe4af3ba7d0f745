"""AppTest for the training page: the command shown before launch, one job per click."""
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from synthqa.jobs.runner import Jobs
from synthqa.lab.demo import available
from synthqa.train.launch import METHOD_OF
from tests.conftest import PATIENCE_S, REPO
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


def test_train_clicked_twice_starts_one_job(train_at, workspace):
    train_at.number_input(key="train_steps").set_value(2).run()
    train_at.number_input(key="train_eval_n").set_value(0).run()
    for _ in range(2):
        next(b for b in train_at.button if b.label == "Train").click().run()
    jobs = [j for j in Jobs(workspace).jobs() if j.kind == "train"]
    assert len(jobs) == 1
    assert train_at.info[0].value == f"Already started with these settings: {jobs[0].job_id}."
    assert train_at.text_input(key="train_name").value == "lab-wc-sft"   # the name stays
    Jobs(workspace).cancel(jobs[0].job_id)
    if wait_final(Jobs(workspace), jobs[0].job_id).status == "SUCCEEDED":
        return   # it finished before the cancel: the same settings stay one job
    # the same settings after a stopped run: a new job (a retry), named anew
    next(b for b in train_at.button if b.label == "Train").click().run()
    jobs = [j for j in Jobs(workspace).jobs() if j.kind == "train"]
    assert len(jobs) == 2 and train_at.success[0].value.startswith("Started train-lab-wc-sft-2-")
    Jobs(workspace).cancel(jobs[0].job_id)
    wait_final(Jobs(workspace), jobs[0].job_id)


def test_bad_names_start_nothing(train_at, workspace):
    train_at.text_input(key="train_name").input("x; rm -rf ~").run()
    next(b for b in train_at.button if b.label == "Train").click().run()
    assert "letters, digits" in train_at.error[0].value
    assert not [j for j in Jobs(workspace).jobs() if j.kind == "train"]
    assert not list(workspace.runs.glob("train-*"))               # nothing written either


def wait_final(runner, job_id, timeout=PATIENCE_S):
    import time

    deadline = time.monotonic() + timeout
    while not runner.status(job_id).final and time.monotonic() < deadline:
        time.sleep(0.5)
    return runner.status(job_id)


@pytest.mark.parametrize("kind,examples", [("sft", 6), ("rft", 4), ("dpo", 4),
                                           ("step-dpo", 2)])
def test_each_method_runs_from_the_page_and_its_accuracy_is_shown(store, workspace, tmp_path,
                                                                  kind, examples):
    from synthqa.ingest.inbox import ingest_inbox
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
    accuracy = store.summaries.generator_stats().set_index("generator")["accuracy"][f"lab-wc-{kind}"]
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


def finished_run(store, workspace, tmp_path, kind, examples, right, name):
    """A succeeded training run as the page sees it: job, settings, manifest, and its greedy
    evaluation (right of 20 held-out problems) in the store."""
    import time

    from synthqa.ingest.commit import import_file
    from synthqa.jobs.table import Job
    from synthqa.lab.model import DATA_DIR
    from synthqa.train.common import TrainConfig

    run_dir = workspace.runs / f"train-{name}"
    run_dir.mkdir(parents=True)
    (run_dir / "data.jsonl").write_text('{"prompt": "p", "completion": "c"}\n')
    TrainConfig(METHOD_OF[kind], str(DATA_DIR / "tiny"), str(run_dir / "data.jsonl"), name,
                str(workspace.root)).save(run_dir)
    (run_dir / "data.jsonl.manifest.json").write_text(json.dumps(
        {"choices": {"kind": kind}, "examples": examples}))
    Jobs(workspace).table.insert(Job(run_dir.name, name, "train", "local", ["x"],
                                     str(run_dir), "SUCCEEDED", created_at=time.time()))
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps({
        "problem_id": f"H{i}", "problem": f"held-out {i}", "gold_answer": "1",
        "generator": name, "solution": f"#### {1 if i < right else 2}"}) + "\n"
        for i in range(20)))
    assert import_file(store, path).n_errors == 0


def test_data_efficiency_fits_a_power_law_and_the_multiplier_over_sft(store, workspace,
                                                                      tmp_path):
    # SFT error 0.2, 0.1, 0.05 on 100, 400, 1600 examples: error = 2 n^-0.5 exactly;
    # step-dpo reaches error 0.1 on 100 examples, which SFT needs 400 for: 4x
    for kind, n, right, name in (("sft", 100, 16, "s1"), ("sft", 400, 18, "s4"),
                                 ("sft", 1600, 19, "s16"), ("step-dpo", 100, 18, "p1")):
        finished_run(store, workspace, tmp_path, kind, n, right, name)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table["kind"]) == ["step-dpo"]
    assert table["multiplier"].iloc[0] == pytest.approx(4.0)
    chart, = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
              if "efficiency" in c.proto.id]
    assert "sft: 2.00·n^-0.500" in [t.get("name") for t in chart["data"]]
    low, high = chart["layout"]["yaxis"]["range"]     # log10 of the error: up to 100%, no more
    assert high == 0 and -2 < low < -1
    assert all(y <= 1 for t in chart["data"] if t.get("mode") == "lines" for y in t["y"])


def test_what_will_run_shows_only_what_applies_to_the_method(train_at):
    sft = json.loads(next(c.value for c in train_at.code if c.language == "json"))
    assert "policy" not in sft["data"]
    assert not {"beta", "rft_samples", "rft_rounds", "problems"} & set(sft["train"])
    assert sft["train"]["batches"] == "padded, examples of similar lengths together"
    assert "float32 weights" in sft["train"]["precision"]
    assert sft["train"]["parallel"] == "one process" and sft["train"]["fsdp"] is False
    train_at.toggle(key="train_fsdp").set_value(True).run()
    sharded = json.loads(next(c.value for c in train_at.code if c.language == "json"))
    assert sharded["train"]["parallel"].startswith("FSDP over 1 process(es)")
    assert any("torch.distributed.run" in c.value for c in train_at.code)     # a launcher
    train_at.toggle(key="train_fsdp").set_value(False).run()
    train_at.toggle(key="train_packing").set_value(True).run()
    packed = json.loads(next(c.value for c in train_at.code if c.language == "json"))
    assert packed["train"]["batches"].startswith("packed rows as long as the longest example")
    train_at.toggle(key="train_lora").set_value(True).run()
    lora = json.loads(next(c.value for c in train_at.code if c.language == "json"))
    assert "bf16 frozen base and float32 adapters" in lora["train"]["precision"]
    assert train_at.toggle(key="train_fsdp").disabled                   # LoRA runs DDP
    train_at.selectbox(key="train_kind").set_value("step-dpo").run()
    dpo = json.loads(next(c.value for c in train_at.code if c.language == "json"))
    assert "policy" in dpo["data"] and "beta" in dpo["train"] and "rft_samples" not in dpo["train"]
    assert train_at.text_input(key="train_name").value == "lab-wc-step-dpo"


def test_a_second_run_gets_a_name_of_its_own(train_at, workspace):
    train_at.number_input(key="train_steps").set_value(1).run()
    train_at.number_input(key="train_eval_n").set_value(0).run()
    assert train_at.text_input(key="train_name").value == "lab-wc-sft"
    next(b for b in train_at.button if b.label == "Train").click().run()
    train_at.number_input(key="train_steps").set_value(2).run()   # another intent, same name
    next(b for b in train_at.button if b.label == "Train").click().run()
    assert train_at.success[0].value.startswith("Started train-lab-wc-sft-2-")
    runner = Jobs(workspace)
    for job in runner.jobs():
        runner.cancel(job.job_id)


def test_values_changed_with_the_click_are_the_ones_trained(train_at, workspace):
    """A person types numbers and clicks Train at once: the run trains what the page shows
    (the click's rerun carries the new values; arguments bound when the button was drawn
    trained 100 steps here)."""
    from synthqa.train.common import TrainConfig

    train_at.number_input(key="train_steps").set_value(7)
    train_at.number_input(key="train_eval_n").set_value(0)
    train_at.toggle(key="train_lora").set_value(True)
    next(b for b in train_at.button if b.label == "Train").click().run()
    runner = Jobs(workspace)
    job, = [j for j in runner.jobs() if j.kind == "train"]
    config = TrainConfig.load(Path(job.run_dir))
    assert (config.max_steps, config.eval_problems, config.lora) == (7, 0, True)
    runner.cancel(job.job_id)
    wait_final(runner, job.job_id)


def test_pass_at_k_below_greedy_is_explained():
    from synthqa.train.launch import sampling_note

    note = sampling_note({"greedy": 0.6, "pass@2": 0.5, "maj@2": 0.4}, 0.8)
    assert note.startswith("pass@2 is below the greedy accuracy") and "temperature 0.8" in note
    assert sampling_note({"greedy": 0.5, "pass@2": 0.7}, 0.8) is None
