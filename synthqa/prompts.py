"""Prompt templates from forms and files: only the documented {placeholders} are substituted.

Never `str.format`: a template is untrusted, and format strings reach attributes
(`{problem.__class__}`) and pad without bound (`{problem:>300000000}`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

MAX_TEMPLATE_CHARS = 20_000
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def validate(template: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
    """Raise ValueError for an over-long template, an unknown or malformed placeholder, or a
    missing required one."""
    allowed = tuple(allowed)
    if len(template) > MAX_TEMPLATE_CHARS:
        raise ValueError(f"the template is longer than {MAX_TEMPLATE_CHARS:,} characters")
    used = set()
    for match in _FIELD.finditer(template):
        name = match.group(1)
        if name is None:
            continue
        if name not in allowed:
            raise ValueError(f"unknown placeholder {{{name}}}: the template may use "
                             + ", ".join(f"{{{a}}}" for a in allowed))
        used.add(name)
    for name in required:
        if name not in used:
            raise ValueError(f"the template needs {{{name}}}")


def render(template: str, allowed: Iterable[str], **values: str) -> str:
    """The template with each allowed {name} replaced by its value; {{ and }} are braces."""
    allowed = tuple(allowed)
    validate(template, allowed)

    def one(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return str(values.get(match.group(1), ""))
    return _FIELD.sub(one, template)


PROBLEM = ("problem",)  # what sampling, rollout and training-set templates may use


def problem_prompt(template: str, problem: str) -> str:
    return render(template, PROBLEM, problem=problem)


def validate_problem_template(template: str) -> None:
    validate(template, PROBLEM, required=PROBLEM)
