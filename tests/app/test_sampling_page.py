"""AppTest for the sampling page: the compute-matched plan, and a launch that starts a job."""
import json
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Untrained lab-sized models, built in a subprocess: torch stays out of this process,
    whose DuckDB bindings otherwise report leaked objects at exit."""
    out = {}
    for size in ("se", "wc"):
        folder = tmp_path_factory.mktemp(size)
        subprocess.run([sys.executable, "-c", BUILD, size, str(folder)], cwd=REPO, check=True)
        out[size] = str(folder)
    return out


BUILD = """import sys
from synthqa.lab.model import make_model, make_tokenizer
tokenizer = make_tokenizer()
make_model(sys.argv[1], tokenizer).save_pretrained(sys.argv[2])
tokenizer.save_pretrained(sys.argv[2])
"""


@pytest.fixture
def sampling_at(workspace, folders):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/sampling.py")
    at.run()
    for role in ("SE", "WC"):
        at.selectbox(key=f"{role}_model").set_value("Other local model folder").run()
        at.text_input(key=f"{role}_name").input(f"tiny-{role.lower()}").run()
        at.text_input(key=f"{role}_path").input(folders[role.lower()]).run()
    return at


def test_the_plan_matches_compute(sampling_at):
    assert not sampling_at.exception
    plan = sampling_at.dataframe[0].value.set_index("role")
    assert plan.loc["SE", "samples per problem"] == 1 and plan.loc["WC", "samples per problem"] == 3
    flops = plan["expected FLOPs"].astype(float)           # shown as text: "1.234e+17"
    ratio = flops["WC"] / flops["SE"]
    assert ratio == pytest.approx(3 / (4_725_888 / 1_577_216), rel=0.01)   # P_SE / P_WC = 3.0
    sampling_at.number_input(key="sample_se_samples").set_value(3).run()
    assert sampling_at.dataframe[0].value.set_index("role").loc["WC", "samples per problem"] == 9


def test_start_sampling_launches_a_job(sampling_at, workspace):
    sampling_at.number_input(key="sample_n").set_value(2)        # changed with the click:
    sampling_at.number_input(key="sample_max_tokens").set_value(16)     # the click's values
    next(b for b in sampling_at.button if b.label == "Start sampling").click().run()
    assert sampling_at.success[0].value.startswith("Started sample-")
    spec, = workspace.runs.glob("sample-*/job.json")
    assert json.loads(spec.read_text())["n_problems"] == 2
    assert json.loads(spec.read_text())["max_tokens"] == 16


def test_a_finished_sampling_job_says_which_engine_sampled(sampling_at, workspace):
    """The job runs to its end; its panel names each role's engine (no GPU: transformers)."""
    import time

    from synthqa.jobs.runner import Jobs

    sampling_at.number_input(key="sample_n").set_value(2).run()
    sampling_at.number_input(key="sample_max_tokens").set_value(8).run()
    next(b for b in sampling_at.button if b.label == "Start sampling").click().run()
    (job,) = Jobs(workspace).jobs()
    while not Jobs(workspace).status(job.job_id).final:     # a real process: wait on its state
        time.sleep(0.2)
    assert Jobs(workspace).status(job.job_id).status == "SUCCEEDED"
    sampling_at.run()
    bars = [p.text for p in sampling_at.get("progress")]
    assert any(t.startswith("SE tiny-se (transformers): 2/2") for t in bars), bars
    assert any(t.startswith("WC tiny-wc (transformers): 2/2") for t in bars), bars
