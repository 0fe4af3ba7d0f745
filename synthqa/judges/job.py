"""A judge run: a judge's verdicts on selected traces, as a batch run (synthqa.jobs.batch).

    python -m synthqa.judges.job WORKSPACE RUN_ID

Its input is the traces to judge (with a rollout policy's values for the rollouts judge); each
batch's verdicts land in inbox/ as one `judgements` shard. A restarted run skips the traces it
finished.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from synthqa import prompts
from synthqa.ingest.commit import JUDGEMENTS
from synthqa.jobs import batch
from synthqa.jobs.runner import Jobs
from synthqa.judges.base import Judge, JudgeInput
from synthqa.judges.critic import PLACEHOLDERS, PROMPT, CriticJudge
from synthqa.judges.prm import PrmJudge
from synthqa.judges.prm_endpoint import FORMATS as PRM_FORMATS
from synthqa.judges.prm_endpoint import EndpointPrmJudge
from synthqa.judges.stepcheck import StepCheckJudge
from synthqa.judges.value_drop import ValueDropJudge
from synthqa.sampling import endpoints
from synthqa.sampling.models import ModelChoice
from synthqa.store import Store
from synthqa.values.rollouts import MODES
from synthqa.workspace import Workspace

KIND, MODULE = "judge", "synthqa.judges.job"
BACKENDS = ("stepcheck", "rollouts", "critic", "prm", "prm-endpoint")
# A PRM scores a whole shard in length-sorted, token-budgeted forward passes: the more traces
# a shard holds, the fuller each pass; a critic's shard is a few minutes of endpoint calls.
BATCH_TRACES = {"stepcheck": 256, "rollouts": 256, "critic": 16, "prm": 4096,
                "prm-endpoint": 1024}
API_KEY_ENV = endpoints.KEY_ENV  # the critic's key comes from the environment only


@dataclass(frozen=True)
class JudgeJob:
    run_id: str
    backend: str = "stepcheck"
    policy: str = ""              # rollouts: the rollout policy whose values are read
    mode: str = "exhaustive"      # rollouts: its search
    base_url: str = ""            # critic: an OpenAI-compatible server
    model: str = ""               # critic: the model name it serves (a local one: its folder's)
    n: int = 4                    # critic: samples per trace (majority vote)
    temperature: float = 0.7
    max_tokens: int = 1024
    prompt: str = ""              # critic: the template ("" = ProcessBench's)
    model_dir: str = ""           # prm: a local token-classification folder; critic: a local
                                  # causal model folder, sampled by the engine (not an endpoint)
    prm_format: str = "qwen"      # prm-endpoint: how the served PRM reads a trace
    batch_traces: int = 0         # traces per shard (0: the backend's, BATCH_TRACES)
    extra: dict = field(default_factory=dict)

    def validate(self) -> None:
        if not 0 <= self.batch_traces <= 1_000_000:
            raise ValueError(f"{self.batch_traces} traces per shard: between 0 and 1,000,000")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend {self.backend!r}: choose from {', '.join(BACKENDS)}")
        if self.backend == "rollouts" and (not self.policy or self.mode not in MODES):
            raise ValueError("the rollouts judge needs a rollout policy and a search mode")
        if self.backend == "critic":
            if bool(self.base_url) == bool(self.model_dir):
                raise ValueError("the critic needs an endpoint or a local model folder (one)")
            if self.model_dir:
                _model_folder(self.model_dir)
            else:
                endpoints.check_allowed(self.base_url)
            if not self.model_dir and not self.model.strip():
                raise ValueError("the critic needs a model name")
            if not 1 <= self.n <= 32:
                raise ValueError(f"n = {self.n}: between 1 and 32 samples per trace")
            if not 0 <= self.temperature <= 2:
                raise ValueError(f"temperature {self.temperature}: in [0, 2]")
            if not 1 <= self.max_tokens <= 32768:
                raise ValueError(f"max tokens {self.max_tokens}: between 1 and 32768")
            if self.prompt:
                prompts.validate(self.prompt, PLACEHOLDERS, required=("paragraphs",))
        if self.backend == "prm-endpoint":
            endpoints.check_allowed(self.base_url)
            if not self.model.strip():
                raise ValueError("the PRM endpoint needs the model name it serves")
            if self.prm_format not in PRM_FORMATS:
                raise ValueError(f"PRM format {self.prm_format!r}: choose from "
                                 f"{', '.join(PRM_FORMATS)}")
        if self.backend == "prm":
            _model_folder(self.model_dir)

    def judge(self) -> Judge:
        if self.backend == "stepcheck":
            return StepCheckJudge()
        if self.backend == "rollouts":
            return ValueDropJudge(self.policy, self.mode)
        if self.backend == "critic" and self.model_dir:   # a local folder: the engine
            name = self.model.strip() or Path(self.model_dir).name
            sampler = ModelChoice(name, path=self.model_dir, chat=True).sampler()
            print(f"critic {name}: sampling with {sampler.backend}", flush=True)  # the log
            return CriticJudge("", name, self.n, self.temperature, self.max_tokens,
                               self.prompt or PROMPT, sampler=sampler)
        if self.backend == "critic":
            url = endpoints.check_allowed(self.base_url)
            return CriticJudge(url, self.model, self.n, self.temperature,
                               self.max_tokens, self.prompt or PROMPT,
                               api_key=endpoints.api_key_for(url))
        if self.backend == "prm-endpoint":
            url = endpoints.check_allowed(self.base_url)
            return EndpointPrmJudge(url, self.model, self.prm_format,
                                    api_key=endpoints.api_key_for(url))
        return PrmJudge(self.model_dir)


def _model_folder(path: str) -> None:
    if not (Path(path) / "config.json").is_file():
        raise ValueError(f"{path!r} is not a model folder (no config.json)")


def prepare(workspace: Workspace, store: Store, job: JudgeJob,
            generators: str | Sequence[str] | None, answer_correct_only: bool = True,
            limit: int = 500) -> int:
    """Save the run's settings and its traces (of one generator, a list of them, or None:
    every one; at most `limit` of each); returns how many traces it will judge."""
    job.validate()
    traces = store.judges.inputs(generators, answer_correct_only, limit, per_generator=True)
    if job.backend == "rollouts":
        values = store.judges.step_values(traces["trace_id"], job.policy, job.mode)
        traces = traces.merge(values, on="trace_id", how="left")
    batch.RunFolder(workspace, job.run_id).save(asdict(job), traces)
    return len(traces)


def run(workspace: Workspace, run_id: str) -> int:
    """Judge every trace of the run not done yet; returns the traces judged now."""
    folder = batch.RunFolder(workspace, run_id)
    job = JudgeJob(**folder.spec())
    job.validate()
    judge = job.judge()
    settings = json.dumps(judge.settings())

    def work(rows: list[dict], start: int) -> list[dict]:
        verdicts = judge.judge([_input(row) for row in rows])
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        return [{**asdict(v), "judge": judge.name, "version": judge.version,
                 "settings": settings, "run_id": run_id, "computed_at": now} for v in verdicts]

    per_shard = job.batch_traces or getattr(judge, "traces_per_call", None) or \
        BATCH_TRACES[job.backend]
    return batch.process(folder, folder.items().to_dict("records"), lambda r: r["trace_id"],
                         work, JUDGEMENTS, per_shard).done


def _input(row: dict) -> JudgeInput:
    gold = row.get("gold")
    values = row.get("values")
    extra = {} if values is None or (isinstance(values, float)) else {
        "values": [tuple(v) for v in values]}
    return JudgeInput(row["trace_id"], row["problem"], gold if isinstance(gold, str) else None,
                      tuple(row["steps"]), extra)


def start(workspace: Workspace, store: Store, job: JudgeJob,
          generators: str | Sequence[str] | None, answer_correct_only: bool = True,
          limit: int = 500, submit_key: str | None = None) -> int:
    """Prepare the run and start it as a job (its own process); returns its traces.
    `submit_key`: a form's intent (synthqa.jobs.runner.Jobs.intent_key)."""
    n = prepare(workspace, store, job, generators, answer_correct_only, limit)
    if n:
        Jobs(workspace).start(KIND, MODULE, job.run_id, submit_key=submit_key)
    return n


if __name__ == "__main__":
    batch.main(run)
