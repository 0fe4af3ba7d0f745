"""A sampling run: a batch run (synthqa.jobs.batch) over problems whose trace records land in
inbox/ as Parquet shards; a restarted run skips the problems it finished."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from synthqa.jobs import batch
from synthqa.sampling.base import Completion, Problem, Sampler, SamplingSpec
from synthqa.workspace import Workspace

Label = Callable[[Problem, str], dict]  # (problem, solution) -> extra record fields


@dataclass
class RunResult:
    run_id: str
    shards: list[str] = field(default_factory=list)
    problems_done: int = 0
    problems_skipped: int = 0   # already done before a restart
    tokens: int = 0


def run_sampling(workspace: Workspace, sampler: Sampler, problems: list[Problem],
                 spec: SamplingSpec, generator: str, params: int | None, run_id: str,
                 batch_problems: int = 16,
                 progress: Callable[[int], None] | None = None,
                 label: Label | None = None) -> RunResult:
    """Sample every problem not done yet in `runs/<run_id>/`; each batch lands in inbox/ as
    one Parquet shard. `label(problem, solution)` adds fields to a trace's record (the lab's
    exact first error); `progress(n)` hears of each batch's n problems."""
    folder = batch.RunFolder(workspace, run_id)
    folder.folder.mkdir(parents=True, exist_ok=True)
    (folder.folder / "spec.json").write_text(json.dumps({
        "generator": generator, "params": params, "backend": getattr(sampler, "backend", None),
        **asdict(spec)}, indent=1))
    result = RunResult(run_id)

    def work(todo: list[Problem], start: int) -> list[dict]:
        outputs = sampler.complete([spec.prompt(p.text) for p in todo], spec,
                                   spec.samples_per_problem, spec.seed + start)
        return [trace_record(p, i, c, spec, generator, params, run_id, label)
                for p, completions in zip(todo, outputs) for i, c in enumerate(completions)]

    def heard(todo: list[Problem], records: list[dict]) -> None:
        result.tokens += sum(r["n_tokens"] for r in records)
        if progress:
            progress(len(todo))

    done = batch.process(folder, problems, lambda p: p.problem_id, work, "generic",
                         batch_problems, heard)
    result.shards, result.problems_done, result.problems_skipped = \
        done.shards, done.done, done.skipped
    return result


def trace_record(problem: Problem, index: int, completion: Completion, spec: SamplingSpec,
            generator: str, params: int | None, run_id: str, label: Label | None) -> dict:
    """One trace record, with the fields `label` adds."""
    extra = label(problem, completion.text) if label else {}
    return {**extra, "problem_id": problem.problem_id, "problem": problem.text,
            "gold_answer": problem.gold_answer, "source": problem.source,
            "split": problem.split, "level": problem.level, "topic": problem.topic,
            "generator": generator, "params": params, "run": run_id,
            "temperature": spec.temperature, "sample_index": index,
            "solution": completion.text, "n_tokens": completion.n_tokens}
