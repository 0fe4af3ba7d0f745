"""Re-evaluate the arithmetic each step writes; mark wrong equations as static or dynamic errors.

Equations come from GSM8K calculator annotations (`<<48/2=24>>`), from `a op b = c` chains in the
text (`A = (-9 - 5) = -14`) and from simple LaTeX (`\\frac`, `\\times`, `\\cdot`). Arithmetic is
exact (fractions). A claimed value written with d decimals may be the true value rounded or cut
to d decimals. An error is *dynamic* when its wrong value is used later in the trace (a later step
or the final answer), *static* otherwise (Havrilla & Iyer 2024).
"""
from __future__ import annotations

import ast
import json
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

CHECKER_VERSION = 2
CHECKER = f"synthqa-stepcheck {CHECKER_VERSION}"

_ANNOTATION = re.compile(r"<<([^<>=]+)=([^<>]*)>>")
# Maximal runs of arithmetic characters (those with a digit are equations to look at); the
# digit-anchored pattern `[…]*\d[…]*` backtracks quadratically on ". . . ." (20,000: 12 s).
_CHUNK = re.compile(r"[-+*/^().\d\s=]+")
_NUMBER_TOKEN = re.compile(r"-?\d+(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")
_DIGIT_RUN = re.compile(r"\d+")
# (trigger, pattern, replacement): a rewrite runs only when its trigger occurs in the text.
_REWRITES = [
    ("\\", re.compile(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}"), r"((\1)/(\2))"),
    ("", re.compile(r"\\times|\\cdot|×|∗"), "*"),
    ("", re.compile(r"\\div|÷"), "/"),
    ("", re.compile(r"−|–"), "-"),
    ("", re.compile(r"\\left|\\right|\\[,;! ]|\$"), ""),
    (",", re.compile(r"(?<=\d),(?=\d{3}(?!\d))"), ""),       # thousands separators
    ("", re.compile(r"(?<=\d)\s*[xX]\s*(?=[\d(])"), "*"),   # 3 x 4
]
_NEEDS_REWRITE = re.compile(r"[\\×∗÷−–$,xX]")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv}
MAX_EXPONENT = 64
MAX_DIGITS = 100        # longer numbers are not arithmetic anyone checks by hand
MAX_BITS = 4_096        # no intermediate value grows past this ((9^64)^64)^64 …: 63 s before)
MAX_STEP_CHARS = 5_000  # a longer step is kept as text and marked unchecked


@dataclass(frozen=True)
class Equation:
    expr: str
    claimed: str
    actual: str | None  # exact value as text; None when the expression cannot be evaluated
    ok: bool


@dataclass
class StepCheck:
    equations: list[Equation] = field(default_factory=list)
    error_kind: str | None = None  # static | dynamic, for a step with a wrong equation
    unchecked: bool = False        # longer than MAX_STEP_CHARS: kept, not read

    @property
    def status(self) -> str:
        if self.unchecked:
            return "unchecked"
        if not self.equations:
            return "none"
        return "ok" if all(e.ok for e in self.equations) else "wrong"

    @property
    def detail(self) -> str | None:
        """The equations as stored with the step (JSON), None when there were none."""
        return json.dumps([e.__dict__ for e in self.equations]) if self.equations else None


@dataclass
class TraceCheck:
    steps: list[StepCheck]

    @property
    def first_failed(self) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.status == "wrong"), None)

    @property
    def error_kind(self) -> str | None:
        first = self.first_failed
        return None if first is None else self.steps[first].error_kind


@lru_cache(maxsize=262_144)
def evaluate(expr: str) -> Fraction | None:
    """Exact value of + - * / ^ arithmetic on decimals; None for anything else."""
    if sum(c.isdigit() for c in expr) > 10 * MAX_DIGITS or any(
            len(run) > MAX_DIGITS for run in _DIGIT_RUN.findall(expr)):
        return None
    if _PLAIN_NUMBER.fullmatch(expr):
        return Fraction(expr)
    try:
        tree = ast.parse(expr.strip().replace("^", "**"), mode="eval")
        return _eval(tree.body)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, TypeError,
            RecursionError):
        return None


