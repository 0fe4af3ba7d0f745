"""AppTest for the judges page: a judge run from the page, its agreement with the humans, the FPR
it gives, and the review queue's active order and judge-corrected estimates."""
import json
import re

from streamlit.testing.v1 import AppTest

from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import ingest_inbox
from synthqa.judges import job as judge_job
from tests.conftest import REPO


def _labelled(store, tmp_path, n=12):
    """n answer-correct traces: every third one flawed at step 1 (a wrong equation there);
    ann labelled all but every third clean one."""
    rows = []
    for i in range(n):
        a, flawed = 3 + i, i % 3 == 0
        rows.append({"problem": f"What is {a} + {a} - {a}?", "generator": "gen",
                     "gold_answer": str(a), "labeller": "ann",
                     "steps": [f"{a} + {a} = {2 * a}",
                               f"{2 * a} - {a} = {a + 1 if flawed else a}", f"#### {a}"]})
        if i % 3 != 2:
            rows[-1]["first_error_step"] = 1 if flawed else -1
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(store, path)


def _judged(store, workspace, tmp_path) -> None:
    """The labelled traces, scored by the step-check judge (run in this process)."""
    _labelled(store, tmp_path)
    assert judge_job.prepare(workspace, store, judge_job.JudgeJob("j", "stepcheck"), "gen")
    judge_job.run(workspace, "j")
    ingest_inbox(store, workspace)


