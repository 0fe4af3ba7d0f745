"""The workspace page in a real browser: imports from the form and from another process."""
import subprocess
import sys

from playwright.sync_api import Page, expect

from tests.conftest import EXAMPLE, PATIENCE_MS, REPO
from tests.e2e.conftest import import_into, wait_for_app_run


def test_import_from_a_path_in_the_browser(page: Page, server, tmp_path):
    url, _ = server
    page.goto(url)
    wait_for_app_run(page)
    expect(page.get_by_text("This workspace is empty")).to_be_visible()
    page.get_by_label("…or a path on the server").fill(str(EXAMPLE))
    page.get_by_label("…or a path on the server").press("Enter")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported example_traces.jsonl (generic): 5 traces, 5 new."))\
        .to_be_visible()
    expect(page.get_by_text("5 traces · 3 problems · 5 labels")).to_be_visible()
    page.screenshot(path=tmp_path / "imported.png", full_page=True)


def test_a_cli_import_appears_in_the_open_dashboard_without_reload(page: Page, server):
    url, home = server
    page.goto(url)
    wait_for_app_run(page)
    expect(page.get_by_text("0 traces · 0 problems · 0 labels")).to_be_visible()
    out = subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace", str(home),
                          "import", str(EXAMPLE)], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0 and "queued" in out.stdout
    # no reload: the page's inbox watcher ingests the file and refreshes itself
    expect(page.get_by_text("5 traces · 3 problems · 5 labels")).to_be_visible(timeout=PATIENCE_MS)
    expect(page.get_by_text("Imported example_traces.jsonl (generic)")).to_be_visible()


def _one_record(name: str) -> str:
    import json

    return json.dumps({"problem": f"{name}: 2 + 2?", "generator": name, "gold_answer": "4",
                       "solution": "2 + 2 = 4\n#### 4"}) + "\n"


def test_an_upload_and_its_result_stay_while_other_imports_arrive(page: Page, server, tmp_path):
    url, home = server
    import_into(home, EXAMPLE)             # queued: the dashboard's watcher ingests it
    page.goto(url)
    expect(page.get_by_text("5 traces · 3 problems")).to_be_visible(timeout=PATIENCE_MS)
    page.reload()                          # not empty: the Import expander starts closed
    wait_for_app_run(page)
    page.get_by_test_id("stExpander").get_by_text("Import traces").click()
    wait_for_app_run(page)                 # opening it reruns the page
    upload = tmp_path / "mine.jsonl"
    upload.write_text(_one_record("mine"))
    page.locator("input[type='file']").set_input_files(upload)
    # the file is on the server only once the page says so; a click before that finds none
    expect(page.get_by_text("Ready to import mine.jsonl")).to_be_visible(timeout=PATIENCE_MS)
    page.get_by_role("button", name="Import").click()
    mine = page.get_by_text("Imported mine.jsonl (generic)")
    expect(mine).to_be_visible(timeout=PATIENCE_MS)
    expect(page.get_by_text("Ready to import")).to_have_count(0)   # the uploader is emptied
    other = tmp_path / "other.jsonl"
    other.write_text(_one_record("other"))
    out = subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace", str(home),
                          "import", str(other)], cwd=REPO, capture_output=True, text=True)
    assert "queued" in out.stdout
    expect(page.get_by_text("Imported other.jsonl (generic)")).to_be_visible(timeout=PATIENCE_MS)
    wait_for_app_run(page)
    expect(mine).to_be_visible()                                   # the user's result stays
    expect(page.get_by_role("button", name="Import")).to_be_visible()  # the expander is open
    expect(page.get_by_text("mine.jsonl").first).to_be_visible()   # and the upload's result
