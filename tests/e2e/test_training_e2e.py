"""Train from the page on a small lab demo: one SFT job runs to its held-out accuracy with the
progress bar moving, another is cancelled."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from synthqa.jobs.runner import Jobs
from synthqa.lab.demo import available
from synthqa.train.common import TrainConfig
from synthqa.workspace import Workspace
from tests.conftest import PATIENCE_MS
from tests.e2e.conftest import lab_demo_server, wait_for_app_run

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    srv = lab_demo_server(tmp_path_factory.mktemp("train"), 20)
    yield srv
    srv.stop()


def set_number(page: Page, label: str, value: int) -> None:
    """Type a number and see it held (on a busy machine a value typed while the page's live
    job panels rerun can come back as it was; a person would see that and type it again)."""
    box = page.get_by_label(label)
    for _ in range(3):
        box.fill(str(value))
        page.keyboard.press("Tab")
        wait_for_app_run(page)
        if box.input_value() == str(value):
            break
    expect(box).to_have_value(str(value))


def test_train_sft_watch_it_finish_and_cancel_another(page: Page, lab_server):
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{lab_server.url}/train")
    wait_for_app_run(page)
    set_number(page, "Steps", 300)
    set_number(page, "Held-out problems", 20)
    page.get_by_role("button", name="Train").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Started train-lab-wc-sft-")).to_be_visible()
    (job,) = Jobs(Workspace(lab_server.home)).jobs()         # it trains what the page shows
    config = TrainConfig.load(Path(job.run_dir))
    assert (config.max_steps, config.eval_problems) == (300, 20)
    run = page.locator("[class*='st-key-job_train-lab-wc-sft-']").first
    # its bar counts the steps done: while it trains, or 300 of 300 once it is done (a busy
    # machine may refresh the page only then)
    expect(run.get_by_text(re.compile(r"step [1-9]\d* of 300"))).to_be_visible(
        timeout=PATIENCE_MS)
    expect(run.get_by_text("· SUCCEEDED · held-out accuracy")).to_be_visible(timeout=PATIENCE_MS)
    expect(run.get_by_text("step 300 of 300")).to_be_visible()

    page.get_by_label("Name of the trained model").fill("lab-wc-long")
    page.keyboard.press("Tab")
    wait_for_app_run(page)
    set_number(page, "Steps", 100000)
    page.get_by_role("button", name="Train").click()
    wait_for_app_run(page)
    second = page.locator("[class*='st-key-job_train-lab-wc-long-']")
    expect(second.get_by_text("· RUNNING")).to_be_visible(timeout=PATIENCE_MS)
    second.get_by_role("button", name="Cancel").click()
    expect(second.get_by_text("· STOPPED")).to_be_visible(timeout=PATIENCE_MS)
