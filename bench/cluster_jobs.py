"""Embedding and answer checks on a Ray cluster against the local path, on the same traces.

    python -m bench.cluster_jobs --ray /path/to/venv/bin/ray [--n 200000] [--workspace DIR]

Starts a Ray head on 127.0.0.1 from that venv (which holds SynthQA's requirements and
ray[data]), builds (or reuses) a bench workspace of N generated traces, then times per task
the local path (`embed_missing`; `reverify(everything=True)`) and the cluster job
(`cluster_job.start`, its wait, and the ingest of its inbox shards), each from the same
starting state. On one machine the cluster's figure is the Ray Data overhead; on a cluster
the map scales with its workers.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from bench.page_queries import open_built
from synthqa.checks.recheck import reverify
from synthqa.cluster import job as cluster_job
from synthqa.config import Settings
from synthqa.embeddings import models as embeddings
from synthqa.ingest.inbox import ingest_inbox
from synthqa.jobs.runner import Jobs
from synthqa.workspace import Workspace


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_head(ray: str, cpus: int) -> str:
    port, temp = _port(), tempfile.mkdtemp(prefix="ray-")
    subprocess.run([ray, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={_port()}",
                    "--dashboard-host=127.0.0.1", f"--dashboard-port={port}",
                    f"--num-cpus={cpus}", "--disable-usage-stats", f"--temp-dir={temp}"],
                   check=True, capture_output=True)
    return f"http://127.0.0.1:{port}"


def forget(store, task: str) -> None:
    with store.transaction() as cur:
        if task == "embed":
            cur.execute("DELETE FROM embeddings")
        else:
            cur.execute("UPDATE traces SET verifier = 'old'")


def on_cluster(ws: Workspace, store, task: str, python: str) -> float:
    start = time.perf_counter()
    job, n = cluster_job.start(ws, store, cluster_job.ClusterJob(
        f"bench-{task}-{int(time.time())}", task, everything=True), python)
    runner = Jobs(ws)
    while not runner.status(job.job_id).final:
        time.sleep(0.5)
    assert runner.status(job.job_id).status == "SUCCEEDED", runner.log(job.job_id)[0][-3000:]
    ingest_inbox(store, ws)
    return time.perf_counter() - start


def main(args) -> None:
    address = start_head(args.ray, args.cpus)
    os.environ["SYNTHQA_RAY_ADDRESS"] = address      # where cluster_job.start submits
    python = str(Path(args.ray).parent / "python")
    try:
        store = open_built(args.workspace, args.n)
        ws, n = Workspace(Path(args.workspace)), store.count("traces")
        workers = Settings.from_env().verify_workers
        print(f"{n:,} traces; Ray head with {args.cpus} CPUs on this machine")
        local = {"embed": lambda: embeddings.embed_missing(store),
                 "verify": lambda: reverify(store, True, workers)}
        for task in ("embed", "verify"):
            forget(store, task)
            start = time.perf_counter()
            local[task]()
            here = time.perf_counter() - start
            forget(store, task)
            there = on_cluster(ws, store, task, python)
            print(f"{task:7}: local {here:7.1f} s ({n / here:8,.0f}/s); Ray Data job "
                  f"{there:7.1f} s ({n / there:8,.0f}/s), {there / here:.2f}x the local time")
        store.close()
    finally:
        subprocess.run([args.ray, "stop", "--force"], capture_output=True)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ray", required=True, help="the `ray` executable of the cluster venv")
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--workspace", default=str(Path(tempfile.gettempdir()) / "synthqa-ray"))
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
