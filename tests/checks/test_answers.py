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


@pytest.mark.parametrize("pred, gold", [
    # real-style MATH cases the checker got wrong (issue 24): LaTeX number formats
    ("5,\\!866,\\!608", "5866608"),
    ("\\$115,000", "115{,}000"),
    ("1\\,000", "1000"),
    ("50\\%", "50"),
    ("30^\\circ", "30"),
    ("\\$18.50", "18.5"),
    # a unit inside the gold (or the prediction), in \text{} or \mbox{}
    ("8\\sqrt{3}", "8\\sqrt{3} \\text { square inches}"),
    ("12\\mbox{ cm}^2", "12"),
    ("\\frac{3}{4}\\text{ cup}", "\\frac34"),
])
def test_equivalent_latex_number_formats_and_units(pred, gold):
    assert is_equivalent(pred, gold)


@pytest.mark.parametrize("pred, gold", [
    ("5,\\!866,\\!609", "5866608"), ("8\\sqrt{2}", "8\\sqrt{3} \\text{ square inches}"),
    ("1,000", "1"),
])
def test_latex_formats_do_not_make_different_answers_equal(pred, gold):
    assert not is_equivalent(pred, gold)


@pytest.mark.parametrize("text, expected", [
    # a stated final answer wins over the last inline expression
    ("The repeating block of the decimal expansion of \\(\\frac{1}{37}\\) is 7", "7"),
    ("So there are a total of 3 possible values for \\(n\\)", "3"),
    ("Therefore $x = \\sqrt{2}$", "\\sqrt{2}"),
    ("Since $x^2 = 9$, the sum is $\\frac{1}{2}$.", "\\frac{1}{2}"),
    ("We find \\(a = 2\\) and then \\(b = 5\\)", "5"),
    ("Its area is \\(12\\pi\\) square units", "12\\pi"),
])
def test_final_sentence_prefers_the_stated_answer(text, expected):
    assert extract_answer(text) == (expected, "guess: final sentence")


def test_answer_colon_is_an_explicit_answer():
    assert extract_answer("Adding them up.\nFinal answer: 7") == ("7", "answer-is")
    assert extract_answer("Answer: \\(\\frac{2}{3}\\)") == ("\\frac{2}{3}", "answer-is")


def test_math_style_traces_agree_with_their_source():
    """Real-style MATH traces (tests/fixtures/math_style.jsonl: \\(…\\), \\[…\\], LaTeX number
    formats, units, stated answers): every answer verdict agrees with the source's (15 of 20
    before these cases were handled)."""
    import json
    from pathlib import Path

    from synthqa.ingest.records import from_generic

    path = Path(__file__).parents[1] / "fixtures" / "math_style.jsonl"
    records = [from_generic(json.loads(line)) for line in path.read_text().splitlines()]
    ours = [is_equivalent(extract_answer("\n".join(r.steps))[0], r.gold_answer) for r in records]
    assert ours == [r.is_correct for r in records]
