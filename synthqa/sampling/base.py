"""The sampler protocol, and a resumable sampling run that writes Parquet shards to the inbox."""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from synthqa.lab.model import LAB_SOURCE
from synthqa.lab.tasks import exact_label
from synthqa.prompts import problem_prompt
from synthqa.workspace import Workspace


@dataclass(frozen=True)
class SamplingSpec:
    samples_per_problem: int = 1
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int = 0
    prompt_template: str = "{problem}"          # {problem} is replaced by the problem text
    few_shot: tuple[tuple[str, str], ...] = ()  # (problem, solution) pairs put before it

    def prompt(self, problem: str) -> str:
        shots = "".join(problem_prompt(self.prompt_template, p) + s + "\n\n"
                        for p, s in self.few_shot)
        return shots + problem_prompt(self.prompt_template, problem)


@dataclass(frozen=True)
class Completion:
    text: str
    n_tokens: int  # tokens generated (EOS included): the compute spent on this sample


class Sampler(Protocol):
    """A backend: n completions for each prompt, with real token counts."""
    name: str

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]: ...


@dataclass(frozen=True)
class Problem:
    problem_id: str
    text: str
    gold_answer: str | None = None
    source: str = "sampled"
    split: str | None = None
    level: str | None = None
    topic: str | None = None


@dataclass
class RunResult:
    run_id: str
    shards: list[str] = field(default_factory=list)
    problems_done: int = 0
    problems_skipped: int = 0   # already done before a restart
    tokens: int = 0


def cut_at_stop(text: str, stop: Iterable[str]) -> str:
    """Text up to the first stop string (the stop string itself is dropped)."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=len(text))
    return text[:cut]


def run_sampling(workspace: Workspace, sampler: Sampler, problems: list[Problem],
                 spec: SamplingSpec, generator: str, params: int | None, run_id: str,
                 batch_problems: int = 16,
                 progress: Callable[[int], None] | None = None) -> RunResult:
    """Sample every problem; each batch lands in inbox/ as one Parquet shard (atomic rename).

    `runs/<run_id>/done.jsonl` lists finished problems, so a restarted run skips them.
    """
    run_dir = workspace.runs / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "spec.json").write_text(json.dumps({"generator": generator, "params": params,
                                                   **asdict(spec)}, indent=1))
    done_path = run_dir / "done.jsonl"
    done = set(done_path.read_text().split()) if done_path.exists() else set()
    todo = [p for p in problems if p.problem_id not in done]
    result = RunResult(run_id, problems_skipped=len(problems) - len(todo))
    for start in range(0, len(todo), batch_problems):
        batch = todo[start: start + batch_problems]
        outputs = sampler.complete([spec.prompt(p.text) for p in batch], spec,
                                   spec.samples_per_problem, spec.seed + start)
        records = [_record(p, i, c, spec, generator, params, run_id)
                   for p, completions in zip(batch, outputs)
                   for i, c in enumerate(completions)]
        result.shards.append(str(write_shard(workspace, run_id, start, records)))
        with open(done_path, "a") as handle:
            handle.write("".join(f"{p.problem_id}\n" for p in batch))
        result.problems_done += len(batch)
        result.tokens += sum(r["n_tokens"] for r in records)
        if progress:
            progress(len(batch))
    return result


def _record(problem: Problem, index: int, completion: Completion, spec: SamplingSpec,
            generator: str, params: int | None, run_id: str) -> dict:
    """One trace record; a lab problem's trace carries its exact first error as a label."""
    exact = exact_label(problem.text, completion.text) if problem.source == LAB_SOURCE else {}
    return {**exact, "problem_id": problem.problem_id, "problem": problem.text,
            "gold_answer": problem.gold_answer, "source": problem.source,
            "split": problem.split, "level": problem.level, "topic": problem.topic,
            "generator": generator, "params": params, "run": run_id,
            "temperature": spec.temperature, "sample_index": index,
            "solution": completion.text, "n_tokens": completion.n_tokens}


def write_shard(workspace: Workspace, run_id: str, start: int, records: list[dict],
                fmt: str = "generic") -> Path:
    """Records as one Parquet file in inbox/ (temporary name, then rename); `fmt` tells the
    writer how to ingest it (trace records, or a rollout run's results)."""
    return write_table_shard(workspace, run_id, start, pa.Table.from_pylist(records), fmt)


def write_table_shard(workspace: Workspace, run_id: str, start: int, table: pa.Table,
                      fmt: str) -> Path:
    """An Arrow table as one Parquet file in inbox/ (temporary name, then rename)."""
    workspace.init()
    safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in run_id)
    final = workspace.inbox / f"{safe}-{start:09d}-{uuid.uuid4().hex[:8]}.{fmt}.parquet"
    tmp = workspace.inbox / f".tmp-{final.name}"
    pq.write_table(table, tmp)
    os.replace(tmp, final)
    return final