def frame_with(at: AppTest, column: str):
    """The page's table that has this column (AppTest cannot look dataframes up by key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page(page)
    return at.run()


def test_an_empty_judges_page_offers_to_run_one(store, tmp_path):
    _labelled(store, tmp_path)
    at = open_page("pages/judges.py")
    assert not at.exception
    assert any("No judge has scored traces yet" in i.value for i in at.info)
    assert any(b.label == "Run judge" for b in at.button)


def test_a_stepcheck_judge_started_from_the_page_runs_as_a_job(store, workspace, tmp_path):
    from synthqa.jobs.runner import Jobs

    _labelled(store, tmp_path)
    at = open_page("pages/judges.py")
    next(b for b in at.button if b.label == "Run judge").click().run()
    assert any("Started judge-stepcheck" in s.value for s in at.success)
    (job,) = [j for j in Jobs(workspace).jobs() if j.kind == "judge"]
    import time
    while not Jobs(workspace).status(job.job_id).final:  # a real process: wait on its state
        time.sleep(0.2)
    assert Jobs(workspace).status(job.job_id).status == "SUCCEEDED"
    ingest_inbox(store, workspace)
    assert store.count("traces") == 12 and len(store.df("SELECT * FROM judge_scores")) == 12


def test_the_page_shows_agreement_and_the_fpr_with_the_judge(store, workspace, tmp_path):
    _judged(store, workspace, tmp_path)
    at = open_page("pages/judges.py")
    assert not at.exception
    table = frame_with(at, "error_accuracy").set_index("generator")
    assert table.loc["gen", "recall"] == "1.000" and table.loc["gen", "precision"] == "1.000"
    assert all(re.fullmatch(r"\d\.\d{3}|—", v) for v in table["f1"])   # never "None"
    assert table.loc["gen", "n"] == 8
    fpr = frame_with(at, "width (points)")
    assert set(fpr["method"]) == {"labels only", "labels + judge stepcheck (PPI++)",
                                  "labels + judge stepcheck (active)"}
    labels = fpr["labels"].tolist()
    assert labels[:2] == [8, 8] and 2 <= labels[2] < 8  # active: the labelled start of its order
    # the judge is perfect here: PPI++ is narrower than the labels alone
    widths = fpr.set_index("method")["width (points)"]
    assert widths["labels + judge stepcheck (PPI++)"] < widths["labels only"]


def test_review_offers_the_active_order_and_the_judge_corrected_estimates(
        store, workspace, tmp_path):
    _judged(store, workspace, tmp_path)
    at = open_page("pages/review.py")
    assert not at.exception
    assert at.selectbox(key="review_judge").value == "stepcheck"
    methods = frame_with(at, "method")
    assert methods["labels"].tolist()[:2] == [8, 8]
    # rates as text, "—" for one not known yet (a number column flagged "—" as invalid)
    assert all(re.fullmatch(r" *\d+\.\d%|—", rate) for rate in methods["FPR"]), methods
    captions = " ".join(c.value for c in at.caption)
    assert "Rests on labels only, by ann (8)" in captions
    at.segmented_control(key="review_mode").set_value("active (judge)").run()
    at.text_input(key="reviewer_name").input("bob")
    next(b for b in at.button if b.label == "Start reviewing").click().run()
    assert not at.exception and at.session_state["review_trace"] is not None


def test_a_critic_endpoint_outside_the_allow_list_is_refused_and_nothing_starts(
        store, workspace, tmp_path):
    from synthqa.jobs.runner import Jobs

    _labelled(store, tmp_path)
    at = open_page("pages/judges.py")
    at.selectbox(key="jd_backend").set_value("critic").run()
    at.text_input(key="jd_url").input("http://169.254.169.254/latest?").run()
    at.text_input(key="jd_model").input("m").run()
    next(b for b in at.button if b.label == "Run judge").click().run()
    assert "no query or fragment" in at.error[0].value
    at.text_input(key="jd_url").input("http://10.0.0.5:8000").run()
    next(b for b in at.button if b.label == "Run judge").click().run()
    assert "is not allowed on this server" in at.error[0].value
    assert not [j for j in Jobs(workspace).jobs() if j.kind == "judge"]


def test_a_critic_from_a_model_folder_on_the_server_judges_from_the_page(
        store, workspace, tmp_path):
    """No endpoint: the critic is sampled here from a folder (a tiny untrained model: every
    reply is counted, most unparsed); a folder that is no model is refused."""
    import time

    import torch

    from synthqa.jobs.runner import Jobs
    from synthqa.lab.model import make_model, make_tokenizer

    torch.manual_seed(0)
    folder, tokenizer = tmp_path / "tiny-critic", make_tokenizer()
    make_model("wc", tokenizer).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _labelled(store, tmp_path, n=3)
    at = open_page("pages/judges.py")
    at.selectbox(key="jd_backend").set_value("critic").run()
    at.text_input(key="jd_critic_dir").input(str(tmp_path)).run()
    next(b for b in at.button if b.label == "Run judge").click().run()
    assert "is not a model folder" in at.error[0].value
    at.text_input(key="jd_critic_dir").input(str(folder))
    at.number_input(key="jd_n").set_value(2)
    at.number_input(key="jd_max_tokens").set_value(16)
    next(b for b in at.button if b.label == "Run judge").click().run()
    assert any("Started judge-critic" in m.value for m in at.success), at.error
    (job,) = [j for j in Jobs(workspace).jobs() if j.kind == "judge"]
    while not Jobs(workspace).status(job.job_id).final:  # a real process: wait on its state
        time.sleep(0.2)
    assert Jobs(workspace).status(job.job_id).status == "SUCCEEDED"
    ingest_inbox(store, workspace)
    scores = store.df("SELECT judge, votes FROM judge_scores")
    assert set(scores.judge) == {"critic:tiny-critic"} and (scores.votes == 2).all()


def test_run_judge_clicked_twice_starts_one_job(store, workspace, tmp_path, monkeypatch):
    """One job per intent (issue 27, item 9): while the first run with these settings waits
    (another job holds the one slot), a second click, or a click Streamlit delivers twice
    under load, shows it instead of starting another; other settings start their own."""
    from synthqa.jobs.runner import Jobs
    from tests.jobs.test_jobs import PY, finished

    monkeypatch.setenv("SYNTHQA_MAX_JOBS", "1")
    _labelled(store, tmp_path)
    runner = Jobs(workspace)
    gate = tmp_path / "go"
    holder, _ = runner.submit("hold", [PY, "-c", (
        "import pathlib, time\n"
        f"while not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.05)")], "hold")
    try:
        at = open_page("pages/judges.py")
        for _ in range(2):
            next(b for b in at.button if b.label == "Run judge").click().run()
        (first,) = [j for j in runner.jobs() if j.kind == "judge"]
        assert any(f"Already running with these settings: {first.job_id}." in i.value
                   for i in at.info)
        at.number_input(key="jd_limit").set_value(3)     # changed with the click: its value
        next(b for b in at.button if b.label == "Run judge").click().run()
        assert len([j for j in runner.jobs() if j.kind == "judge"]) == 2
    finally:
        gate.touch()
        for job in runner.jobs():
            runner.cancel(job.job_id)
            assert finished(runner, job.job_id)
