"""Write N generic trace records (GSM8K-like, annotated arithmetic) to a JSONL file.

    python bench/gen_traces.py OUT.jsonl --n 1000000
"""
from __future__ import annotations

import argparse
import json
import random


def make_record(i: int, rng: random.Random, extra_steps: int = 0) -> dict:
    a, b, c = rng.randint(2, 99), rng.randint(2, 99), rng.randint(2, 9)
    s, p = a + b, (a + b) * c
    wrong = rng.random() < 0.3
    shown = p + rng.choice([-10, -1, 1, 10]) if wrong else p
    steps = [f"She has {a} + {b} = <<{a}+{b}={s}>>{s} apples.",
             f"Then {s} * {c} = <<{s}*{c}={shown}>>{shown} apples in all.",
             f"#### {shown}"]
    steps[2:2] = [f"Check: {k + 1} of {extra_steps} notes, nothing to compute here."
                  for k in range(extra_steps)]
    return {"problem": f"Problem {i // 4}: she has {a} apples and gets {b} more, then makes "
                       f"{c} times as many. How many?",
            "gold_answer": str(p), "generator": ["wc", "se"][i % 2], "params": [2_000_000_000, 16_000_000_000][i % 2],
            "source": "bench", "solution": "\n".join(steps), "n_tokens": 40 + len(steps)}


def main(args) -> None:
    rng = random.Random(args.seed)
    with open(args.out, "w") as handle:
        for i in range(args.n):
            handle.write(json.dumps(make_record(i, rng, args.extra_steps)) + "\n")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--extra-steps", type=int, default=0,
                        help="narrative steps added to the 3 computing ones")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
