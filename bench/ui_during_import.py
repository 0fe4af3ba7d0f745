"""How long the dashboard takes to answer while it ingests a large import.

    python -m bench.ui_during_import [--traces 100000]

Starts `streamlit run app.py` on a fresh workspace, queues a generated file through the CLI
(the server holds the store, so its watcher ingests it), and polls the server's health endpoint
every 50 ms until the import's result lands: the latency of every answer while the import runs.
Issue 12: before imports were staged in a worker process, one hostile record held the server's
GIL and its health check took 49 s.

`--hostile` compares, in one process, the longest pause of a thread that stands for the pages
(it wakes every 10 ms) while another thread ingests 1 MB hostile records (bench.hostile_records)
staged in this process, and staged in a worker process as the dashboard does.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from synthqa.ingest.inbox import Inbox
from tests.e2e.conftest import Server

REPO = Path(__file__).resolve().parents[1]


def health_latency(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=600) as resp:
        resp.read()
    return time.perf_counter() - start


def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "big.jsonl"
        subprocess.run([sys.executable, "bench/gen_traces.py", str(data), "--n",
                        str(args.traces)], cwd=REPO, check=True)
        server = Server(tmp / "ws", tmp)
        try:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "synthqa", "-q", "--workspace",
                            str(tmp / "ws"), "import", str(data)], cwd=REPO, check=True,
                           capture_output=True)
            done = tmp / "ws" / "inbox" / "done"
            latencies = []
            while not any(done.glob("*.result.json")):
                latencies.append(health_latency(server.url))
                time.sleep(0.05)
            took = time.perf_counter() - started
        finally:
            server.stop()
    latencies.sort()
    print(f"import of {args.traces:,} traces through the dashboard: {took:.1f} s; "
          f"{len(latencies)} health checks meanwhile: median {statistics.median(latencies) * 1e3:.1f} ms, "
          f"p99 {latencies[int(0.99 * (len(latencies) - 1))] * 1e3:.1f} ms, "
          f"max {latencies[-1] * 1e3:.1f} ms ({os.cpu_count()} cores)")


def heartbeat_pause(ingest) -> tuple[float, float]:
    """(seconds `ingest` took, the longest gap between 10 ms ticks of another thread)."""
    import threading

    gaps, stop = [], threading.Event()

    def tick():
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last - 0.01)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    started = time.perf_counter()
    ingest()
    took = time.perf_counter() - started
    stop.set()
    ticker.join()
    return took, max(gaps)


def hostile(args) -> None:
    import json

    from bench.hostile_records import CASES
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.workspace import Workspace

    for worker in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            ws = Workspace(Path(tmp) / "ws").init()
            lines = [json.dumps({"problem": f"p{i}", "generator": "g", "solution": make()})
                     for i, make in enumerate(CASES.values())]
            data = Path(tmp) / "hostile.jsonl"
            data.write_text("\n".join(lines) + "\n")
            Inbox(ws).drop_file(data, "generic")
            store = ws.open_store()
            took, pause = heartbeat_pause(lambda: ingest_inbox(store, ws, worker=worker))
            store.close()
        where = "a worker process" if worker else "the serving process"
        print(f"{len(CASES)} hostile 1 MB records staged in {where}: import {took:.2f} s, "
              f"longest pause of the page thread {pause * 1e3:.0f} ms")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--hostile", action="store_true",
                        help="the page thread's pauses, staged here vs in a worker")
    return parser


if __name__ == "__main__":
    parsed = make_parser().parse_args()
    hostile(parsed) if parsed.hostile else main(parsed)
