"""A rollout run: per-step values, first pits and rollouts of selected traces, as a batch run
(synthqa.jobs.batch).

    python -m synthqa.values.job WORKSPACE RUN_ID

Its input is the traces to roll out; each batch's values, pits and rollouts land in inbox/ as
one `rollouts` shard. A restarted run skips finished traces.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from synthqa import prompts
from synthqa.checks.answers import VERIFIER
from synthqa.ingest.commit import ROLLOUTS
from synthqa.jobs import batch
from synthqa.jobs.runner import Jobs
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.models import ModelChoice
from synthqa.store import Store
from synthqa.values import rollouts
from synthqa.workspace import Workspace

KIND, MODULE = "rollouts", "synthqa.values.job"


@dataclass(frozen=True)
class RolloutJob:
    run_id: str
    policy: ModelChoice
    mode: str = "exhaustive"
    k: int = 5
    temperature: float = 0.7
    max_tokens: int = 256
    prompt_template: str = "{problem}\n"
    batch_traces: int = 0         # traces per shard (0: as many as fill an engine call)

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
    """Save the run's settings and its traces; returns how many traces it will roll out."""
    job.validate()
    traces = store.values.rollout_inputs(generator, negatives_only, limit)
    batch.RunFolder(workspace, job.run_id).save(asdict(job), traces)
    return len(traces)


def run(workspace: Workspace, run_id: str) -> int:
    """Roll out every trace of the run not done yet; returns the traces done now."""
    folder = batch.RunFolder(workspace, run_id)
    job = RolloutJob.from_dict(folder.spec())
    job.validate()
    policy = rollouts.RolloutPolicy(job.policy.sampler(), job.spec(), k=job.k)

    def work(traces: list[dict], start: int) -> list[dict]:
        """A shard's traces in one search: every rollout of a round in one engine call."""
        shard = [rollouts.Trace(t["trace_id"], t["problem"], t["gold"], tuple(t["steps"]),
                                bool(t["correct"])) for t in traces]
        return [shard_record(values, job) for values in rollouts.run_many(policy, job.mode,
                                                                           shard)]

    return batch.process(folder, folder.items().to_dict("records"), lambda t: t["trace_id"],
                         work, ROLLOUTS, job.batch_traces or shard_traces(policy)).done


def shard_traces(policy: rollouts.RolloutPolicy, prefixes: int = 8) -> int:
    """Traces per shard: enough for one engine call of the sampler's size (a trace has about
    `prefixes` prefixes to roll out, K times each), at least 8."""
    return max(8, policy.sampler.sequences_per_call // (policy.k * prefixes))


def shard_record(values: rollouts.TraceValues, job: RolloutJob) -> dict:
    """One trace's results as a row of a shard (values and rollouts nested)."""
    return {"trace_id": values.trace_id, "policy": job.policy.name, "mode": values.mode,
            "verifier": VERIFIER, "computed_at": datetime.now(timezone.utc).replace(tzinfo=None),
            "pit_step": rollouts.first_pit(values),
            "spurious": rollouts.spurious_steps(values),
            "rollouts_used": values.rollouts_used,
            "values": [asdict(v) for v in values.values],
            "rollouts": [asdict(r) for r in values.rollouts]}


def start(workspace: Workspace, store: Store, job: RolloutJob, generator: str | None,
          negatives_only: bool, limit: int, submit_key: str | None = None) -> int:
    """Prepare the run and start it as a job (its own process); returns its traces.
    `submit_key`: a form's intent (synthqa.jobs.runner.Jobs.intent_key)."""
    n = prepare(workspace, store, job, generator, negatives_only, limit)
    if n:
        Jobs(workspace).start(KIND, MODULE, job.run_id, submit_key=submit_key)
    return n


if __name__ == "__main__":
    batch.main(run)