def _eval(node: ast.AST) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Fraction(node.value) if type(node.value) is int else Fraction(repr(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow):
            if right.denominator != 1 or abs(right) > MAX_EXPONENT:
                raise ValueError("exponent out of range")
            if _bits(left) * abs(int(right)) > MAX_BITS:
                raise ValueError("power too large to check")
            return left ** int(right)
        if type(node.op) in _OPS:
            value = _OPS[type(node.op)](left, right)
            if _bits(value) > MAX_BITS:
                raise ValueError("value too large to check")
            return value
    raise ValueError(f"unsupported {type(node).__name__}")


def _bits(value: Fraction) -> int:
    return max(value.numerator.bit_length(), value.denominator.bit_length())


def matches(actual: Fraction, claimed: str) -> bool:
    """Is `claimed` the actual value (to 1e-9 relative), or it rounded / cut to the decimals
    written?"""
    value = evaluate(claimed)
    if value is None:
        return False
    if value == actual or abs(value - actual) <= abs(actual) * Fraction(1, 10**9):
        return True  # exact, or a calculator's float (580/110 = 5.2727272727272725)
    decimals = len(claimed.strip().split(".")[1]) if "." in claimed else 0
    if decimals == 0:
        return False
    scale = 10 ** decimals
    rounded = Fraction(round(actual * scale), scale)
    truncated = Fraction(int(actual * scale), scale)
    return value in (rounded, truncated)


def _normalise(text: str) -> str:
    if not _NEEDS_REWRITE.search(text):
        return text
    for trigger, pattern, repl in _REWRITES:
        if trigger in text:
            text = pattern.sub(repl, text)
    return text


def _has_operator(expr: str) -> bool:
    return bool(re.search(r"[\d)]\s*[-+*/^]\s*[-(\d.]", expr))


def find_equations(step: str) -> list[Equation]:
    """Every checkable equation in a step, annotations first, without repeats."""
    if "=" not in step:  # no rewrite makes one: most narrative steps end here
        return []
    found: dict[tuple[str, str], Equation] = {}
    for expr, claimed in _ANNOTATION.findall(step):
        expr, claimed = _normalise(expr).strip(), _normalise(claimed).strip()
        _add(found, expr, claimed)
    text = _normalise(_ANNOTATION.sub(" ", step))
    for chunk in _CHUNK.finditer(text):
        if not any(c.isdigit() for c in chunk.group(0)):
            continue
        sides = [s.strip().rstrip(".").strip() for s in chunk.group(0).split("=")]
        # A side glued to a letter is part of an algebraic term (9X, 3x): not arithmetic.
        if _glued(text, chunk.start() - 1, chunk.start()):
            sides[0] = ""
        if _glued(text, chunk.end() - 1, chunk.end()):
            sides[-1] = ""
        for left, right in zip(sides, sides[1:]):
            if _is_operand(left) and _is_operand(right) and (
                    _has_operator(left) or _has_operator(right)):
                _add(found, left, right)
    return list(found.values())


def _glued(text: str, i: int, j: int) -> bool:
    return 0 <= i and j < len(text) and text[i].isalnum() and text[j].isalnum()


def _is_operand(side: str) -> bool:
    return bool(side) and side[0] not in "+*/^)"


def _add(found: dict, expr: str, claimed: str) -> None:
    actual = evaluate(expr)
    if actual is None or evaluate(claimed) is None:
        return
    key = (re.sub(r"\s+", "", expr), re.sub(r"\s+", "", claimed))
    if key not in found:
        found[key] = Equation(expr, claimed, _fraction_text(actual), matches(actual, claimed))


def _fraction_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.6g}"


def _numbers_in(text: str) -> set[Fraction]:
    return {evaluate(tok) for tok in _NUMBER_TOKEN.findall(_normalise(text))}  # cached


def check_trace(steps: list[str], final_answer: str | None = None) -> TraceCheck:
    """Check every step; classify each wrong one as static or dynamic."""
    checks = [StepCheck(unchecked=True) if len(step) > MAX_STEP_CHARS
              else StepCheck(find_equations(step)) for step in steps]
    if all(e.ok for check in checks for e in check.equations):
        return TraceCheck(checks)  # nothing wrong: no error to classify
    later_numbers: set[Fraction] = _numbers_in(final_answer or "")
    # Walk backwards so `later_numbers` holds what every later step (and the answer) mentions.
    for step, check in zip(reversed(steps), reversed(checks)):
        wrong = [e for e in check.equations if not e.ok]
        if wrong:
            used = any(evaluate(e.claimed) in later_numbers for e in wrong)
            check.error_kind = "dynamic" if used else "static"
        later_numbers |= _numbers_in(_ANNOTATION.sub(" ", step[:MAX_STEP_CHARS]))
    return TraceCheck(checks)


def reasoning_signature(steps: Sequence[str]) -> tuple[str, ...]:
    """The arithmetic a solution writes, in order, with whitespace and redundant parentheses
    normalised: two solutions with the same signature are the same reasoning."""
    return signature_of(eq for step in steps for eq in find_equations(step))


def signature_of(equations: Iterable[Equation]) -> tuple[str, ...]:
    return tuple(re.sub(r"\s+", "", eq.expr) + "=" + eq.claimed.strip() for eq in equations)
