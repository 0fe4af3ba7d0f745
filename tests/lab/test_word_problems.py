from synthqa.checks.stepcheck import check_trace
from synthqa.lab.word_problems import make_word_problems


def test_word_problems_have_consistent_reference_steps_and_answers():
    problems = make_word_problems(40, seed=3)
    assert len({p.text for p in problems}) == 40
    for p in problems:
        check = check_trace(list(p.steps), str(p.answer))
        assert check.first_failed is None and all(s.status == "ok" for s in check.steps)
        assert p.steps[-1].endswith(f"= {p.answer}")
