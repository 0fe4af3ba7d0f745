"""The judge protocol: a judge reads traces (problem, gold, steps) and returns, per trace, a score
P(reasoning flawed) and a predicted first wrong step, or none."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class JudgeInput:
    trace_id: str
    problem: str
    gold: str | None
    steps: tuple[str, ...]
    extra: dict = field(default_factory=dict)  # what a backend needs besides (e.g. MC values)


@dataclass(frozen=True)
class Judgement:
    trace_id: str
    score: float | None         # P(reasoning flawed); None when the judge could not tell
    first_step: int | None      # predicted first wrong step (0-based); None = no error found
    votes: int = 1              # samples asked (critic); 1 for deterministic judges
    votes_flawed: int = 0
    unparsed: int = 0           # replies the judge could not read (counted, never guessed)
    detail: str | None = None   # e.g. the raw critic replies, JSON


class Judge(Protocol):
    """A backend. `name` identifies the judge in the store; version and settings go beside."""
    name: str
    version: str

    def settings(self) -> dict: ...

    def judge(self, items: Sequence[JudgeInput]) -> list[Judgement]: ...
