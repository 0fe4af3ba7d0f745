"""Embedding and answer checks on a Ray cluster, as Ray Data jobs.

    python -m synthqa.cluster.job WORKSPACE RUN_ID      (on the cluster, via the Ray backend)

A batch run (synthqa.jobs.batch) whose input is Parquet files in `runs/<run_id>/input/`,
written by whoever starts it (the CLI, which can read the store). The run reads them with
`ray.data.read_parquet`, applies the local path's own functions with `map_batches` on the
cluster's workers (`embeddings.encode`, `recheck.verify_frame`) and writes result shards into
inbox/, which the dashboard ingests like a rollout run's. The run never opens the store; the cluster must see the workspace at the
same path and have SynthQA's requirements and `ray[data]` in the interpreter it runs
(SYNTHQA_RAY_PYTHON).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from synthqa.checks.answers import VERIFIER
from synthqa.checks.recheck import verify_frame
from synthqa.embeddings import models as embeddings
from synthqa.ingest.commit import EMBEDDINGS, VERDICTS
from synthqa.jobs import batch
from synthqa.jobs import progress as progress_file
from synthqa.jobs.runner import Jobs
from synthqa.jobs.table import Job
from synthqa.store import Store
from synthqa.workspace import Workspace

MODULE = "synthqa.cluster.job"
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
    """Save the run's settings and its input; returns how many traces it will process."""
    job.validate()
    folder = batch.RunFolder(workspace, job.run_id)
    folder.save(asdict(job))
    if job.task == "embed":
        return store.embeddings.export_missing(embeddings.embedder(job.embedder).model,
                                               str(folder.folder / "input"))
    return store.checks.export_to_verify(None if job.everything else VERIFIER,
                                         str(folder.folder / "input"))


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

    folder = batch.RunFolder(workspace, run_id)
    job = ClusterJob(**folder.spec())
    job.validate()
    data = ray.data.read_parquet(str(folder.folder / "input"))
    total = data.count()
    if job.task == "embed":
        data = data.map_batches(EmbedBatch, fn_constructor_kwargs={"key": job.embedder},
                                batch_size=job.batch_size, batch_format="pandas",
                                concurrency=(1, job.max_actors))
    else:
        data = data.map_batches(verify_frame, batch_size=job.batch_size, batch_format="pandas")
    started, done = time.time(), 0
    progress_file.write(folder.folder, done, total, started, 0)
    for rows in data.iter_batches(batch_size=SHARD_ROWS, batch_format="numpy"):
        folder.shard(done, shard_table(rows), TASKS[job.task])
        done += len(rows["trace_id"])
        progress_file.write(folder.folder, done, total, started, 0)
    return done


def start(workspace: Workspace, store: Store, job: ClusterJob,
          python: str) -> tuple[Job | None, int]:
    """Prepare the run and submit it to the Ray cluster; (the job or None, traces)."""
    n = prepare(workspace, store, job)
    if not n:
        return None, 0
    return Jobs(workspace).start(f"cluster-{job.task}", MODULE, job.run_id, backend="ray",
                        python=python), n


if __name__ == "__main__":
    batch.main(lambda workspace, run_id: print(f"{run(workspace, run_id):,} traces done"))
