"""Every dashboard page on a large workspace, in Chromium: how long until it shows its numbers.

    python -m bench.page_walk --workspace DIR [--rounds 2]

Starts `streamlit run app.py` on DIR (a bench workspace, e.g. `python -m bench.import_throughput
--n 1000000 --workers 0 --keep DIR`, with its report computed by `python -m synthqa --workspace
DIR metrics --no-embed`), opens it in headless Debian Chromium and clicks through the sidebar
as a user does, `--rounds` times. Per page: seconds from the click until the page's script has
finished (every number drawn), and how many metrics, tables and charts it then shows. The
sidebar's inbox fragment is slowed to once an hour, so that its reruns are not taken for the
end of a page's run.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Server, wait_for_app_run

PAGES = ["Traces", "Review", "Data quality", "SE vs WC", "Judges", "Sampling", "Problems",
         "Step values", "Training", "Workspace"]
SHOWN = {"metrics": "[data-testid='stMetric']", "tables": "[data-testid='stDataFrame']",
         "charts": "[data-testid='stPlotlyChart']"}


# Resolves when the app's script state leaves 'running' (an observer set before the click, so
# a short run is not missed, and the state before the click is not taken for the end of it).
WATCH = """() => { const app = document.querySelector("[data-testid='stApp']");
  window.__ran = new Promise(resolve => { const obs = new MutationObserver(records => {
    if (records.some(r => r.oldValue === 'running') && app.dataset.testScriptState !== 'running')
      { obs.disconnect(); resolve(true); } });
    obs.observe(app, {attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']}); }); }"""


def visit(page, title: str) -> tuple[float, dict]:
    page.evaluate(WATCH)
    start = time.perf_counter()
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first.click()
    ended = page.evaluate("() => Promise.race([window.__ran, "
                          "new Promise(r => setTimeout(() => r(false), 300000))])")
    seconds = time.perf_counter() - start
    if not ended:
        raise RuntimeError(f"{title}: the page's script did not finish in 5 minutes")
    return seconds, {k: page.locator(s).count() for k, s in SHOWN.items()}


def main(args) -> None:
    home = Path(args.workspace)
    with tempfile.TemporaryDirectory() as logs:
        server = Server(home, Path(logs), inbox_poll_s=3600)  # no inbox reruns meanwhile
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                start = time.perf_counter()
                page.goto(server.url)
                wait_for_app_run(page)
                print(f"first load (Workspace page): {time.perf_counter() - start:.2f} s")
                times: dict[str, list[float]] = {t: [] for t in PAGES}
                shown = {}
                for _ in range(args.rounds):
                    for title in PAGES:
                        seconds, shown[title] = visit(page, title)
                        times[title].append(seconds)
                browser.close()
        finally:
            server.stop()
    print(f"{'page':14} {'median s':>9} {'max s':>7}  shown")
    for title in PAGES:
        print(f"{title:14} {statistics.median(times[title]):9.2f} {max(times[title]):7.2f}  "
              + ", ".join(f"{n} {k}" for k, n in shown[title].items()))


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
