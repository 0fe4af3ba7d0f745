import threading

import pytest

from synthqa.checks import answers
from synthqa.checks.answers import (VERIFIER, extract_answer, is_equivalent, numeric_value,
                                    verify_many)


@pytest.mark.parametrize("text, expected, method", [
    ("so $x = \\boxed{\\frac{1}{2}}$ and done", "\\frac{1}{2}", "boxed"),
    ("nested \\boxed{\\frac{a}{\\sqrt{b}}} end", "\\frac{a}{\\sqrt{b}}", "boxed"),
    ("16 - 3 = 13\n#### 13", "13", "####"),
    ("Thus the answer is 42.", "42", "answer-is"),
    ("So the final answer is: $\\frac{3}{4}$.", "\\frac{3}{4}", "answer-is"),
    ("She makes $18.\nA: 18", "18", "A:"),
    ("we get 3 then 1,250 in total", "1,250", "guess: final sentence"),
    # the whole expression after the last '=', not its last number, and not the "2" of Step 2
    ("Step 1: x = 210 / 7\nStep 2: print(x)", "210 / 7", "guess: final sentence"),
    ("So the probability is -24/25.", "-24/25", "guess: final sentence"),
    ("The ratio is \\frac{1}{3}.", "\\frac{1}{3}", "guess: final sentence"),
    ("He works 34 hours in 4 weeks.", "34", "guess: final sentence"),
    ("Total: 5 + 3 = 8 apples. Hope this helps!", "8", "guess: final sentence"),
    ("no numbers here", None, "none"),
])
def test_extraction_prefers_explicit_markers(text, expected, method):
    assert extract_answer(text) == (expected, method)


@pytest.mark.parametrize("pred, gold", [
    ("\\frac{1}{2}", "0.5"),            # fractions
    ("1/2", "\\frac{1}{2}"),
    ("\\dfrac{3}{4}", "0.75"),          # LaTeX
    ("\\sqrt{2}/2", "\\frac{\\sqrt 2}{2}"),
    ("5\\text{ cm}", "5"),              # units
    ("18 dollars", "18"),
    ("$1,200", "1200"),
    ("[1, 2)", "[1,2)"),                # intervals
    ("(-\\infty, 3]", "(-\\infty,3]"),
    ("x=3", "3"),                       # x = 3
    ("x = 3", "x=3"),
    ("18.0", "18"),
])
def test_equivalent_answers(pred, gold):
    assert is_equivalent(pred, gold)


@pytest.mark.parametrize("pred, gold", [
    ("(1,2)", "[1,2]"), ("0.5", "0.25"), ("x=4", "3"), ("17", "16"), (None, "3"), ("3", None),
])
def test_different_answers(pred, gold):
    assert not is_equivalent(pred, gold)


def test_numeric_value_reads_currency_commas_units():
    assert numeric_value("$1,234.50") == numeric_value("1234.5")
    assert numeric_value("12 apples") == 12
    assert numeric_value("x + 1") is None


def test_latex_equivalence_works_off_the_main_thread():
    # Streamlit runs page scripts on a non-main thread, where math-verify's SIGALRM fails.
    answers._equivalent.cache_clear()
    out = {}
    thread = threading.Thread(target=lambda: out.update(
        same=is_equivalent("\\frac{2}{4}", "\\frac{1}{2}"),
        other=is_equivalent("\\sqrt{3}", "\\frac{1}{2}")))
    thread.start()
    thread.join()
    assert out == {"same": True, "other": False}


def test_pathological_input_is_guarded_off_the_main_thread():
    out = {}
    thread = threading.Thread(target=lambda: out.update(
        tower=is_equivalent("10^{10^{10}}", "1"), same=is_equivalent("2^{99999}", "2^{99999}")))
    thread.start()
    thread.join()
    assert out == {"tower": False, "same": True}


def test_verify_many_in_worker_processes_matches_inline(monkeypatch):
    pairs = [("\\frac{1}{2}", "0.5"), ("\\sqrt{4}", "2"), ("\\pi", "3"), ("7", "7.0"),
             ("\\frac{1}{2}", "0.5")]
    monkeypatch.setattr(answers, "POOL_THRESHOLD", 1)
    assert verify_many(pairs, workers=2) == [True, True, False, True, True]


def test_verifier_name_has_the_math_verify_version():
    from importlib.metadata import version
    assert version("math-verify") in VERIFIER


@pytest.mark.parametrize("pred, gold", [
    ("1", "0,1"),            # a partial set is not the set (a verifier false positive)
    ("0", "0,1"),
    ("1,2", "1,2,3"),
])
def test_partial_sets_are_not_equivalent(pred, gold):
    assert not is_equivalent(pred, gold)


@pytest.mark.parametrize("pred, gold", [
    ("A, D", "\\text{A,D}"),  # multiple-choice letters in a text wrapper
    ("5", "5 \\text{ cm}"),    # a unit in the gold
    ("115000", "\\$115,000"),  # an escaped dollar and thousands separators
    ("1,0", "0,1"),
])
def test_answer_classes_seen_on_public_traces(pred, gold):
    assert is_equivalent(pred, gold)
