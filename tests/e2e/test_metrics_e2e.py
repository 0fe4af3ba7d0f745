"""The SE-vs-WC page on a (reduced) lab demo: the metrics compute on the first visit, and a
click on a point of the solution map opens that trace."""

import pytest
from playwright.sync_api import Page, expect

from synthqa.lab.demo import available
from tests.conftest import PATIENCE_MS
from tests.e2e.conftest import lab_demo_server, wait_for_app_run

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")

# Where the first point of the map's last curve is on the screen, and its trace id: the last
# curve is drawn on top, so a click there cannot land on another curve's identical solution.
FIRST_POINT = """() => {
  const gd = document.querySelector('.st-key-compare_map .js-plotly-plot');
  const layout = gd._fullLayout, curve = gd._fullData[gd._fullData.length - 1],
        box = gd.getBoundingClientRect();
  return {x: box.left + layout._size.l + layout.xaxis.l2p(curve.x[0]),
          y: box.top + layout._size.t + layout.yaxis.l2p(curve.y[0]),
          trace: curve.customdata[0][0], generator: curve.customdata[0][1]};
}"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    srv = lab_demo_server(tmp_path_factory.mktemp("demo"), 40)
    yield srv
    srv.stop()


def test_compare_page_on_the_demo_opens_a_trace_from_the_map(page: Page, demo_server):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{demo_server.url}/compare")
    wait_for_app_run(page)
    # The first visit computes the report in the background, then the page fills in.
    # (the curves are there at once, from the store, and drawn again with the report)
    expect(page.get_by_text("up to date with the store")).to_be_visible(timeout=PATIENCE_MS)
    wait_for_app_run(page)
    expect(page.get_by_role("heading", name="At matched compute", exact=True)).to_be_visible()
    expect(page.get_by_text("lab-se: 4,725,888 parameters")).to_be_visible()
    curves = page.locator(".st-key-curves:not([data-stale='true'])")
    curves.hover()                                   # the modebar shows on hover
    with page.expect_download() as download:
        curves.locator(".modebar-btn[data-title^='Download plot']").click()
    assert download.value.suggested_filename.endswith(".svg")   # the sidebar's default format
    page.locator(".st-key-compare_map").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.st-key-compare_map .js-plotly-plot')"
                           "?._fullLayout !== undefined")
    point = page.evaluate(FIRST_POINT)
    page.mouse.click(point["x"], point["y"])
    wait_for_app_run(page)
    heading = page.get_by_role("heading", name=f"{point['generator']} · sample")
    expect(heading).to_be_visible()
    page.screenshot(path=demo_server.home.parent / "compare.png", full_page=True)
