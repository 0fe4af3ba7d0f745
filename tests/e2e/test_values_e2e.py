"""Step values in a real browser: a click on a value square shows the rollouts from that
prefix beside the gold answer; the first trace offered has a pit."""
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from synthqa.lab.demo import available
from tests.conftest import PATIENCE_MS
from tests.e2e.conftest import REPO_ROOT, Server, wait_for_app_run

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


@pytest.fixture
def values_server(tmp_path):
    ws = tmp_path / "ws"
    for args in (["demo", "--problems", "20"],
                 ["rollouts", "--generator", "lab-wc", "--limit", "8", "-k", "4"]):
        subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace", str(ws), *args],
                       cwd=REPO_ROOT, check=True, capture_output=True)
    srv = Server(ws, tmp_path)
    yield srv
    srv.stop()


def test_a_value_square_opens_its_rollouts_beside_the_gold(page: Page, values_server):
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{values_server.url}/values")
    wait_for_app_run(page)
    expect(page.locator(".st-key-pit_trace input")).to_have_value(
        re.compile(r"pit at step \d"), timeout=PATIENCE_MS)
    squares = page.locator(".js-plotly-plot .scatterlayer .point")
    expect(squares.first).to_be_visible()
    squares.nth(1).click(force=True)
    expect(page.get_by_text("Rollouts after 1 step(s) · gold answer")).to_be_visible(
        timeout=PATIENCE_MS)
    heading = page.locator("p", has_text="Rollouts after 1 step(s)")
    expect(heading).to_contain_text(re.compile(r"gold answer -?\d+"))
