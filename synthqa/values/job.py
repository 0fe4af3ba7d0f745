"""A rollout run: per-step values, first pits and rollouts of selected traces.

    python -m synthqa.rollout_job WORKSPACE RUN_ID

Whoever starts a run (the dashboard or the CLI, which can read the store) writes
`runs/<run_id>/job.json` (validated settings) and `input.parquet` (the traces); the run itself
never opens the store: it writes one Parquet shard per batch of traces into inbox/ (temporary
name, then rename) and its progress into the run folder. A restarted run skips finished traces.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from synthqa import prompts, rollouts
from synthqa.answers import VERIFIER
from synthqa.ingest import ROLLOUTS
from synthqa.jobs import progress as progress_file
from synthqa.sampling.base import SamplingSpec, write_shard
from synthqa.sampling.job import ModelChoice
from synthqa.store import Store
from synthqa.workspace import Workspace


@dataclass(frozen=True)
class RolloutJob:
    run_id: str
    policy: ModelChoice
    mode: str = "exhaustive"
    k: int = 5
    temperature: float = 0.7
    max_tokens: int = 256
    prompt_template: str = "{problem}\n"
    batch_traces: int = 8

    def validate(self) -> None:
        self.policy.validate()
        if self.mode not in rollouts.MODES:
            raise ValueError(f"mode {self.mode!r}: choose from {', '.join(rollouts.MODES)}")
        if not 1 <= self.k <= 64:
            raise ValueError(f"K = {self.k}: between 1 and 64 rollouts per prefix")
        if not 0 < self.temperature <= 2:
            raise ValueError(f"temperature {self.temperature}: in (0, 2]")
        prompts.validate_problem_template(self.prompt_template)

    @classmethod
    def from_dict(cls, raw: dict) -> "RolloutJob":
        return cls(**{**raw, "policy": ModelChoice(**raw["policy"])})

    def spec(self) -> SamplingSpec:
        return SamplingSpec(temperature=self.temperature, max_tokens=self.max_tokens,
                            prompt_template=self.prompt_template)


def prepare(workspace: Workspace, store: Store, job: RolloutJob, generator: str | None,
            negatives_only: bool = True, limit: int = 50) -> int:
    """Write the run's settings and its traces; returns how many traces it will roll out."""
    job.validate()
    folder = workspace.init().runs / job.run_id
    folder.mkdir(parents=True, exist_ok=True)
    traces = store.values.rollout_inputs(generator, negatives_only, limit)
    traces.to_parquet(folder / "input.parquet", index=False)
    (folder / "job.json").write_text(json.dumps(asdict(job), indent=1))
    return len(traces)


def run(workspace: Workspace, run_id: str) -> int:
    """Roll out every trace of the run not done yet; returns the traces done now."""
    folder = workspace.runs / run_id
    job = RolloutJob.from_dict(json.loads((folder / "job.json").read_text()))
    job.validate()
    traces = pd.read_parquet(folder / "input.parquet")
    done_path = folder / "done.jsonl"
    done = set(done_path.read_text().split()) if done_path.exists() else set()
    todo = traces[~traces["trace_id"].isin(done)]
    policy = rollouts.RolloutPolicy(job.policy.sampler(), job.spec(), k=job.k)
    finished = len(traces) - len(todo)
    started, base = time.time(), finished
    progress_file.write(folder, finished, len(traces), started, base)
    for start in range(0, len(todo), job.batch_traces):
        batch = todo.iloc[start: start + job.batch_traces]
        records = [shard_record(rollouts.run(policy, job.mode, t.trace_id, t.problem, t.gold,
                                             list(t.steps), bool(t.correct)), job)
                   for t in batch.itertuples()]
        write_shard(workspace, run_id, start, records, ROLLOUTS)
        with open(done_path, "a") as handle:
            handle.write("".join(f"{t}\n" for t in batch["trace_id"]))
        finished += len(batch)
        progress_file.write(folder, finished, len(traces), started, base)
    return len(todo)


def shard_record(values: rollouts.TraceValues, job: RolloutJob) -> dict:
    """One trace's results as a row of a shard (values and rollouts nested)."""
    return {"trace_id": values.trace_id, "policy": job.policy.name, "mode": values.mode,
            "verifier": VERIFIER, "computed_at": datetime.now(timezone.utc).replace(tzinfo=None),
            "pit_step": rollouts.first_pit(values),
            "spurious": rollouts.spurious_steps(values),
            "rollouts_used": values.rollouts_used,
            "values": [asdict(v) for v in values.values],
            "rollouts": [asdict(r) for r in values.rollouts]}


def progress(workspace: Workspace, run_id: str) -> dict:
    return progress_file.read(workspace.runs / run_id)


def runs(workspace: Workspace) -> list[str]:
    """Rollout runs of the workspace, newest first."""
    folders = [f for f in workspace.runs.glob("*") if (f / "job.json").is_file()
               and (f / "input.parquet").is_file()]
    return [f.name for f in sorted(folders, key=lambda f: f.stat().st_mtime, reverse=True)]


def start(workspace: Workspace, store: Store, job: RolloutJob, generator: str | None,
          negatives_only: bool, limit: int) -> int:
    """Prepare the run and start it as a job (its own process); returns its traces."""
    n = prepare(workspace, store, job, generator, negatives_only, limit)
    if n:
        from synthqa.jobs.runner import Jobs

        Jobs(workspace).submit("rollouts", [
            sys.executable, "-m", "synthqa.rollout_job", str(workspace.root.resolve()),
            job.run_id], submit_key=job.run_id)
    return n


if __name__ == "__main__":
    run(Workspace(Path(sys.argv[1])), sys.argv[2])
