"""A judge run: a judge's verdicts on selected traces, as a job.

    python -m synthqa.judges.job WORKSPACE RUN_ID

Like a rollout run: whoever starts it (dashboard or CLI, which can read the store) writes
`runs/<run_id>/job.json` (validated settings) and `input.parquet` (the traces); the run never
opens the store and writes one Parquet shard per batch into inbox/ (format `judgements`), and
its progress into the run folder. A restarted run skips the traces it finished.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from synthqa import prompts
from synthqa.ingest import JUDGEMENTS
from synthqa.jobs import progress as progress_file
from synthqa.judges.base import Judge, JudgeInput
from synthqa.rollouts import MODES
from synthqa.sampling.base import write_shard
from synthqa.store import Store
from synthqa.workspace import Workspace

BACKENDS = ("stepcheck", "rollouts", "critic", "prm")
API_KEY_ENV = "SYNTHQA_CRITIC_API_KEY"  # the critic's key comes from the environment only


@dataclass(frozen=True)
class JudgeJob:
    run_id: str
    backend: str = "stepcheck"
    policy: str = ""              # rollouts: the rollout policy whose values are read
    mode: str = "exhaustive"      # rollouts: its search
    base_url: str = ""            # critic: an OpenAI-compatible server
    model: str = ""               # critic: the model name it serves
    n: int = 4                    # critic: samples per trace (majority vote)
    temperature: float = 0.7
    max_tokens: int = 1024
    prompt: str = ""              # critic: the template ("" = ProcessBench's)
    model_dir: str = ""           # prm: a local token-classification folder
    batch_traces: int = 16
    extra: dict = field(default_factory=dict)

    def validate(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend {self.backend!r}: choose from {', '.join(BACKENDS)}")
        if self.backend == "rollouts" and (not self.policy or self.mode not in MODES):
            raise ValueError("the rollouts judge needs a rollout policy and a search mode")
        if self.backend == "critic":
            url = urlparse(self.base_url)
            if url.scheme not in ("http", "https") or not url.netloc:
                raise ValueError(f"critic endpoint {self.base_url!r}: an http(s) URL")
            if not self.model.strip():
                raise ValueError("the critic needs a model name")
            if not 1 <= self.n <= 32:
                raise ValueError(f"n = {self.n}: between 1 and 32 samples per trace")
            if not 0 <= self.temperature <= 2:
                raise ValueError(f"temperature {self.temperature}: in [0, 2]")
            if not 1 <= self.max_tokens <= 32768:
                raise ValueError(f"max tokens {self.max_tokens}: between 1 and 32768")
            if self.prompt:
                from synthqa.judges.critic import PLACEHOLDERS
                prompts.validate(self.prompt, PLACEHOLDERS, required=("paragraphs",))
        if self.backend == "prm" and not (Path(self.model_dir) / "config.json").is_file():
            raise ValueError(f"{self.model_dir!r} is not a model folder (no config.json)")

    def judge(self) -> Judge:
        if self.backend == "stepcheck":
            from synthqa.judges.stepcheck import StepCheckJudge
            return StepCheckJudge()
        if self.backend == "rollouts":
            from synthqa.judges.values import ValueDropJudge
            return ValueDropJudge(self.policy, self.mode)
        if self.backend == "critic":
            from synthqa.judges.critic import PROMPT, CriticJudge
            return CriticJudge(self.base_url, self.model, self.n, self.temperature,
                               self.max_tokens, self.prompt or PROMPT,
                               api_key=os.environ.get(API_KEY_ENV))
        from synthqa.judges.prm import PrmJudge
        return PrmJudge(self.model_dir)


def prepare(workspace: Workspace, store: Store, job: JudgeJob, generator: str | None,
            answer_correct_only: bool = True, limit: int = 500) -> int:
    """Write the run's settings and its traces; returns how many traces it will judge."""
    job.validate()
    folder = workspace.init().runs / job.run_id
    folder.mkdir(parents=True, exist_ok=True)
    traces = store.judges.inputs(generator, answer_correct_only, limit)
    if job.backend == "rollouts":
        values = store.judges.step_values(traces["trace_id"], job.policy, job.mode)
        traces = traces.merge(values, on="trace_id", how="left")
    traces.to_parquet(folder / "input.parquet", index=False)
    (folder / "job.json").write_text(json.dumps(asdict(job), indent=1))
    return len(traces)


def run(workspace: Workspace, run_id: str) -> int:
    """Judge every trace of the run not done yet; returns the traces judged now."""
    folder = workspace.runs / run_id
    job = JudgeJob(**json.loads((folder / "job.json").read_text()))
    job.validate()
    judge = job.judge()
    traces = pd.read_parquet(folder / "input.parquet")
    done_path = folder / "done.jsonl"
    done = set(done_path.read_text().split()) if done_path.exists() else set()
    todo = traces[~traces["trace_id"].isin(done)]
    finished = len(traces) - len(todo)
    started, base = time.time(), finished
    progress_file.write(folder, finished, len(traces), started, base)
    settings = json.dumps(judge.settings())
    for start in range(0, len(todo), job.batch_traces):
        batch = todo.iloc[start: start + job.batch_traces]
        verdicts = judge.judge([_input(row) for row in batch.to_dict("records")])
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        write_shard(workspace, run_id, start, [
            {**asdict(v), "judge": judge.name, "version": judge.version, "settings": settings,
             "run_id": run_id, "computed_at": now} for v in verdicts], JUDGEMENTS)
        with open(done_path, "a") as handle:
            handle.write("".join(f"{t}\n" for t in batch["trace_id"]))
        finished += len(batch)
        progress_file.write(folder, finished, len(traces), started, base)
    return len(todo)


def _input(row: dict) -> JudgeInput:
    gold = row.get("gold")
    values = row.get("values")
    extra = {} if values is None or (isinstance(values, float)) else {
        "values": [tuple(v) for v in values]}
    return JudgeInput(row["trace_id"], row["problem"], gold if isinstance(gold, str) else None,
                      tuple(row["steps"]), extra)


def start(workspace: Workspace, store: Store, job: JudgeJob, generator: str | None,
          answer_correct_only: bool = True, limit: int = 500) -> int:
    """Prepare the run and start it as a job (its own process); returns its traces."""
    n = prepare(workspace, store, job, generator, answer_correct_only, limit)
    if n:
        from synthqa.jobs.runner import Jobs

        Jobs(workspace).submit("judge", [
            sys.executable, "-m", "synthqa.judges.job", str(workspace.root.resolve()),
            job.run_id], submit_key=job.run_id)
    return n


if __name__ == "__main__":
    run(Workspace(Path(sys.argv[1])), sys.argv[2])
