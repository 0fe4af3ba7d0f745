"""Complexity of a solution: steps, tokens (stored at import) and arithmetic operations."""
from __future__ import annotations

import re

from synthqa.checks.stepcheck import TraceCheck, check_trace, signature_of

_OPERATOR = re.compile(r"(?<=[\w).\s])\s*[-+*/×÷^]")  # binary operators, not a leading sign


def arithmetic_operations(expression: str) -> int:
    """Binary operators in one written expression: '3 * (4 + 5)' has 2, '-3 + 1' has 1."""
    return len(_OPERATOR.findall(expression.strip()))


def check_features(check: TraceCheck) -> tuple[str, int]:
    """(reasoning signature as one string, arithmetic operations) from a trace's step check:
    what the import stores in trace_features. Steps too long to check add nothing."""
    equations = [eq for step in check.steps for eq in step.equations]
    return ("\x1f".join(signature_of(equations)),
            sum(arithmetic_operations(eq.expr) for eq in equations))


def steps_features(steps: list[str]) -> tuple[str, int]:
    """The same for stored steps of a trace the import did not give features (older stores)."""
    return check_features(check_trace(steps))
