"""Import throughput (traces/s) of SynthQA against DuckDB's own read_json on the same file.

    python -m bench.import_throughput --n 1000000 [--extra-steps 2] [--workers 1 0]

Each `--workers` value is one import into a fresh store (SYNTHQA_IMPORT_WORKERS: 1 = this
process alone, 0 = one worker process per core), all against the same file in one run.

SynthQA's import does far more per trace than read_json (splitting, answer extraction and
verification, step checks, ids, dedup, one transaction): the ratio is the price of that work.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from bench.gen_traces import main as generate
from bench.gen_traces import make_parser as gen_parser
from synthqa.config import Settings
from synthqa.ingest.commit import import_file
from synthqa.store import Store
from synthqa.workspace import Workspace


def main(args) -> None:
    if args.keep and len(args.workers) > 1:
        raise SystemExit("--keep imports once: give one --workers value")
    with tempfile.TemporaryDirectory(prefix="synthqa-bench-") as tmp:
        data = Path(tmp) / "traces.jsonl"
        generate(gen_parser().parse_args([str(data), "--n", str(args.n),
                                          "--extra-steps", str(args.extra_steps)]))
        size_mb = data.stat().st_size / 2**20
        print(f"{args.n:,} traces, {size_mb:,.0f} MB JSONL; {os.cpu_count()} cores, "
              f"{platform.processor() or platform.machine()}")

        baseline = Store(Path(tmp) / "baseline.duckdb")
        start = time.perf_counter()
        with baseline.cursor() as cur:
            cur.execute("CREATE TABLE raw AS SELECT * FROM read_json(?, "
                        "format = 'newline_delimited')", [str(data)])
        duck_s = time.perf_counter() - start
        assert baseline.scalar("SELECT count(*) FROM raw") == args.n
        baseline.close()

        for workers in args.workers:
            os.environ["SYNTHQA_IMPORT_WORKERS"] = str(workers)
            # each store in a folder of its own, with its own search index
            folder = Path(args.keep) if args.keep else Path(tmp) / f"workers-{workers}"
            store = Workspace(folder).init().open_store()
            start = time.perf_counter()
            result = import_file(store, data, settings=Settings.from_env(tmp))
            ours_s = time.perf_counter() - start
            assert result.n_traces_new == args.n, result.summary()
            steps = store.count("steps")
            store.close()
            label = f"synthqa import, SYNTHQA_IMPORT_WORKERS={workers}"
            print(f"{label}: {ours_s:8.1f} s {args.n / ours_s:10,.0f} traces/s "
                  f"({steps:,} steps checked), {ours_s / duck_s:.1f}x the time of read_json")
            if not args.keep:
                shutil.rmtree(folder)
        print(f"duckdb read_json : {duck_s:8.1f} s {args.n / duck_s:10,.0f} traces/s")
        print(f"peak RSS: this process {_peak_mb(resource.RUSAGE_SELF):,.0f} MB, its largest "
              f"worker {_peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB")


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--extra-steps", type=int, default=0,
                        help="narrative steps per trace besides the 3 computing ones")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 0])
    parser.add_argument("--keep", metavar="WORKSPACE",
                        help="import into this new workspace and keep it (one --workers value)")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
