"""Seconds to ingest single hostile records of up to 1 MB (split, extract, check, token count).

    python -m bench.hostile_records

Issue 12's goal: no single record of <= 1 MB takes more than a second.
"""
from __future__ import annotations

import time

from synthqa.checks.answers import extract_answer
from synthqa.checks.stepcheck import check_trace
from synthqa.checks.steps import split_steps
from synthqa.ingest.rows import estimate_tokens

MB = 1 << 20
CASES = {
    "1 MB of newlines": lambda: "x" + "\n" * (MB - 2) + "y",
    "an answer, then 1 MB of blanks": lambda: "The answer is 5" + " \t" * (MB // 2) + ".",
    "1 MB of '. '": lambda: ". " * (MB // 2),
    "1 MB of 'Step 1:' lines": lambda: "Step 1: go\n" * (MB // 11),
    "1 MB of '\\boxed{'": lambda: "\\boxed{" * (MB // 7),
    "a power tower": lambda: "(((9^64)^64)^64)^64 = 1",
    "a 1 MB number": lambda: "9" * MB + " = 1",
    "1 MB of '1+'": lambda: "1+" * (MB // 2) + "1 = 2",
    "1 MB of '(('": lambda: "(" * MB,
    "a 28 KB final sentence of numbers": lambda: "So " + " and ".join(
        f"{i % 997}/{i % 89 + 1} = {i / 7:.3f}" for i in range(1500)) + " is the total.",
    "10 MB of short sums": lambda: ". ".join(f"{i} + {i + 1} = {2 * i + 1}"
                                             for i in range(500_000)) + ".",
}


def main() -> None:
    print("| record | seconds |")
    print("|---|---|")
    for name, make in CASES.items():
        text = make()
        started = time.perf_counter()
        steps, _ = split_steps(text)
        check_trace(steps, extract_answer(text)[0])
        estimate_tokens(text)
        print(f"| {name} | {time.perf_counter() - started:.3f} |", flush=True)


if __name__ == "__main__":
    main()
