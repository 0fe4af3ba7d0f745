"""The metrics report on a large workspace: a whole computation, then after 10,000 new traces.

    python -m bench.report_scale --workspace DIR [--new 10000] [--increments-only]

DIR is a built bench workspace (`python -m bench.import_throughput --n N --extra-steps 2
--workers 0 --keep DIR`). Without embeddings (`--no-embed`: the figures that need them are
left out, as on a workspace whose embeddings are still being computed). Prints the wall time
and the process's peak RSS after each phase.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

from bench.gen_traces import make_record
from synthqa.ingest.commit import import_file
from synthqa.metrics import report
from synthqa.workspace import Workspace


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _new_traces(path: Path, n: int, generator: str, seed: int) -> Path:
    """n traces of `generator` on the bench's problems (the generator's own sample index)."""
    rng = random.Random(seed)
    with open(path, "w") as handle:
        for i in range(n):
            record = make_record(i * 4, rng, 2)
            handle.write(json.dumps({**record, "generator": generator,
                                     "params": 7_000_000_000, "run": f"{generator}:{seed}"})
                         + "\n")
    return path


def main(args) -> None:
    store = Workspace(Path(args.workspace)).open_store()
    n = store.count("traces")
    print(f"{n:,} traces, {store.count('steps'):,} steps")
    if not (args.increments_only and report.cached(store)[0] is not None):
        start = time.perf_counter()
        rep = report.compute(store, store.cache.inputs_version())
        store.cache.put(report.KEY, rep.to_json(), rep.inputs_version)
        print(f"whole report            : {time.perf_counter() - start:7.1f} s, "
              f"peak RSS {_peak_gb():.2f} GB")
    with tempfile.TemporaryDirectory() as tmp:
        # seeded by the workspace's size: a second run adds traces, a new generator is new
        for generator, seed in ((f"new{n}", n), ("wc", n + 1)):
            data = _new_traces(Path(tmp) / f"{generator}.jsonl", args.new, generator, seed)
            start = time.perf_counter()
            added = import_file(store, data).n_traces_new
            imported = time.perf_counter() - start
            start = time.perf_counter()
            rep = report.recompute(store, embed=False)
            print(f"+{added:,} traces of {generator!r:12}: import {imported:5.1f} s, report "
                  f"{time.perf_counter() - start:6.1f} s (peak RSS {_peak_gb():.2f} GB)")
    store.close()


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--increments-only", action="store_true",
                        help="skip the whole report when one is cached")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
