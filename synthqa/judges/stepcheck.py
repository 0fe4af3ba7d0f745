"""The step checks as a judge: a wrong written equation flags the trace at that step."""
from __future__ import annotations

from collections.abc import Sequence

from synthqa.checks.answers import extract_answer
from synthqa.checks.stepcheck import CHECKER, check_trace
from synthqa.judges.base import JudgeInput, Judgement

# A propagating (dynamic) error is near-certain to be a reasoning flaw; a static one is a
# slip nothing uses, so the trace may still reason correctly (Havrilla & Iyer 2024).
SCORES = {"dynamic": 1.0, "static": 0.5, None: 0.0}


class StepCheckJudge:
    name = "stepcheck"
    version = CHECKER

    def settings(self) -> dict:
        return {"scores": {str(k): v for k, v in SCORES.items()}}

    def judge(self, items: Sequence[JudgeInput]) -> list[Judgement]:
        out = []
        for item in items:
            answer = extract_answer("\n".join(item.steps))[0]
            check = check_trace(list(item.steps), answer)
            out.append(Judgement(item.trace_id, SCORES.get(check.error_kind, 1.0),
                                 check.first_failed, votes_flawed=int(check.first_failed
                                                                      is not None)))
        return out
