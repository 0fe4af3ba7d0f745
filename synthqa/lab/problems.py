"""Multi-step arithmetic problems with gold answers and fully traced solutions.

In the spirit of TInt (Havrilla & Iyer 2024): every step is one operation the step checker can
re-evaluate. A problem is a chain evaluated left to right, e.g. `12+7*3-5`; its solution is
one line per operation and the answer line: `12+7=19`, `19*3=57`, `57-5=52`, `#### 52`.
Difficulty knobs: the number of operations and the operand size (digits).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from synthqa.checks.steps import split_steps

OPS = "+-*"


@dataclass(frozen=True)
class LabProblem:
    text: str           # the expression, e.g. "12+7*3-5"
    answer: int
    steps: tuple[str, ...]
    n_ops: int
    digits: int

    @property
    def solution(self) -> str:
        return "\n".join(self.steps)

    @property
    def level(self) -> str:
        return f"{self.n_ops} ops, {self.digits} digits"


def make_problem(rng: random.Random, n_ops: int, digits: int) -> LabProblem:
    """One chain of n_ops operations; multiplications take a single-digit operand so that
    intermediate values stay a few digits long."""
    value = rng.randint(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits - 1)
    text, steps = str(value), []
    for _ in range(n_ops):
        op = rng.choice(OPS)
        operand = rng.randint(2, 9) if op == "*" else rng.randint(
            10 ** (digits - 1) if digits > 1 else 0, 10 ** digits - 1)
        result = {"+": value + operand, "-": value - operand, "*": value * operand}[op]
        steps.append(f"{value}{op}{operand}={result}")
        text += f"{op}{operand}"
        value = result
    steps.append(f"#### {value}")
    return LabProblem(text, value, tuple(steps), n_ops, digits)


def make_problems(n: int, seed: int = 0, ops: tuple[int, int] = (1, 4),
                  digits: tuple[int, int] = (1, 2)) -> list[LabProblem]:
    """n distinct problems, operation counts and operand sizes drawn uniformly from the ranges."""
    rng = random.Random(seed)
    problems: dict[str, LabProblem] = {}
    while len(problems) < n:
        problem = make_problem(rng, rng.randint(*ops), rng.randint(*digits))
        problems.setdefault(problem.text, problem)
    return list(problems.values())


def first_wrong_step(problem: LabProblem, steps: list[str]) -> int | None:
    """The lab's exact first error: the first step that differs from the gold trace."""
    for i, (gold, step) in enumerate(zip(problem.steps, steps)):
        if gold.strip() != step.strip():
            return i
    return None if len(steps) == len(problem.steps) else min(len(steps), len(problem.steps))


EXACT_LABELLER = "lab (exact)"  # who the exact first-error labels of lab traces are from


def exact_label(problem_text: str, solution: str) -> dict:
    """A lab trace's exact first error as record fields (`first_error_step`, -1 for none, and
    `labeller`), indexed like the steps the import will split; {} where that is not one step
    per line or the problem is not a lab chain."""
    steps, style = split_steps(solution)
    try:
        problem = problem_from_text(problem_text)
    except ValueError:
        return {}
    if style != "lines" or not steps:
        return {}
    wrong = first_wrong_step(problem, steps)
    # a trace that stops early errs where its next step is missing: at its last step
    return {"first_error_step": -1 if wrong is None else min(wrong, len(steps) - 1),
            "labeller": EXACT_LABELLER}


def problem_from_text(text: str) -> LabProblem:
    """The lab problem written as `text` (e.g. `12+7*3-5`), with its gold steps."""
    tokens = re.findall(r"\d+|[-+*]", text.strip())
    if not tokens or "".join(tokens) != text.strip() or len(tokens) % 2 == 0:
        raise ValueError(f"not a lab problem: {text!r}")
    value, steps = int(tokens[0]), []
    for op, operand in zip(tokens[1::2], map(int, tokens[2::2])):
        result = {"+": value + operand, "-": value - operand, "*": value * operand}[op]
        steps.append(f"{value}{op}{operand}={result}")
        value = result
    steps.append(f"#### {value}")
    digits = max(len(t) for t in tokens[::2])
    return LabProblem(text.strip(), value, tuple(steps), len(steps) - 1, digits)
