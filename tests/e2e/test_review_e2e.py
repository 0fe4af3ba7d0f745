"""Browse, flag and review in a real browser on the public GSM8K file."""
import os
import signal

from playwright.sync_api import Page, expect

from synthqa.store import Store
from tests.conftest import PATIENCE_MS, shared_file
from tests.e2e.conftest import Server, import_into, wait_for_app_run

GRID_ROW_1 = 52  # px from the grid's top edge to the middle of its first data row


def select_first_row(page: Page) -> None:
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + GRID_ROW_1)
    wait_for_app_run(page)


def sign_in(page: Page, name: str) -> None:
    page.get_by_label("Your name (stored with every label)").fill(name)
    page.get_by_role("button", name="Start reviewing").click()
    wait_for_app_run(page)


def test_shared_filter_url_select_flag_reload(page: Page, gsm8k_server, tmp_path):
    url = f"{gsm8k_server.url}/traces?generator=175b_verification&answer=correct&checks=suspects"
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(url)
    wait_for_app_run(page)
    expect(page.get_by_text("traces match")).to_contain_text("5")   # 175B suspects on GSM8K
    page.screenshot(path=tmp_path / "traces.png")
    select_first_row(page)
    expect(page.get_by_role("heading", name="175b_verification · sample 0")).to_be_visible()
    sign_in(page, "alice")
    page.get_by_role("button", name="First bad").first.click()
    wait_for_app_run(page)
    page.get_by_role("button", name="False positive").click()
    wait_for_app_run(page)
    expect(page.get_by_text("alice: false positive")).to_be_visible(timeout=PATIENCE_MS)  # saved
    expect(page.get_by_text("first bad step: alice")).to_be_visible()

    page.reload()
    wait_for_app_run(page)
    expect(page.get_by_text("traces match")).to_contain_text("5")   # the URL kept the filters
    select_first_row(page)
    expect(page.get_by_text("first bad step: alice")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").last).to_contain_text("false_positive")
    page.screenshot(path=tmp_path / "trace.png")


def reviewing(browser, server, names) -> list[Page]:
    """A browser context per reviewer on the 6B verifier's review queue, signed in."""
    pages = []
    for name in names:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(f"{server.url}/review?review_generator=6b_verification")
        wait_for_app_run(page)
        sign_in(page, name)
        pages.append(page)
    return pages


def test_two_reviewers_label_at_the_same_time(browser, gsm8k_server):
    pages = reviewing(browser, gsm8k_server, ("bob", "carol"))
    problems = [p.locator(".st-key-review_card").inner_text()
                for p in pages]
    assert problems[0] != problems[1]                 # different traces for different people
    for page, verdict in zip(pages, ("Reasoning correct", "False positive")):
        page.get_by_role("button", name=verdict).click()
    wait_for_app_run(pages[1])  # a false positive asks for its first bad step
    pages[1].get_by_role("button", name="Cannot locate it").click()
    for page in pages:
        wait_for_app_run(page)
        expect(page.get_by_text("Saved:")).to_be_visible()
    pages[0].reload()
    wait_for_app_run(pages[0])
    expect(pages[0].get_by_text("(95% CI")).to_contain_text("n = 2")   # both verdicts count


def test_kill_9_right_after_a_label_is_acknowledged_loses_nothing(page: Page, tmp_path):
    home = tmp_path / "ws"
    import_into(home, shared_file("gsm8k_example_model_solutions.jsonl"))
    srv = Server(home, tmp_path)
    try:
        page.goto(f"{srv.url}/review?review_generator=175b_finetuning")
        wait_for_app_run(page)
        sign_in(page, "dave")
        page.get_by_role("button", name="False positive").click()
        wait_for_app_run(page)
        page.get_by_role("button", name="Cannot locate it").click()
        expect(page.get_by_text("Saved: False positive, first bad step not located.")
               ).to_be_visible()
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait()
    finally:
        srv.stop()
    store = Store(home / "synthqa.duckdb")
    labels = store.df("SELECT kind, value, who FROM labels")
    store.close()
    assert labels.values.tolist() == [["reasoning", "false_positive", "dave"]]


def test_two_reviewers_under_load_leave_one_label_row_per_verdict(browser, gsm8k_server):
    """Verdicts clicked twice in quick succession, by two reviewers, while every core is busy:
    each (reviewer, trace, kind) holds one row (issue 27, item 13)."""
    import subprocess
    import sys

    from synthqa.workspace import Workspace

    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(os.cpu_count() or 2)]
    try:
        pages = reviewing(browser, gsm8k_server, ("frank", "grace"))
        for _ in range(3):
            for page, verdict in zip(pages, ("Reasoning correct", "Unsure")):
                page.get_by_role("button", name=verdict).dblclick()
            for page in pages:
                wait_for_app_run(page)
                expect(page.get_by_text("Saved:")).to_be_visible(timeout=PATIENCE_MS)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    with Workspace(gsm8k_server.home).reader() as store:
        rows = store.df("SELECT who, trace_id, kind, count(*) AS n FROM labels "
                        "WHERE who IN ('frank', 'grace') GROUP BY ALL")
    assert set(rows.who) == {"frank", "grace"} and (rows.n == 1).all(), rows
    assert rows.groupby("who").trace_id.nunique().min() >= 1
