import sys
from pathlib import Path
from playwright.sync_api import sync_playwright
from tests.e2e.conftest import Server, wait_for_app_run, CHROMIUM, CHROMIUM_ARGS
ws, tag = Path(sys.argv[1]), sys.argv[2]
srv = Server(ws, Path("/tmp"))
try:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = b.new_page(viewport={"width": 1400, "height": 1300})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        def shot(url, name, after=None):
            page.goto(f"{srv.url}/{url}"); wait_for_app_run(page)
            if after: after()
            page.wait_for_timeout(2500); wait_for_app_run(page)
            page.screenshot(path=f"/tmp/w-{tag}-{name}.png", full_page=True)
            print(name, "exceptions", page.locator("[data-testid=stException]").count(),
                  page.get_by_text("traces match").first.text_content() if "traces" in url else "")
        def last_page():
            box = page.get_by_role("spinbutton").first
            import re
            last = re.search(r"of ([\d,]+)", page.get_by_text("Page (of").first.text_content())
            box.fill(last.group(1).replace(",", "")); box.press("Enter"); wait_for_app_run(page)
        def open_row():
            grid = page.get_by_test_id("stDataFrame").first
            bb = grid.bounding_box(); page.mouse.click(bb["x"] + 15, bb["y"] + 35 * 2 + 10)
        shot("traces?answer=wrong", "wrong-last", last_page)
        shot(f"traces?q={sys.argv[3]}", "search-open", open_row)
        shot("problems", "problems")
        shot("compare", "compare")
        print("page errors", errors)
        b.close()
finally:
    srv.stop()
