"""The demo workspace: lab problems sampled by the WC and SE lab models at matched compute.

    python -m synthqa demo [--problems 300] [--se-samples 2]
"""
from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from synthqa.config import job_env
from synthqa.ingest.inbox import ingest_inbox
from synthqa.jobs import progress as progress_file
from synthqa.lab.model import DATA_DIR, LAB_SOURCE, lab_label, prompt_of
from synthqa.lab.problems import make_problems
from synthqa.lab.sample_sets import PROBLEM_SETS, lab_problems, problems_for
from synthqa.metrics.coverage import coverage_at_k
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.budget import Generator, MatchedPlan, match
from synthqa.sampling import smollm2
from synthqa.sampling.hf import HFSampler
from synthqa.sampling.run import run_sampling
from synthqa.store import Store, StoreBusy
from synthqa.workspace import Workspace

SOURCE = LAB_SOURCE
SPEC = SamplingSpec(temperature=0.8, max_tokens=80)


@dataclass
class DemoResult:
    plan: MatchedPlan
    traces: int
    ingested: bool  # False: the store was busy, the dashboard ingests the shards
    summary: list[dict] = field(default_factory=list)


def summarize(store: Store, plan: MatchedPlan) -> list[dict]:
    """Per generator at matched compute: samples, accuracy per sample, coverage, FLOPs spent."""
    rows = []
    for gen, samples in ((plan.se, plan.se_samples), (plan.wc, plan.wc_samples)):
        counts = store.summaries.samples_per_problem(gen.name, SOURCE)
        n = sum(c for c, _ in counts)
        rows.append({"generator": gen.name, "samples per problem": samples,
                     "accuracy per sample": sum(k for _, k in counts) / n if n else 0.0,
                     f"coverage@{samples}": coverage_at_k(counts, samples) if counts else 0.0,
                     "FLOPs": store.scalar("SELECT sum(flops) FROM runs WHERE generator = ?",
                                           [gen.name])})
    return rows


def plan_demo(n_problems: int, se_samples: int, wc_path: Path = DATA_DIR / "wc",
              se_path: Path = DATA_DIR / "se") -> tuple[MatchedPlan, HFSampler, HFSampler]:
    se, wc = HFSampler(se_path), HFSampler(wc_path)
    # Expected tokens per sample: a reference solution, one token per character, plus EOS.
    references = make_problems(500, seed=1)
    mean_tokens = sum(len(p.solution) + 1 for p in references) / len(references)
    plan = match(Generator("lab-se", se.params), Generator("lab-wc", wc.params),
                 n_problems, mean_tokens, se_samples=se_samples)
    return plan, se, wc


def build_demo(workspace: Workspace, n_problems: int = 300, se_samples: int = 1,
               progress: Callable[[int], None] | None = None,
               say: Callable[[str], None] = print, wc_path: Path = DATA_DIR / "wc",
               se_path: Path = DATA_DIR / "se") -> DemoResult:
    """Sample both lab models at matched compute into the inbox; ingest if the store is free.
    Each trace carries the lab's exact first error (synthqa.lab.problems.exact_label)."""
    plan, se, wc = plan_demo(n_problems, se_samples, wc_path, se_path)
    for row in plan.rows():
        say(f"{row['role']} {row['generator']}: {row['parameters']:,} parameters, "
            f"{row['samples per problem']} samples x {row['problems']} problems, "
            f"~{row['expected FLOPs']:.2e} FLOPs")
    problems = lab_problems(n_problems)
    for sampler, gen, samples in ((se, plan.se, plan.se_samples), (wc, plan.wc, plan.wc_samples)):
        spec = SamplingSpec(**{**SPEC.__dict__, "samples_per_problem": samples,
                               "prompt_template": prompt_of("{problem}")})
        run_sampling(workspace, sampler, problems, spec, gen.name, gen.params,
                     f"{gen.name}:demo-t{spec.temperature}", batch_problems=max(1, 64 // samples),
                     progress=progress, label=lab_label)
    summary = _ingest_if_free(workspace, lambda store: summarize(store, plan))
    if summary is None:
        return DemoResult(plan, 0, ingested=False)
    traces, rows = summary
    return DemoResult(plan, traces, True, rows)


def _ingest_if_free(workspace: Workspace, then=lambda store: None):
    """Ingest the inbox when no other process holds the store: (traces, then(store)), or None
    when the dashboard holds it (it ingests the shards itself)."""
    try:
        store = workspace.open_store()
    except StoreBusy:
        return None
    try:
        ingest_inbox(store, workspace)
        return store.count("traces"), then(store)
    finally:
        store.close()


def progress_folder(workspace: Workspace, source: str) -> Path:
    return workspace.runs / f"demo-{source}"


def tracked(workspace: Workspace, source: str, total: int,
            also: Callable[[int], None]) -> Callable[[int], None]:
    """A progress callback that also keeps runs/demo-<source>/progress.json (done, total,
    start) for the dashboard's panel and its time estimate."""
    folder, started, done = progress_folder(workspace, source), time.time(), 0
    folder.mkdir(parents=True, exist_ok=True)
    progress_file.write(folder, 0, total, started)

    def step(n: int) -> None:
        nonlocal done
        done += n
        also(n)
        progress_file.write(folder, done, total, started)
    return step


def progress_of(workspace: Workspace, source: str) -> dict:
    """The demo's progress (done, total, started) and its estimate `seconds_left`."""
    state = progress_file.read(progress_folder(workspace, source))
    return {**state, "seconds_left": progress_file.seconds_left(state)}


def available() -> bool:
    return all((DATA_DIR / size / "model.safetensors").is_file() for size in ("wc", "se"))


def build_smollm2_demo(workspace: Workspace, n_problems: int, cache, samples: int = 1,
                       progress: Callable[[int], None] | None = None) -> int:
    """Real-LLM traces on a CPU: SmolLM2-135M-Instruct on GSM8K-style word problems."""
    sampler = HFSampler(smollm2.model_dir(cache), chat=True, batch_size=8)
    problems, template = problems_for(PROBLEM_SETS[1], n_problems, seed=0)  # the demo's
    spec = SamplingSpec(samples_per_problem=samples, temperature=0.7, max_tokens=200,
                        prompt_template=template)
    run_sampling(workspace, sampler, problems, spec, "smollm2-135m-instruct", sampler.params,
                 "smollm2-135m-instruct:word-problems-t0.7", batch_problems=8,
                 progress=progress)
    summary = _ingest_if_free(workspace)
    return 0 if summary is None else summary[0]


def start_in_background(workspace: Workspace, source: str = "lab") -> subprocess.Popen:
    """For the dashboard: the demo runs in its own process and fills the inbox as it goes."""
    if source not in ("lab", "smollm2"):
        raise ValueError(f"unknown demo source {source!r}")
    log = open(workspace.init().runs / f"demo-{source}.log", "w")
    (progress_folder(workspace, source) / "progress.json").unlink(missing_ok=True)  # a past run's
    return subprocess.Popen([sys.executable, "-m", "synthqa", "-q", "--workspace",
                             str(workspace.root), "demo", "--source", source],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env=job_env())
