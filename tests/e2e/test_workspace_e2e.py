"""The workspace page in a real browser: imports from the form and from another process."""
import subprocess
import sys

from playwright.sync_api import Page, expect

from tests.conftest import EXAMPLE, REPO
from tests.e2e.conftest import wait_for_app_run
from tests.conftest import PATIENCE_MS


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
