"""A toy workspace whose every metric is known by hand (tests/metrics/test_report.py computes them)."""
import json
from pathlib import Path

import pandas as pd

from synthqa.ingest.commit import import_file
from synthqa.store import Store

GOLD = {"P1": "26", "P2": "10", "P3": "5"}
TOKENS = 10


def _solution(a: int, b: int, op: str) -> str:
    value = eval(f"{a}{op}{b}")
    return f"We compute {a} {op} {b} = <<{a}{op}{b}={value}>>{value}.\n#### {value}"


# (problem, generator, solution): WC has 4 samples per problem, SE one.
SAMPLES = [
    ("P1", "wc", _solution(20, 6, "+")), ("P1", "wc", _solution(20, 6, "+")),
    ("P1", "wc", _solution(13, 2, "*")), ("P1", "wc", _solution(20, 7, "+")),
    ("P2", "wc", _solution(5, 2, "*")), ("P2", "wc", _solution(5, 3, "*")),
    ("P2", "wc", _solution(5, 3, "*")), ("P2", "wc", _solution(9, 2, "*")),
    ("P3", "wc", _solution(2, 2, "+")), ("P3", "wc", _solution(2, 2, "+")),
    ("P3", "wc", _solution(3, 3, "+")), ("P3", "wc", _solution(1, 1, "+")),
    ("P1", "se", _solution(20, 6, "+")), ("P2", "se", _solution(12, 2, "-")),
    ("P3", "se", _solution(2, 2, "*")),
]
PARAMS = {"wc": 1_000_000_000, "se": 4_000_000_000}


def fill(store: Store, folder: Path) -> Store:
    path = folder / "toy_traces.jsonl"
    with path.open("w") as f:
        for problem, gen, solution in SAMPLES:
            f.write(json.dumps({
                "problem": f"Problem {problem}", "problem_id": problem, "gold_answer": GOLD[problem],
                "generator": gen, "params": PARAMS[gen], "run": f"{gen}:t1", "source": "toy",
                "level": "1" if problem == "P1" else "2", "solution": solution,
                "n_tokens": TOKENS}) + "\n")
    assert import_file(store, path).n_errors == 0
    return store


def add_scripted_pits(store: Store, workspace) -> pd.DataFrame:
    """Rollouts of WC's two wrong traces of P2 by a scripted policy: 2 of 4 rollouts reach the
    gold from the bare problem, none after step 1, so the pit is step 1 (index 0)."""
    from synthqa.ingest.commit import ROLLOUTS
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.jobs.batch import RunFolder
    from synthqa.sampling.base import SamplingSpec
    from synthqa.sampling.models import ModelChoice
    from synthqa.values import job as rollout_job
    from synthqa.values import rollouts
    from tests.values.test_rollouts import Scripted

    job = rollout_job.RolloutJob("scripted-run", ModelChoice("scripted", path="/nowhere"), k=4)
    wrong = store.values.rollout_inputs("wc", True, 2)
    assert set(wrong["gold"]) == {"10"}                      # both of problem P2
    policy = rollouts.RolloutPolicy(Scripted({0: 2, 1: 0, 2: 0}, 4, gold="10"),
                                    SamplingSpec(prompt_template="{problem}\n"), k=4)
    records = [rollout_job.shard_record(rollouts.exhaustive(
        policy, t.trace_id, t.problem, t.gold, list(t.steps), False), job)
        for t in wrong.itertuples()]
    RunFolder(workspace, job.run_id).shard(0, records, ROLLOUTS)
    assert ingest_inbox(store, workspace)[0].ok
    return wrong
