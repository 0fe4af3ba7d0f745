"""Live run panels read metrics.jsonl every 2 s; a long run logs a line per step.

    python -m bench.metrics_read [--lines 100000]

Times parsing the whole file, the first read through `read_metrics`, and the read after one
more line was appended (what each panel refresh costs during a run).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from synthqa.jobs.runner import read_metrics

LINE = {"max_steps": 100_000, "loss": 0.1234, "grad_norm": 1.5, "learning_rate": 3e-5,
        "entropy": 0.5, "num_tokens": 1000, "mean_token_accuracy": 0.9, "epoch": 0.1}


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.jsonl"
        path.write_text("".join(json.dumps({"step": i, **LINE}) + "\n"
                                for i in range(args.lines)))
        whole = timed(lambda: [json.loads(x) for x in path.read_text().splitlines()])
        first = timed(lambda: read_metrics(path))
        with open(path, "a") as f:
            f.write(json.dumps({"step": args.lines, **LINE}) + "\n")
        after = timed(lambda: read_metrics(path))
        size = path.stat().st_size / 1e6
    print(f"metrics.jsonl of {args.lines:,} lines ({size:.1f} MB); dev machine")
    print(f"parse the whole file: {whole:.0f} ms; first read_metrics: {first:.0f} ms; "
          f"after one appended line: {after:.2f} ms")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
