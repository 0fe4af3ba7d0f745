"""Embedding and answer checks on a Ray cluster, as Ray Data jobs.

    python -m synthqa.cluster_job WORKSPACE RUN_ID      (on the cluster, via the Ray backend)

Whoever starts a run (the CLI, which can read the store) writes `runs/<run_id>/job.json`
(validated settings) and the traces to do as Parquet files in `runs/<run_id>/input/`. The run
reads them with `ray.data.read_parquet`, applies the local path's own functions with
`map_batches` on the cluster's workers (`embeddings.encode`, `verdicts.verify_frame`) and
writes result shards into inbox/ (temporary name, then rename), which the dashboard ingests
like a rollout run's. The run never opens the store; the cluster must see the workspace at the
same path and have SynthQA's requirements and `ray[data]` in the interpreter it runs
(SYNTHQA_RAY_PYTHON).
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from synthqa import embeddings
from synthqa.answers import VERIFIER
from synthqa.ingest import EMBEDDINGS, VERDICTS
from synthqa.jobs import progress as progress_file
from synthqa.sampling.base import write_table_shard
from synthqa.store import Store
from synthqa.verdicts import verify_frame
from synthqa.workspace import Workspace

TASKS = {"embed": EMBEDDINGS, "verify": VERDICTS}
SHARD_ROWS = 50_000  # result rows per inbox shard


@dataclass(frozen=True)
class ClusterJob:
    run_id: str
    task: str                          # embed | verify
    embedder: str = embeddings.DEFAULT  # embed: static | minilm
    everything: bool = False           # verify: every trace, not only other verifiers'
    batch_size: int = 1024             # rows per map_batches call
    max_actors: int = 8                # embed: at most this many model replicas

    def validate(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task {self.task!r}: choose from {', '.join(TASKS)}")
        embeddings.embedder(self.embedder)
        if not 1 <= self.batch_size <= 65_536:
            raise ValueError(f"batch size {self.batch_size}: between 1 and 65,536")
        if not 1 <= self.max_actors <= 1024:
            raise ValueError(f"{self.max_actors} actors: between 1 and 1,024")


def prepare(workspace: Workspace, store: Store, job: ClusterJob) -> int:
    """Write the run's settings and its input; returns how many traces it will process."""
    job.validate()
    folder = workspace.init().runs / job.run_id
    folder.mkdir(parents=True, exist_ok=True)
    if job.task == "embed":
        n = store.embeddings.export_missing(embeddings.embedder(job.embedder).model,
                                            str(folder / "input"))
    else:
        n = store.checks.export_to_verify(None if job.everything else VERIFIER,
                                          str(folder / "input"))
    (folder / "job.json").write_text(json.dumps(asdict(job), indent=1))
    return n


class EmbedBatch:
    """A Ray Data actor: the model loads once per replica, then encodes batch after batch."""

    def __init__(self, key: str):
        self.key, self.name = key, embeddings.embedder(key).model
        embeddings.model(key)

    def __call__(self, batch: pd.DataFrame) -> dict:
        vectors = embeddings.encode(batch["text"].tolist(), self.key)
        return {"trace_id": batch["trace_id"].to_numpy(dtype=object),
                "model": np.full(len(batch), self.name, dtype=object), "vector": vectors}


def shard_table(batch: dict) -> pa.Table:
    """A result batch (numpy columns, as Ray Data hands them) as an Arrow table."""
    columns = {name: list(values) if name != "vector" else
               pa.array(list(np.asarray(values, dtype=np.float32)), type=pa.list_(pa.float32()))
               for name, values in batch.items()}
    return pa.table(columns)


def run(workspace: Workspace, run_id: str) -> int:
    """Process the run's input on the Ray cluster this process belongs to; returns rows."""
    import ray

    folder = workspace.runs / run_id
    job = ClusterJob(**json.loads((folder / "job.json").read_text()))
    job.validate()
    data = ray.data.read_parquet(str(folder / "input"))
    total = data.count()
    if job.task == "embed":
        data = data.map_batches(EmbedBatch, fn_constructor_kwargs={"key": job.embedder},
                                batch_size=job.batch_size, batch_format="pandas",
                                concurrency=(1, job.max_actors))
    else:
        data = data.map_batches(verify_frame, batch_size=job.batch_size, batch_format="pandas")
    started, done = time.time(), 0
    progress_file.write(folder, done, total, started, 0)
    for batch in data.iter_batches(batch_size=SHARD_ROWS, batch_format="numpy"):
        write_table_shard(workspace, run_id, done, shard_table(batch), TASKS[job.task])
        done += len(batch["trace_id"])
        progress_file.write(folder, done, total, started, 0)
    return done


def start(workspace: Workspace, store: Store, job: ClusterJob, python: str):
    """Prepare the run and submit it to the Ray cluster; (the job or None, traces)."""
    n = prepare(workspace, store, job)
    if not n:
        return None, 0
    from synthqa.jobs.runner import Jobs

    submitted, _ = Jobs(workspace).submit(
        f"cluster-{job.task}", [python, "-m", "synthqa.cluster_job",
                                str(workspace.root.resolve()), job.run_id],
        submit_key=job.run_id, job_id=job.run_id, backend="ray")
    return submitted, n


if __name__ == "__main__":
    print(f"{run(Workspace(Path(sys.argv[1])), sys.argv[2]):,} traces done")
