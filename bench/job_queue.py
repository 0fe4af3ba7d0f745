"""Why local jobs queue: N identical SFT jobs, all at once against one at a time.

    python -m bench.job_queue [--jobs 4] [--steps 300] [--base data/lab/tiny]

Each job is the real entry point (`python -m synthqa.train.sft`) submitted through the job
runner; the figures are the wall clock from the first submit until every job has finished, and
each job's own training time (TRL's `train_runtime`).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.train_throughput import data
from synthqa.jobs.runner import Jobs
from synthqa.train.common import TrainConfig
from synthqa.train.launch import command
from synthqa.workspace import Workspace


def makespan(root: Path, data_file: Path, args, max_running: int) -> tuple[float, list[float]]:
    """(seconds until all N jobs ended, each job's train_runtime)."""
    workspace = Workspace(root).init()
    jobs = Jobs(workspace, max_running=max_running)
    started, ids = time.monotonic(), []
    for i in range(args.jobs):
        run_dir = workspace.runs / f"sft-{i}"
        TrainConfig("sft", str(Path(args.base).resolve()), str(data_file), f"q{i}",
                    str(root), max_steps=args.steps, eval_problems=0).save(run_dir)
        ids.append(jobs.submit("train", command(TrainConfig.load(run_dir), run_dir), f"k{i}",
                               job_id=run_dir.name)[0].job_id)
    while not all(jobs.status(i).final for i in ids):
        jobs.dispatch()                           # what the dashboard's panels do every 2 s
        time.sleep(0.5)
    wall = time.monotonic() - started
    if any(jobs.status(i).status != "SUCCEEDED" for i in ids):
        sys.exit(f"a job failed: {[jobs.log(i)[0][-500:] for i in ids]}")
    runtimes = [next(m["train_runtime"] for m in jobs.metrics(i) if "train_runtime" in m)
                for i in ids]
    return wall, runtimes


def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data_file = data(tmp, 2000)
        rows = [(n, *makespan(tmp / f"ws{n}", data_file, args, n)) for n in (1, args.jobs)]
    print(f"{args.jobs} SFT jobs of {args.base}, {args.steps} steps each, CPU; dev machine")
    print(f"{'at once':>8} {'wall s':>8} {'train s per job (mean)':>24}")
    for n, wall, runtimes in rows:
        print(f"{n:8d} {wall:8.1f} {sum(runtimes) / len(runtimes):24.1f}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--base", default="data/lab/tiny")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
