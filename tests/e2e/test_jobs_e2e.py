"""Launch jobs from the Sampling page: one runs to the end and its traces arrive, one is
cancelled."""
import pytest
from playwright.sync_api import Page, expect

from synthqa.lab.demo import available
from tests.conftest import PATIENCE_MS
from tests.e2e.conftest import wait_for_app_run

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


def start_sampling(page: Page, problems: int) -> None:
    page.get_by_label("How many").fill(str(problems))
    page.keyboard.press("Tab")
    wait_for_app_run(page)
    page.get_by_role("button", name="Start sampling").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Started sample-")).to_be_visible()


def test_a_sampling_job_runs_and_another_is_cancelled(page: Page, server):
    url, home = server
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(f"{url}/sampling")
    wait_for_app_run(page)
    start_sampling(page, 2)
    expect(page.get_by_text("· SUCCEEDED")).to_be_visible(timeout=PATIENCE_MS)
    # its shards went through the inbox into the store: the sidebar counts the traces
    expect(page.get_by_text("2 problems ·", exact=False).first).to_be_visible(timeout=PATIENCE_MS)

    start_sampling(page, 5000)
    expect(page.get_by_text("· RUNNING")).to_be_visible(timeout=PATIENCE_MS)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("· STOPPED")).to_be_visible(timeout=PATIENCE_MS)
