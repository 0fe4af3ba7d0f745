"""Monte Carlo values as a judge: inside an answer-correct trace, a step after which the value
falls marks where the reasoning may have gone wrong (Setlur et al. 2024; values, not labels)."""
from __future__ import annotations

from collections.abc import Sequence

from synthqa.judges.base import JudgeInput, Judgement

DROP = 0.5  # a step whose advantage is at most -DROP is the predicted first wrong step


class ValueDropJudge:
    """Reads each trace's stored values (`extra["values"]`: [(prefix_steps, q_mean)]) of one
    rollout policy and search. Score = the largest value drop over one step, in [0, 1]."""
    version = "value-drop-1"

    def __init__(self, policy: str, mode: str = "exhaustive", drop: float = DROP):
        self.policy, self.mode, self.drop = policy, mode, drop
        self.name = f"rollouts:{policy}/{mode}"

    def settings(self) -> dict:
        return {"policy": self.policy, "mode": self.mode, "drop": self.drop}

    def judge(self, items: Sequence[JudgeInput]) -> list[Judgement]:
        return [self._one(item) for item in items]

    def _one(self, item: JudgeInput) -> Judgement:
        values = sorted((int(p), float(q)) for p, q in item.extra.get("values") or ())
        if len(values) < 2:
            return Judgement(item.trace_id, None, None, votes=0, detail="no step values")
        # advantage of the step that takes prefix p to prefix p' (p' > p: binary search skips)
        drops = [(q0 - q1, p1 - 1) for (p0, q0), (p1, q1) in zip(values, values[1:])]
        worst = max(d for d, _ in drops)
        first = next((step for d, step in drops if d >= self.drop), None)
        return Judgement(item.trace_id, min(1.0, max(0.0, worst)), first,
                         votes_flawed=int(first is not None))
