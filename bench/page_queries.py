"""Traces page interactions on a large workspace: median and p95 per interaction.

    python -m bench.page_queries --n 1000000 [--workspace DIR]

Builds (or reuses) a workspace of N generated traces with 5 steps each, then times what the
traces page runs for each interaction: count + one page for a filter, and opening a trace.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.gen_traces import main as generate
from bench.gen_traces import make_parser as gen_parser
from synthqa.config import Settings
from synthqa.ingest.commit import import_file
from synthqa.store import Store
from synthqa.store.filters import TraceFilter
from synthqa.workspace import Workspace

FILTERS = {
    "no filter": TraceFilter(),
    "generator": TraceFilter(generators=("wc",)),
    "generator + wrong answer": TraceFilter(generators=("wc",), correctness="wrong"),
    "suspects": TraceFilter(suspect="suspects"),
    "text search": TraceFilter(text="gets 42 more"),
    "text search, one word": TraceFilter(text="apples"),
    "text search, rare": TraceFilter(text="Problem 4242:"),
    "steps 4-5 + tokens": TraceFilter(steps=(4, 5), tokens=(40, 50)),
}


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def build(ws: Workspace, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "traces.jsonl"
        generate(gen_parser().parse_args([str(data), "--n", str(n), "--extra-steps", "2"]))
        store = ws.open_store()
        import_file(store, data, settings=Settings.from_env(ws.root))
        store.close()


def open_built(workspace: str, n: int) -> Store:
    """The bench workspace's store, built first when it holds fewer than n traces."""
    ws = Workspace(Path(workspace)).init()
    store = ws.open_store()
    if store.count("traces") < n:
        store.close()
        build(ws, n)
        store = ws.open_store()
    return store


def main(args) -> None:
    store = open_built(args.workspace, args.n)
    if not store.search_in_sync():
        start = time.perf_counter()
        n = store.rebuild_search()
        print(f"full-text index built: {n:,} traces in {time.perf_counter() - start:.1f} s")
    print(f"{store.count('traces'):,} traces, {store.count('steps'):,} steps; "
          f"{args.repeat} runs each; milliseconds")
    print(f"{'interaction':34} {'median':>8} {'p95':>8}")
    scans = {f"{name} (ILIKE scan)": flt for name, flt in FILTERS.items() if flt.text}
    for name, flt in {**FILTERS, **scans}.items():
        def interaction(flt=flt, scan=name in scans):
            # the page's work per run: its SQL (a text query through the index, unless the
            # name says scan), the count and one page
            where, params = flt.where() if scan else store.traces.where(flt)
            store.traces.count(where, params)
            store.traces.page(where, params, 50, 0)
        med, p95 = timed(interaction, args.repeat)
        print(f"{'filter: ' + name:34} {med:8.1f} {p95:8.1f}")
    where, params = TraceFilter().where()
    last = store.traces.count(where, params) // 50 * 50
    med, p95 = timed(lambda: store.traces.page(where, params, 50, last), args.repeat)
    print(f"{'last page (offset ' + format(last, ',') + ')':34} {med:8.1f} {p95:8.1f}")
    ids = store.traces.page(where, params, 50, 5000).trace_id.tolist()

    def open_trace():
        t = ids.pop() if ids else store.scalar("SELECT min(trace_id) FROM traces")
        store.traces.get(t), store.traces.problem_of(t), store.traces.steps_of(t), store.labels.of_trace(t)
        store.traces.siblings(t)
    med, p95 = timed(open_trace, args.repeat)
    print(f"{'open a trace (5 queries)':34} {med:8.1f} {p95:8.1f}")
    store.close()


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workspace", default=str(Path(tempfile.gettempdir()) / "synthqa-bench"))
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
