"""The sampler protocol: what a backend (transformers, vLLM, an OpenAI-compatible endpoint) is
asked for (n completions of each prompt) and gives back (texts with real token counts)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from synthqa.prompts import problem_prompt


@dataclass(frozen=True)
class SamplingSpec:
    samples_per_problem: int = 1
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int = 0
    prompt_template: str = "{problem}"          # {problem} is replaced by the problem text
    few_shot: tuple[tuple[str, str], ...] = ()  # (problem, solution) pairs put before it

    def prompt(self, problem: str) -> str:
        shots = "".join(problem_prompt(self.prompt_template, p) + s + "\n\n"
                        for p, s in self.few_shot)
        return shots + problem_prompt(self.prompt_template, problem)


@dataclass(frozen=True)
class Completion:
    text: str
    n_tokens: int  # tokens generated (EOS included): the compute spent on this sample


class Sampler(Protocol):
    """A backend: n completions for each prompt, with real token counts."""
    name: str
    backend: str          # "transformers", "vllm" or "openai": shown in a run's log
    sequences_per_call: int   # what one engine call takes well: a run's shard is sized to it

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]: ...

    def close(self) -> None:
        """Let go of the device's memory (a trainer may start next in the same process)."""


@dataclass(frozen=True)
class Problem:
    problem_id: str
    text: str
    gold_answer: str | None = None
    source: str = "sampled"
    split: str | None = None
    level: str | None = None
    topic: str | None = None


def prompt_ids(tokenizer, prompts: list[str], chat: bool) -> list[list[int]]:
    """Token ids of the prompts as a local engine gets them: a chat model's through its chat
    template, which carries its own special tokens (the tokenizer must not add them again)."""
    if not prompts:
        return []
    if chat:
        prompts = [tokenizer.apply_chat_template([{"role": "user", "content": p}],
                                                 add_generation_prompt=True, tokenize=False)
                   for p in prompts]
    return tokenizer(prompts, add_special_tokens=not chat)["input_ids"]


def cut_at_stop(text: str, stop: Iterable[str]) -> str:
    """Text up to the first stop string (the stop string itself is dropped)."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=len(text))
    return text[:cut]
