"""A toy workspace whose every metric is known by hand (tests/test_report.py computes them)."""
import json
from pathlib import Path

from synthqa.ingest import import_file
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
