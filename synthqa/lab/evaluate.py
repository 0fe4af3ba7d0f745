"""Accuracy of the lab models per difficulty level (greedy and sampled, held-out problems).

    python -m synthqa.lab.evaluate [--per-level 100]
"""
from __future__ import annotations

import argparse
import random

from synthqa.checks.answers import extract_answer
from synthqa.lab.model import DATA_DIR, prompt_of
from synthqa.lab.problems import make_problem
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler

LEVELS = [(ops, digits) for digits in (1, 2) for ops in (1, 2, 3, 4)]


def accuracy(sampler: HFSampler, per_level: int, spec: SamplingSpec,
             seed: int = 99) -> dict[tuple[int, int], float]:
    rng = random.Random(seed)
    out = {}
    for ops, digits in LEVELS:
        problems = [make_problem(rng, ops, digits) for _ in range(per_level)]
        completions = sampler.complete([prompt_of(p.text) for p in problems], spec, 1, seed)
        right = sum(extract_answer(c[0].text)[0] == str(p.answer)
                    for p, c in zip(problems, completions))
        out[(ops, digits)] = right / per_level
    return out


def main(args) -> None:
    greedy, sampled = SamplingSpec(temperature=0, max_tokens=80), SamplingSpec(
        temperature=0.8, max_tokens=80)
    print(f"{'model':6} {'params':>10} {'decoding':9} " + " ".join(
        f"{o}op/{d}d" for o, d in LEVELS))
    for size in ("tiny", "wc", "se"):
        sampler = HFSampler(DATA_DIR / size)
        for name, spec in (("greedy", greedy), ("T=0.8", sampled)):
            acc = accuracy(sampler, args.per_level, spec)
            print(f"{size:6} {sampler.params:>10,} {name:9} " + " ".join(
                f"{acc[level]:6.2f}" for level in LEVELS))


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-level", type=int, default=100, help="problems per level")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
