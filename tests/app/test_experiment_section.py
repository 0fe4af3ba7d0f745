"""AppTest for the Training page's lab experiment: its tables from an experiment's results,
and one background job per click."""
import json
from dataclasses import asdict

import pytest
from streamlit.testing.v1 import AppTest

from synthqa.jobs.runner import Jobs
from synthqa.lab.demo import available
from synthqa.train import experiment
from synthqa.train import experiment_plan as plans
from tests.conftest import REPO
from tests.toy import fill
from tests.train.test_experiment import lab_traces

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


def training_page():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py")
    return at.run()


def finished(workspace) -> None:
    folder = experiment.folder_for(workspace)
    folder.mkdir(parents=True)
    plan = plans.Plan(students=("tiny",), fractions=(0.5, 1.0), seeds=2,
                           flops={"lab-se": 8.4e10, "lab-wc": 8.5e10})
    (folder / "plan.json").write_text(json.dumps(asdict(plan)))
    rows = [{"part": "se-vs-wc", "student": "tiny", "method": "sft", "data": gen,
             "fraction": 1.0, "seed": s, "examples": 100, "accuracy": acc + s / 100,
             "name": f"{gen}-{s}"} for gen, acc in (("lab-se", 0.40), ("lab-wc", 0.50))
            for s in range(2)]
    rows += [{"part": "methods", "student": "tiny", "method": m, "data": "lab-wc",
              "fraction": f, "seed": s, "examples": n, "accuracy": acc, "name": f"{m}{f}{s}"}
             for m, gain in (("sft", 0.0), ("step-dpo", 0.05)) for f, n in ((0.5, 50), (1.0, 100))
             for s in range(2) for acc in [0.4 + 0.1 * f + gain]]
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    experiment.progress_file.write(folder, len(rows), len(rows))


def test_an_experiments_tables_findings_and_curves_are_shown(store, workspace):
    finished(workspace)
    at = training_page()
    assert not at.exception
    assert any("WC data >= SE data for 1 of 1 students" in m.value for m in at.markdown)
    se_wc = next(d.value for d in at.dataframe if "WC - SE" in d.value.columns)
    assert se_wc["WC - SE"].iloc[0] == pytest.approx(0.10)
    methods = next(d.value for d in at.dataframe if "fraction" in d.value.columns)
    assert list(methods["method"]) == ["sft", "sft", "step-dpo", "step-dpo"]
    assert any(c.proto.id and "experiment_efficiency" in c.proto.id
               for c in at.get("plotly_chart"))
    assert any("8.40e+10 FLOPs" in m.value for m in at.markdown)


def test_without_the_lab_pairs_traces_the_experiment_cannot_start(store, workspace, tmp_path):
    fill(store, tmp_path)                                  # generators wc and se, not lab-*
    at = training_page()
    button = next(b for b in at.button if b.label == "Run the experiment")
    assert button.disabled
    assert not experiment.folders(workspace)


def test_run_starts_one_experiment_job(store, workspace, tmp_path):
    lab_traces(store, tmp_path)
    at = training_page()
    at.number_input(key="exp_seeds").set_value(1)           # changed with the click
    button = next(b for b in at.button if b.label == "Run the experiment")
    assert not button.disabled
    button.click().run()
    assert at.success[0].value.startswith("Started experiment-")
    runner = Jobs(workspace)
    jobs = [j for j in runner.jobs() if j.kind == "experiment"]
    assert len(jobs) == 1
    folder, = experiment.folders(workspace)
    assert plans.load_plan(folder).seeds == 1 and (folder / "sft-lab-wc.jsonl").is_file()
    runner.cancel(jobs[0].job_id)
    assert runner.status(jobs[0].job_id).final
