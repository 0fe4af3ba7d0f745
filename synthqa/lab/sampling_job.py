"""A compute-matched sampling job launched from the dashboard: SE and WC sample the same lab
problem set (arithmetic chains or GSM8K-style word problems).

    python -m synthqa.lab.sampling_job WORKSPACE JOB_ID

The job's settings live in `runs/<job_id>/job.json` (saved and validated by the dashboard); it
runs two sampling runs, `<job_id>-se` and `<job_id>-wc`, as batch runs (synthqa.jobs.batch).
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from synthqa.jobs import batch
from synthqa.jobs.runner import Jobs
from synthqa.jobs.table import Job
from synthqa.lab.model import lab_label
from synthqa.lab.sample_sets import PROBLEM_SETS, problems_for
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.budget import Generator, match
from synthqa.sampling.models import ModelChoice
from synthqa.sampling.run import run_sampling
from synthqa.workspace import Workspace

KIND, MODULE = "sampling", "synthqa.lab.sampling_job"
ROLES = ("se", "wc")


@dataclass(frozen=True)
class SamplingJob:
    job_id: str
    problem_set: str
    n_problems: int
    se: ModelChoice
    wc: ModelChoice
    se_samples: int = 1
    temperature: float = 0.8
    max_tokens: int = 200
    seed: int = 0

    def validate(self) -> None:
        if not re.fullmatch(r"[\w-]{1,64}", self.job_id):
            raise ValueError(f"job id {self.job_id!r}: letters, digits, _ and - only")
        if self.problem_set not in PROBLEM_SETS:
            raise ValueError(f"unknown problem set {self.problem_set!r}")
        if not (1 <= self.n_problems <= 100_000 and 1 <= self.se_samples <= 1000):
            raise ValueError("problems must be 1..100,000 and SE samples 1..1,000")
        if not (0 <= self.temperature <= 2 and 1 <= self.max_tokens <= 8192):
            raise ValueError("temperature must be 0..2 and max tokens 1..8192")
        self.se.validate()
        self.wc.validate()

    @classmethod
    def from_dict(cls, data: dict) -> "SamplingJob":
        return cls(**{**data, "se": ModelChoice(**data["se"]), "wc": ModelChoice(**data["wc"])})


def launch(workspace: Workspace, job: SamplingJob, submit_key: str | None = None) -> Job:
    """Validate, save the settings, start the job (`submit_key`: a form's intent)."""
    job.validate()
    folder = batch.RunFolder(workspace, job.job_id)
    if folder.folder.exists():
        raise ValueError(f"a job named {job.job_id} exists already")
    folder.save(asdict(job))
    return Jobs(workspace).start(KIND, MODULE, job.job_id, submit_key=submit_key)


def load(workspace: Workspace, job_id: str) -> SamplingJob:
    return SamplingJob.from_dict(batch.RunFolder(workspace, job_id).spec())


def problems_done(workspace: Workspace, job_id: str) -> dict[str, int]:
    """Problems each role has sampled so far."""
    return {role: batch.RunFolder(workspace, f"{job_id}-{role}").progress()["done"]
            for role in ROLES}


def backends(workspace: Workspace, job_id: str) -> dict[str, str]:
    """The engine each role samples with (once its run has started): transformers, vllm,
    openai."""
    found = {}
    for role in ROLES:
        spec = batch.RunFolder(workspace, f"{job_id}-{role}").folder / "spec.json"
        if spec.is_file():
            found[role] = json.loads(spec.read_text()).get("backend") or "?"
    return found


def run(workspace: Workspace, job_id: str) -> None:
    job = load(workspace, job_id)
    problems, template = problems_for(job.problem_set, job.n_problems, job.seed)
    se, wc = job.se.sampler(), job.wc.sampler()
    plan = match(Generator(job.se.name, job.se.params or se.params),
                 Generator(job.wc.name, job.wc.params or wc.params),
                 len(problems), mean_tokens=job.max_tokens / 2, se_samples=job.se_samples)
    print(json.dumps(plan.rows(), default=str), flush=True)
    for role, sampler, gen, samples in zip(ROLES, (se, wc), (plan.se, plan.wc),
                                           (plan.se_samples, plan.wc_samples)):
        spec = SamplingSpec(samples_per_problem=samples, temperature=job.temperature,
                            max_tokens=job.max_tokens, seed=job.seed, prompt_template=template)
        per_call = max(64, sampler.sequences_per_call)   # a shard: one engine call, or 64
        print(f"{role.upper()} {gen.name}: {sampler.backend}, {per_call} sequences a call",
              flush=True)
        run_sampling(workspace, sampler, problems, spec, gen.name, gen.params,
                     f"{job.job_id}-{role}", batch_problems=max(1, per_call // samples),
                     label=lab_label)


if __name__ == "__main__":
    batch.main(run)
