"""Import throughput (traces/s) of SynthQA against DuckDB's own read_json on the same file.

    python bench/import_throughput.py --n 1000000

SynthQA's import does far more per trace than read_json (splitting, answer extraction and
verification, step checks, ids, dedup, one transaction): the ratio is the price of that work.
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from bench.gen_traces import make_parser as gen_parser, main as generate
from synthqa.config import Settings
from synthqa.ingest import import_file
from synthqa.store import Store


def main(args) -> None:
    with tempfile.TemporaryDirectory(prefix="synthqa-bench-") as tmp:
        data = Path(tmp) / "traces.jsonl"
        generate(gen_parser().parse_args([str(data), "--n", str(args.n)]))
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

        store = Store(Path(tmp) / "synthqa.duckdb")
        start = time.perf_counter()
        result = import_file(store, data, settings=Settings.from_env(tmp))
        ours_s = time.perf_counter() - start
        assert result.n_traces_new == args.n, result.summary()
        steps = store.count("steps")
        store.close()

    print(f"duckdb read_json : {duck_s:8.1f} s  {args.n / duck_s:12,.0f} traces/s")
    print(f"synthqa import   : {ours_s:8.1f} s  {args.n / ours_s:12,.0f} traces/s "
          f"({steps:,} steps checked)")
    print(f"ratio            : {ours_s / duck_s:8.1f}x the time of read_json")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
