"""A process reward model behind a server's pooling API (`vllm serve MODEL`, POST /pooling),
asked in the model's own format, so the best open PRMs can judge a workspace:

- `qwen` (Qwen2.5-Math-PRM-7B / 72B): the chat of a system prompt, the problem as the user's
  turn and the steps as the assistant's, each followed by `<extra_0>`; the server returns per
  `<extra_0>` the softmax over (wrong, right): P(step correct) is the second.
- `math-shepherd`: the problem, a space, the steps each followed by ` ки` on its own line; the
  server, started with the step tag `ки` and the returned tokens (`+`, `-`), returns per tag
  (P(+), P(-)): P(step correct) is the first.

`python -m synthqa.judges.prm_serve` serves a PRM trained here through the same API.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from synthqa.judges.base import JudgeInput, Judgement
from synthqa.judges.prm import THRESHOLD, verdict

QWEN_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


def qwen_text(problem: str, steps: Sequence[str]) -> str:
    """Qwen2.5-Math-PRM's input: its chat template (ChatML) over the model card's messages."""
    answer = "".join(f"{step}<extra_0>" for step in steps)
    return (f"<|im_start|>system\n{QWEN_SYSTEM}<|im_end|>\n<|im_start|>user\n{problem}"
            f"<|im_end|>\n<|im_start|>assistant\n{answer}<|im_end|>\n")


def shepherd_text(problem: str, steps: Sequence[str]) -> str:
    return f"{problem} " + "".join(f"{step} ки\n" for step in steps)


@dataclass(frozen=True)
class PrmFormat:
    text: Callable[[str, Sequence[str]], str]
    positive: int            # which of a step's returned scores is P(step correct)


FORMATS = {"qwen": PrmFormat(qwen_text, 1), "math-shepherd": PrmFormat(shepherd_text, 0)}


class EndpointPrmJudge:
    version = "prm-endpoint-1"

    def __init__(self, base_url: str, model: str, fmt: str = "qwen",
                 threshold: float = THRESHOLD, batch: int = 16, concurrency: int = 8,
                 api_key: str | None = None, timeout_s: float = 600.0):
        if fmt not in FORMATS:
            raise ValueError(f"PRM format {fmt!r}: choose from {', '.join(FORMATS)}")
        self.base_url, self.model, self.fmt = base_url.rstrip("/"), model, fmt
        self.threshold, self.batch, self.concurrency = threshold, batch, concurrency
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout_s = timeout_s
        self.name = f"prm:{model}"

    def settings(self) -> dict:
        return {"base_url": self.base_url, "model": self.model, "format": self.fmt,
                "threshold": self.threshold}

    def judge(self, items: Sequence[JudgeInput]) -> list[Judgement]:
        """Requests of `batch` traces, `concurrency` of them in flight at once."""
        chunks = [list(items[i: i + self.batch]) for i in range(0, len(items), self.batch)]
        with ThreadPoolExecutor(self.concurrency) as pool:
            return [j for judged in pool.map(self._judge, chunks) for j in judged]

    def _judge(self, items: list[JudgeInput]) -> list[Judgement]:
        fmt = FORMATS[self.fmt]
        reply = requests.post(f"{self.base_url}/pooling", headers=self.headers,
                              timeout=self.timeout_s, allow_redirects=False, json={
                                  "model": self.model,
                                  "input": [fmt.text(i.problem, i.steps) for i in items]})
        reply.raise_for_status()
        data = sorted(reply.json()["data"], key=lambda d: d["index"])
        out = []
        for item, row in zip(items, data):
            scores = [float(step[fmt.positive]) for step in row["data"]]
            if len(scores) != len(item.steps):
                out.append(Judgement(item.trace_id, None, None, votes=0, detail=(
                    f"the server scored {len(scores)} steps of {len(item.steps)}")))
            else:
                out.append(verdict(item.trace_id, scores, self.threshold))
        return out
