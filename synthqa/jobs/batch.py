"""A batch run: the lifecycle every run kind shares, written once.

Whoever starts a run (the dashboard or the CLI, which can read the store) validates its
settings and saves them with its input in `runs/<run_id>/` (`job.json`, `input.parquet`), then
submits `python -m <module> WORKSPACE RUN_ID` as a job whose id is the run id
(`Jobs.start`). The run itself
never opens the store: it works through its input in batches, writes each batch's results as
one Parquet shard into inbox/ (temporary name, then rename), appends the batch's keys to
`done.jsonl` and its progress to `progress.json`. A restarted run skips what is done. A run
kind supplies only what it computes (`work`); see synthqa.judges.job, synthqa.values.job,
synthqa.lab.sampling_job, synthqa.cluster.job.
"""
from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthqa.jobs import progress as progress_file
from synthqa.workspace import Workspace

SPEC, INPUT, DONE = "job.json", "input.parquet", "done.jsonl"


def new_run_id(prefix: str) -> str:
    """`<prefix>-<time>-<random>`: two runs started in the same second get different ids."""
    return f"{prefix}-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class RunFolder:
    """`runs/<run_id>/` of one run: its settings, input, what is done and its progress."""
    workspace: Workspace
    run_id: str

    @property
    def folder(self) -> Path:
        return self.workspace.runs / self.run_id

    def save(self, spec: dict, items: pd.DataFrame | None = None) -> None:
        """The run's settings (and its input): what `python -m <module>` reads."""
        self.workspace.init()
        self.folder.mkdir(parents=True, exist_ok=True)
        if items is not None:
            items.to_parquet(self.folder / INPUT, index=False)
        tmp = self.folder / f".{SPEC}"
        tmp.write_text(json.dumps(spec, indent=1))
        os.replace(tmp, self.folder / SPEC)

    def spec(self) -> dict:
        return json.loads((self.folder / SPEC).read_text())

    def items(self) -> pd.DataFrame:
        return pd.read_parquet(self.folder / INPUT)

    def done(self) -> set[str]:
        path = self.folder / DONE
        return set(path.read_text().split()) if path.exists() else set()

    def mark_done(self, keys: Sequence[str]) -> None:
        with open(self.folder / DONE, "a") as handle:
            handle.write("".join(f"{k}\n" for k in keys))

    def progress(self) -> dict:
        return progress_file.read(self.folder)

    def shard(self, start: int, records: list[dict] | pa.Table, fmt: str) -> Path:
        """Results as one Parquet file in inbox/ (temporary name, then rename); `fmt` tells the
        writer how to ingest it (trace records, judgements, rollouts, ...)."""
        table = records if isinstance(records, pa.Table) else pa.Table.from_pylist(records)
        self.workspace.init()
        safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in self.run_id)
        final = self.workspace.inbox / f"{safe}-{start:09d}-{uuid.uuid4().hex[:8]}.{fmt}.parquet"
        tmp = self.workspace.inbox / f".tmp-{final.name}"
        pq.write_table(table, tmp)
        os.replace(tmp, final)
        return final


@dataclass
class BatchResult:
    done: int = 0                 # items done by this call
    skipped: int = 0              # items done before it (a restarted run)
    shards: list[str] = field(default_factory=list)
    records: int = 0


def process(run: RunFolder, items: Sequence[Any], key: Callable[[Any], str],
            work: Callable[[list, int], list[dict]], fmt: str, batch_size: int,
            on_batch: Callable[[list, list[dict]], None] | None = None) -> BatchResult:
    """Work through the items not done yet, `batch_size` at a time: `work(batch, start)` gives
    the batch's result records (`start`: the batch's offset among the items left, e.g. for a
    seed), which land in inbox/ as one shard before the batch's keys are marked done."""
    run.folder.mkdir(parents=True, exist_ok=True)
    done = run.done()
    todo = [item for item in items if key(item) not in done]
    result = BatchResult(skipped=len(items) - len(todo))
    started = time.time()
    progress_file.write(run.folder, result.skipped, len(items), started, result.skipped)
    for start in range(0, len(todo), batch_size):
        batch = todo[start: start + batch_size]
        records = work(batch, start)
        result.shards.append(str(run.shard(start, records, fmt)))
        run.mark_done([key(item) for item in batch])
        result.done += len(batch)
        result.records += len(records)
        progress_file.write(run.folder, result.skipped + result.done, len(items), started,
                            result.skipped)
        if on_batch:
            on_batch(batch, records)
    return result


def main(run: Callable[[Workspace, str], object], argv: Sequence[str] | None = None) -> None:
    """`python -m <module> WORKSPACE RUN_ID`: a run kind's entry point."""
    argv = sys.argv[1:] if argv is None else argv
    run(Workspace(Path(argv[0])), argv[1])
