"""Complexity of a solution: steps, tokens (stored at import) and arithmetic operations."""
from __future__ import annotations

import re

from synthqa.metrics.diversity import signature_of
from synthqa.stepcheck import find_equations

_OPERATOR = re.compile(r"(?<=[\w).\s])\s*[-+*/×÷^]")  # binary operators, not a leading sign


def arithmetic_operations(expression: str) -> int:
    """Binary operators in one written expression: '3 * (4 + 5)' has 2, '-3 + 1' has 1."""
    return len(_OPERATOR.findall(expression.strip()))


def solution_features(steps: list[str]) -> tuple[tuple[str, ...], int]:
    """(reasoning signature, arithmetic operations written) of one solution, in one pass."""
    equations = [eq for step in steps for eq in find_equations(step)]
    return signature_of(equations), sum(arithmetic_operations(eq.expr) for eq in equations)
