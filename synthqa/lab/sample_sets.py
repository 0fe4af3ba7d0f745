"""The problem sets the dashboard samples and trained models are scored on: the lab's
arithmetic chains and its GSM8K-style word problems, as sampler problems with their prompt."""
from __future__ import annotations

from synthqa.ingest.rows import stable_id
from synthqa.lab.model import LAB_SOURCE
from synthqa.lab.problems import make_problems
from synthqa.lab.word_problems import INSTRUCTION, make_word_problems
from synthqa.sampling.base import Problem

PROBLEM_SETS = ("lab arithmetic", "GSM8K-style word problems")
TOPIC = "left-to-right arithmetic"
DEMO_SEED = 2024  # the models were trained on other random problems (seed 0)


def lab_problems(n: int, seed: int = DEMO_SEED) -> list[Problem]:
    return [Problem(stable_id(LAB_SOURCE, p.text), p.text, str(p.answer), source=LAB_SOURCE,
                    split="test", level=p.level, topic=TOPIC)
            for p in make_problems(n, seed=seed)]


def problems_for(problem_set: str, n: int, seed: int):
    """(problems, prompt template) of a problem set; seed 0 draws the demo's problems."""
    if problem_set == PROBLEM_SETS[0]:
        return lab_problems(n, seed=seed + 2024), "{problem}\n"
    return [Problem(stable_id("word-problems", p.text), p.text, str(p.answer),
                    source="word-problems", split="test", topic="GSM8K-style")
            for p in make_word_problems(n, seed=seed + 2024)], \
        "{problem}" + INSTRUCTION
