from fractions import Fraction

import pytest

from synthqa.checks.stepcheck import check_trace, evaluate, find_equations, matches


def test_evaluate_is_exact_and_refuses_non_arithmetic():
    assert evaluate("0.1 + 0.2") == Fraction(3, 10)
    assert evaluate("2^10") == 1024
    assert evaluate("(-9 - 5) * -2") == 28
    assert evaluate("__import__('os')") is None
    assert evaluate("2 ** 100000") is None  # exponent guard
    assert evaluate("1/0") is None


def test_gsm8k_annotation_checked():
    eq, = find_equations("She has 16 - 3 = <<16-3=13>>13 eggs")
    assert (eq.expr, eq.claimed, eq.ok) == ("16-3", "13", True)
    bad, = find_equations("so 32 + 38 + 40 = <<32+38+40=100>>100 pens")
    assert not bad.ok and bad.actual == "110"


def test_rounded_claims_match_to_the_decimals_written():
    assert matches(Fraction(75, 55), "1.4")     # 1.3636… rounded to one decimal
    assert matches(Fraction(10, 3), "3.33")
    assert not matches(Fraction(10, 3), "3")    # an integer claim must be exact
    assert not matches(Fraction(150, 6000), "0.25")
    assert matches(Fraction(580, 110), "5.2727272727272725")  # float noise of a calculator


def test_text_chains_check_every_link():
    eqs = find_equations("Let's calculate C = ((3 * 4 * 5) * (7 - -7 * 4)) = "
                         "((3 * 4 * 5) * (7 - 28)) = (60 * (-21)) = -1260.")
    assert [e.ok for e in eqs] == [False, True, True]


def test_latex_and_unicode_operators():
    eqs = find_equations(r"$\frac{3}{4} \times 8 = 6$ and $\dfrac{1}{2}\cdot 10 = 4$, 3 × 4 = 12")
    assert [(e.claimed, e.ok) for e in eqs] == [("6", True), ("4", False), ("12", True)]


@pytest.mark.parametrize("text", [
    "1210 - 640 - 540 = 3x",             # algebra, not arithmetic
    "32+9X+12=<<32+9X+12=44+9X>>44+9X",
    "The year 2023 was good = fine",
    "x = 5",
])
def test_no_false_equations(text):
    assert find_equations(text) == []


def test_thousands_separators():
    eq, = find_equations("1,200 + 300 = 1,500")
    assert eq.ok


def test_static_error_is_not_used_later():
    steps = ["He buys 3 * 4 = <<3*4=13>>13 apples, I mean 12 apples.",
             "So 12 + 2 = <<12+2=14>>14", "#### 14"]
    check = check_trace(steps, "14")
    assert check.first_failed == 0 and check.error_kind == "static"
    assert [s.status for s in check.steps] == ["wrong", "ok", "none"]


def test_dynamic_error_propagates_to_the_answer():
    steps = ["3 * 12 = <<3*12=38>>38 pencils", "38 - 10 = <<38-10=28>>28", "#### 28"]
    check = check_trace(steps, "28")
    assert check.first_failed == 0 and check.error_kind == "dynamic"


def test_clean_trace_has_no_failed_step():
    check = check_trace(["3 * 12 = 36", "36 - 10 = 26", "The answer is 26."], "26")
    assert check.first_failed is None and check.error_kind is None
