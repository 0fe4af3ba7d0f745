"""Synthetic problems in a real browser: write a set like the lab test problems, check it
against them, see the copies flagged with the test problem they copy."""
import json

from playwright.sync_api import Page, expect

from synthqa.lab.problems import make_problems
from tests.conftest import PATIENCE_MS
from tests.e2e.conftest import Server, import_into, wait_for_app_run


def _lab_traces(path, n=60):
    """Short lab chains (1 operation, 1 digit): a writer like them is bound to copy some."""
    rows = [{"problem": p.text, "source": "lab", "gold_answer": str(p.answer),
             "generator": "g", "solution": p.solution}
            for p in make_problems(n, seed=4, ops=(1, 1), digits=(1, 1))]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_generate_and_check_a_set_in_the_browser(page: Page, tmp_path):
    home = tmp_path / "ws"
    import_into(home, _lab_traces(tmp_path / "lab.jsonl"))
    srv = Server(home, tmp_path)
    try:
        page.set_viewport_size({"width": 1400, "height": 1200})
        page.goto(f"{srv.url}/problems")
        wait_for_app_run(page)
        page.get_by_label("Name of the new set").fill("syn")
        page.get_by_role("button", name="Generate").click()
        expect(page.get_by_text("syn: 200 problems written")).to_be_visible(
            timeout=PATIENCE_MS)
        wait_for_app_run(page)
        page.get_by_role("button", name="Check").click()
        expect(page.get_by_text("only 13-gram overlap flags")).to_be_visible(
            timeout=PATIENCE_MS)
        wait_for_app_run(page)
        metric = page.get_by_test_id("stMetric").filter(has_text="Contaminated")
        copies = int(metric.get_by_test_id("stMetricValue").inner_text().replace(",", ""))
        assert 0 < copies < 200                 # 60 of the ~270 one-step chains are tests
        expect(page.get_by_test_id("stDataFrame").last).to_be_visible()
        page.screenshot(path=tmp_path / "problems.png", full_page=True)
    finally:
        srv.stop()
