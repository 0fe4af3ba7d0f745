"""MATH-style traces render as math in Chromium: KaTeX output, no raw LaTeX delimiter left."""
import re

from playwright.sync_api import Page, expect

from synthqa.store import Store
from tests.conftest import FIXTURES
from tests.e2e.conftest import Server, import_into, wait_for_app_run

# What a reader must never see: a delimiter or a command KaTeX should have typeset.
RAW = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\(?:frac|boxed|begin|sqrt|cdot|binom)\b")
# The page's text without KaTeX's output (its MathML copy holds the TeX source) and tables.
VISIBLE_TEXT = """() => {
  const main = document.querySelector('[data-testid="stMain"]').cloneNode(true);
  main.querySelectorAll('.katex, .katex-display, [data-testid="stDataFrame"]')
      .forEach(e => e.remove());  // a table cell shows the source text
  return main.textContent;
}"""


def test_math_style_traces_render_every_delimiter(page: Page, tmp_path):
    home = tmp_path / "ws"
    import_into(home, FIXTURES / "math_processbench.json")
    store = Store(home / "synthqa.duckdb")
    traces = store.df("SELECT trace_id FROM traces ORDER BY rowid").trace_id
    store.close()
    srv = Server(home, tmp_path)
    try:
        page.set_viewport_size({"width": 1400, "height": 1000})
        money = 0
        for n, trace_id in enumerate(traces):
            page.goto(f"{srv.url}/traces?trace={trace_id}")
            wait_for_app_run(page)
            heading = page.get_by_role("heading", name=re.compile(r"· sample \d"))
            heading.wait_for()
            expect(page.get_by_test_id("stSkeleton")).to_have_count(0)  # lazy parts loaded
            assert page.locator("[data-testid='stMain'] .katex").count() >= 1, trace_id
            assert page.locator(".katex-error").count() == 0, trace_id
            text = page.evaluate(VISIBLE_TEXT)
            assert not RAW.findall(text), (trace_id, RAW.findall(text))
            money += "In total $24 + $9 = $33." in text    # GSM8K-style money stays money
            if n == 0:   # the tab's icon is the app's own file, not a font CDN's
                icon = page.locator("link[rel='shortcut icon'], link[rel='icon']").first
                assert icon.get_attribute("href").startswith(srv.url), \
                    icon.get_attribute("href")
            if n < 3:
                heading.scroll_into_view_if_needed()
                page.screenshot(path=tmp_path / f"math-{n}.png")
        assert money == 1
    finally:
        srv.stop()
