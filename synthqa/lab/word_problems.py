"""GSM8K-style word problems written from templates, with exact answers and reference steps.

A few dozen of these let a real small LLM (SmolLM2-135M-Instruct) produce real traces on a CPU.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

NAMES = ["Ana", "Ben", "Carla", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jon"]
ITEMS = ["apples", "pencils", "stickers", "marbles", "books", "cookies", "cards", "shells"]


@dataclass(frozen=True)
class WordProblem:
    text: str
    answer: int
    steps: tuple[str, ...]


def _buy_and_give(rng: random.Random) -> WordProblem:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    a, b, c = rng.randint(5, 40), rng.randint(2, 30), rng.randint(1, 5)
    total = a + b
    return WordProblem(
        f"{name} has {a} {item}. {name} gets {b} more and then gives away {c} {item}. "
        f"How many {item} does {name} have now?", total - c,
        (f"{a} + {b} = {total}", f"{total} - {c} = {total - c}"))


def _change(rng: random.Random) -> WordProblem:
    name, price, count = rng.choice(NAMES), rng.randint(2, 9), rng.randint(2, 6)
    paid = (price * count // 10 + 1) * 10
    return WordProblem(
        f"A shop sells notebooks at {price} dollars each. {name} buys {count} notebooks and "
        f"pays with {paid} dollars. How much change does {name} get, in dollars?",
        paid - price * count,
        (f"{price} * {count} = {price * count}", f"{paid} - {price * count} = "
                                                 f"{paid - price * count}"))


def _boxes(rng: random.Random) -> WordProblem:
    item, boxes, per, extra = rng.choice(ITEMS), rng.randint(2, 9), rng.randint(3, 12), \
        rng.randint(1, 9)
    return WordProblem(
        f"There are {boxes} boxes with {per} {item} in each box, and {extra} loose {item}. "
        f"How many {item} are there in total?", boxes * per + extra,
        (f"{boxes} * {per} = {boxes * per}", f"{boxes * per} + {extra} = "
                                             f"{boxes * per + extra}"))


def _share(rng: random.Random) -> WordProblem:
    item, friends, each = rng.choice(ITEMS), rng.randint(2, 6), rng.randint(2, 9)
    kept = rng.randint(1, 9)
    total = friends * each + kept
    return WordProblem(
        f"{rng.choice(NAMES)} had {total} {item}, kept {kept} and shared the rest equally "
        f"among {friends} friends. How many {item} did each friend get?", each,
        (f"{total} - {kept} = {total - kept}", f"{total - kept} / {friends} = {each}"))


def _speed(rng: random.Random) -> WordProblem:
    speed, hours, back = rng.randint(20, 60), rng.randint(2, 5), rng.randint(1, 3)
    return WordProblem(
        f"A train travels at {speed} km per hour for {hours} hours and then {back} more "
        f"hours at the same speed. How many km does it travel in total?",
        speed * (hours + back),
        (f"{hours} + {back} = {hours + back}", f"{speed} * {hours + back} = "
                                               f"{speed * (hours + back)}"))


TEMPLATES = [_buy_and_give, _change, _boxes, _share, _speed]
INSTRUCTION = " Solve it step by step, then write the final line as: The answer is N."


def make_word_problems(n: int, seed: int = 0) -> list[WordProblem]:
    rng = random.Random(seed)
    return [TEMPLATES[i % len(TEMPLATES)](rng) for i in range(n)]
