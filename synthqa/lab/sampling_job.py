"""A compute-matched sampling job launched from the dashboard: SE and WC sample the same problems.

    python -m synthqa.sampling.job WORKSPACE JOB_ID

The job's settings live in `runs/<job_id>/job.json` (written and validated by the dashboard);
the process only writes Parquet shards into inbox/ and its own progress files, never the store.
It runs as a job of the local runner (synthqa.jobs), which records its exit code.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from synthqa.budget import Generator, match
from synthqa.jobs.runner import Jobs
from synthqa.jobs.table import Job
from synthqa.sampling.base import SamplingSpec, run_sampling
from synthqa.workspace import Workspace

PROBLEM_SETS = ("lab arithmetic", "GSM8K-style word problems")


@dataclass(frozen=True)
class ModelChoice:
    """A local model folder, or a model behind an OpenAI-compatible endpoint."""
    name: str
    path: str | None = None
    url: str | None = None
    params: int | None = None  # needed for an endpoint; read from the weights of a folder
    chat: bool = False

    def validate(self) -> None:
        if not re.fullmatch(r"[\w.:/+-]{1,120}", self.name):
            raise ValueError(f"model name {self.name!r}: letters, digits and ._:/+- only")
        if (self.path is None) == (self.url is None):
            raise ValueError(f"{self.name}: give a local folder or an endpoint URL")
        if self.path is not None and not (Path(self.path) / "config.json").is_file():
            raise ValueError(f"{self.path}: not a local model folder (no config.json)")
        if self.url is not None:
            if not re.fullmatch(r"https?://[\w.-]+(:\d+)?(/[\w./-]*)?", self.url):
                raise ValueError(f"{self.url}: not an http(s) URL")
            if not self.params or self.params <= 0:
                raise ValueError(f"{self.name}: an endpoint needs its parameter count")

    def sampler(self):
        if self.url is not None:
            from synthqa.sampling.openai import OpenAISampler
            return OpenAISampler(self.url, self.name)
        from synthqa.sampling.hf import HFSampler
        return HFSampler(self.path, chat=self.chat)


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
    def load(cls, path: Path) -> "SamplingJob":
        data = json.loads(path.read_text())
        return cls(**{**data, "se": ModelChoice(**data["se"]), "wc": ModelChoice(**data["wc"])})


def problems_for(problem_set: str, n: int, seed: int):
    """(problems, prompt template) of a problem set; seed 0 draws the demo's problems."""
    from synthqa.ingest import stable_id
    from synthqa.lab.demo import lab_problems
    from synthqa.lab.word_problems import INSTRUCTION, make_word_problems
    from synthqa.sampling.base import Problem

    if problem_set == PROBLEM_SETS[0]:
        return lab_problems(n, seed=seed + 2024), "{problem}\n"
    return [Problem(stable_id("word-problems", p.text), p.text, str(p.answer),
                    source="word-problems", split="test", topic="GSM8K-style")
            for p in make_word_problems(n, seed=seed + 2024)], \
        "{problem}" + INSTRUCTION


def launch(workspace: Workspace, job: SamplingJob) -> Job:
    """Validate, save the settings, start the job on the local runner."""
    job.validate()
    run_dir = workspace.init().runs / job.job_id
    if run_dir.exists():
        raise ValueError(f"a job named {job.job_id} exists already")
    run_dir.mkdir(parents=True)
    (run_dir / "job.json").write_text(json.dumps(asdict(job), indent=1))
    started, _ = Jobs(workspace).submit(
        "sampling", [sys.executable, "-m", "synthqa.sampling.job",
                     str(workspace.root.resolve()), job.job_id],
        submit_key=job.job_id, job_id=job.job_id)
    return started


def progress(workspace: Workspace, job_id: str) -> dict:
    """Problems done per role, the job's state and the end of its log."""
    run_dir = workspace.runs / job_id
    job = SamplingJob.load(run_dir / "job.json")
    done = {role: _lines(workspace.runs / f"{job_id}-{role}" / "done.jsonl")
            for role in ("se", "wc")}
    runner = Jobs(workspace)
    state = runner.status(job_id)
    return {"job": job, "done": done, "state": state.status if state else "LOST",
            "started": state.started_at if state else None,
            "log": runner.log_tail(job_id, 2000) if state else ""}


def jobs(workspace: Workspace) -> list[str]:
    """Sampling jobs, newest first (other jobs share the runs folder and the job table)."""
    return [j.job_id for j in Jobs(workspace).jobs() if j.kind == "sampling"]


def _lines(path: Path) -> int:
    return sum(1 for _ in open(path)) if path.exists() else 0


def run(workspace: Workspace, job: SamplingJob) -> None:
    problems, template = problems_for(job.problem_set, job.n_problems, job.seed)
    se, wc = job.se.sampler(), job.wc.sampler()
    plan = match(Generator(job.se.name, job.se.params or se.params),
                 Generator(job.wc.name, job.wc.params or wc.params),
                 len(problems), mean_tokens=job.max_tokens / 2, se_samples=job.se_samples)
    print(json.dumps(plan.rows(), default=str), flush=True)
    for role, sampler, gen, samples in (("se", se, plan.se, plan.se_samples),
                                        ("wc", wc, plan.wc, plan.wc_samples)):
        spec = SamplingSpec(samples_per_problem=samples, temperature=job.temperature,
                            max_tokens=job.max_tokens, seed=job.seed, prompt_template=template)
        run_sampling(workspace, sampler, problems, spec, gen.name, gen.params,
                     f"{job.job_id}-{role}", batch_problems=max(1, 64 // samples))


def main(argv: list[str]) -> int:
    """Run under the jobs wrapper, which records the exit code."""
    workspace, job_id = Workspace(Path(argv[0])), argv[1]
    run(workspace, SamplingJob.load(workspace.runs / job_id / "job.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
