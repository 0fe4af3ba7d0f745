"""Answer checks per second: numeric fast path, math-verify cold, and cached.

    python bench/answer_checks.py --n 2000
"""
from __future__ import annotations

import argparse
import random
import time

from synthqa.checks import answers


def latex_pairs(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Distinct LaTeX answers that need math-verify (none is a plain number)."""
    pairs = []
    for i in range(n):
        a, b = rng.randint(1, 999), rng.randint(2, 999)
        kind = i % 4
        if kind == 0:
            pairs.append((f"\\frac{{{a}}}{{{b}}}", f"\\frac{{{2 * a}}}{{{2 * b}}}"))
        elif kind == 1:
            pairs.append((f"{a}\\sqrt{{{b}}}", f"\\sqrt{{{a * a * b}}}"))
        elif kind == 2:
            pairs.append((f"x = {a}", f"{a + rng.randint(0, 1)}"))
        else:
            pairs.append((f"[{a}, {a + b})", f"[{a},{a + b})"))
    return pairs


def rate(pairs, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for pred, gold in pairs:
            answers.is_equivalent(pred, gold)
    return repeat * len(pairs) / (time.perf_counter() - start)


def main(args) -> None:
    rng = random.Random(0)
    numeric = [(str(rng.randint(0, 10**6)), f"{rng.randint(0, 10**6):,}") for _ in range(args.n)]
    latex = latex_pairs(args.n, rng)
    answers.is_equivalent("\\frac{1}{2}", "0.5")  # import sympy / math-verify once
    answers._equivalent.cache_clear()
    print(f"numeric fast path (cold): {rate(numeric):10,.0f} checks/s")
    print(f"math-verify (cold)      : {rate(latex):10,.0f} checks/s")
    print(f"math-verify (cached)    : {rate(latex, repeat=20):10,.0f} checks/s")
    answers._equivalent.cache_clear()
    start = time.perf_counter()
    answers.verify_many(latex, workers=args.workers)
    pool_rate = len(latex) / (time.perf_counter() - start)
    print(f"verify_many, {args.workers} workers : {pool_rate:10,.0f} checks/s (cold, incl. spawn)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
