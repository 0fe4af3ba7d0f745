"""A critic LLM asked for the earliest wrong paragraph, or -1: through any OpenAI-compatible
chat endpoint (`vllm serve`, a hosted API, `python -m synthqa.sampling.serve`), many traces in
flight at once, or from a local model folder through the sampling engine (vLLM's offline engine
where it is installed, else transformers): every trace of a shard in one engine call.

The prompt is ProcessBench's (Zheng et al. 2024): paragraphs tagged and indexed from 0, the
answer in \\boxed{}. n samples per trace, majority vote on the index; score = the share of
votes for "flawed". A reply with no readable index is counted as unparsed, never guessed.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from synthqa.judges.base import JudgeInput, Judgement
from synthqa.prompts import render
from synthqa.sampling.base import Sampler, SamplingSpec

PROMPT = """The following is a math problem and a solution (split into paragraphs, enclosed \
with tags and indexed from 0):

[Math Problem]

{problem}

[Solution]

{paragraphs}

Your task is to review and critique the solution paragraph by paragraph. Once you identify an \
error in a paragraph, return the index of the paragraph where the earliest error occurs. \
Otherwise, return the index of -1 (which typically denotes "not found").

Please put your final answer (i.e., the index) in \\boxed{{}}."""
PLACEHOLDERS = ("problem", "paragraphs", "gold")
_BOXED = re.compile(r"\\boxed\{\s*(-?\d+)\s*\}")
_FINAL = re.compile(r"(?:answer|index)\D{0,20}?(-?\d+)\s*\.?\s*$", re.I)


def paragraphs(steps: Sequence[str]) -> str:
    return "\n\n".join(f"<paragraph_{i}>\n{s}\n</paragraph_{i}>" for i, s in enumerate(steps))


def parse_index(reply: str, n_steps: int) -> int | None:
    """The last \\boxed{k} (or a closing "the index is k"); None when absent or out of range."""
    found = _BOXED.findall(reply) or _FINAL.findall(reply.strip())
    if not found:
        return None
    k = int(found[-1])
    return k if -1 <= k < n_steps else None


@dataclass
class CriticJudge:
    base_url: str
    model: str
    n: int = 4
    temperature: float = 0.7
    max_tokens: int = 1024
    prompt: str = PROMPT
    api_key: str | None = None
    timeout_s: float = 600.0
    concurrency: int = 8      # traces in flight at once (each asks its n samples at once)
    sampler: Sampler | None = None   # a local engine instead of the endpoint
    version = "critic-1"

    @property
    def name(self) -> str:
        return f"critic:{self.model}"

    def settings(self) -> dict:
        engine = {"engine": self.sampler.backend} if self.sampler else {}
        return {"base_url": self.base_url, "model": self.model, "n": self.n,
                "temperature": self.temperature, "max_tokens": self.max_tokens,
                "prompt": self.prompt, **engine}

    @property
    def traces_per_call(self) -> int:
        """Traces a shard of a run holds: a few minutes of endpoint calls, or as many as fill
        one call of the local engine (n samples each)."""
        return max(16, self.sampler.sequences_per_call // self.n) if self.sampler else 16

    def judge(self, items: Sequence[JudgeInput]) -> list[Judgement]:
        texts = [self._text(item) for item in items]
        if self.sampler is not None:          # the whole batch in one engine call
            spec = SamplingSpec(temperature=self.temperature, max_tokens=self.max_tokens)
            replies = [[c.text for c in got]
                       for got in self.sampler.complete(texts, spec, self.n, seed=0)]
        else:
            with ThreadPoolExecutor(self.concurrency) as pool:
                replies = list(pool.map(self._ask, texts))
        return [self._verdict(item, got) for item, got in zip(items, replies)]

    def _text(self, item: JudgeInput) -> str:
        return render(self.prompt, PLACEHOLDERS, problem=item.problem,
                      paragraphs=paragraphs(item.steps), gold=item.gold or "")

    def _verdict(self, item: JudgeInput, replies: list[str]) -> Judgement:
        indices = [parse_index(r, len(item.steps)) for r in replies]
        read = [k for k in indices if k is not None]
        detail = json.dumps({"replies": [r[-400:] for r in replies], "indices": indices})
        if not read:
            return Judgement(item.trace_id, None, None, len(replies), 0, len(replies), detail)
        flawed = [k for k in read if k >= 0]
        first = None
        if len(flawed) * 2 > len(read):  # majority says flawed: the most voted step, earliest
            counts = Counter(flawed)
            first = min(counts, key=lambda k: (-counts[k], k))
        return Judgement(item.trace_id, len(flawed) / len(read), first, len(replies),
                         len(flawed), len(replies) - len(read), detail)

    def _ask(self, text: str) -> list[str]:
        import requests

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = requests.post(
            self.base_url.rstrip("/") + "/v1/chat/completions", headers=headers,
            timeout=self.timeout_s, allow_redirects=False, json={
                "model": self.model, "messages": [{"role": "user", "content": text}],
                "n": self.n, "temperature": self.temperature, "max_tokens": self.max_tokens})
        response.raise_for_status()
        choices = sorted(response.json()["choices"], key=lambda c: c.get("index", 0))
        return [str((c.get("message") or {}).get("content") or "") for c in choices]
