import random
import re

from synthqa.checks.answers import extract_answer
from synthqa.checks.stepcheck import check_trace
from synthqa.lab.problems import first_wrong_step, make_problem, make_problems


def test_a_problem_traces_every_operation_left_to_right():
    p = make_problem(random.Random(3), n_ops=3, digits=2)
    tokens = re.findall(r"\d+|[-+*]", p.text)
    value = int(tokens[0])
    for op, operand in zip(tokens[1::2], tokens[2::2]):
        value = {"+": value + int(operand), "-": value - int(operand),
                 "*": value * int(operand)}[op]
    assert value == p.answer and len(p.steps) == 4 and p.steps[-1] == f"#### {p.answer}"
    assert extract_answer(p.solution) == (str(p.answer), "####")
    assert check_trace(list(p.steps), str(p.answer)).first_failed is None
    assert p.level == "3 ops, 2 digits"


def test_problems_are_reproducible_and_span_the_knobs():
    a, b = make_problems(200, seed=7), make_problems(200, seed=7)
    assert a == b and len({p.text for p in a}) == 200  # distinct: no duplicate problem ids
    assert {p.n_ops for p in a} == {1, 2, 3, 4} and {p.digits for p in a} == {1, 2}


def test_a_wrong_step_is_caught_by_the_step_checker_and_located_exactly():
    p = make_problem(random.Random(1), n_ops=3, digits=2)
    bad = list(p.steps)
    left, right = bad[1].split("=")
    bad[1] = f"{left}={int(right) + 1}"
    assert first_wrong_step(p, bad) == 1
    assert check_trace(bad, None).first_failed == 1
    assert first_wrong_step(p, list(p.steps)) is None
