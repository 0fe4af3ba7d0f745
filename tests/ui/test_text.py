import pytest

from synthqa.ui.text import markdown_safe


@pytest.mark.parametrize("text, expected", [
    ("She sells them for $2 each, so $18 a day", r"She sells them for \$2 each, so \$18 a day"),
    ("3 * 12 = <<3*12=36>>36", r"3 \* 12 = \<\<3\*12=36\>\>36"),
    (r"We get $\frac{3}{4} \times 20 = 15$.", r"We get $\frac{3}{4} \times 20 = 15$\."),
    (r"$$x^2 = 4$$ so $x = 2$", "$$\nx^2 = 4\n$$\n\n so $x = 2$"),
    ("#### 18", r"\#\#\#\# 18"),
    ("a_b and c_d", r"a\_b and c\_d"),
    ("goats is 3*$500=$<<3*500=1500>>1500", r"goats is 3\*\$500=\$\<\<3\*500=1500\>\>1500"),
    ("$5+$3=$8", r"\$5\+\$3=\$8"),
    ("so $x+1=$ 4", r"so \$x\+1=\$ 4"),
    ("He paid $5 for the pens and 4$ more", r"He paid \$5 for the pens and 4\$ more"),
])
def test_markdown_keeps_math_and_escapes_the_rest(text, expected):
    assert markdown_safe(text) == expected


@pytest.mark.parametrize("text, expected", [
    # the forms the issue met raw on Review: \(…\), \[…\], plain $…$ with words or a ">"
    (r"so \(a^2 = bc\) holds", r"so $a^2 = bc$ holds"),
    (r"Hence \[a + b + c = a \cdot a^2 = a^3.\]",
     "Hence \n\n$$\na + b + c = a \\cdot a^2 = a^3.\n$$"),
    ("Then $a + b + c = abc.$", "Then $a + b + c = abc.$"),
    ("for $n>3$ we have", r"for $n>3$ we have"),
    (r"The answer is \boxed{\frac{1}{2}}.", r"The answer is $\boxed{\frac{1}{2}}$\."),
    (r"$\boxed{5}$", r"$\boxed{5}$"),
    ("\\begin{align*}\nx &= 1 \\\\\ny &= 2\n\\end{align*}",
     "$$\n\\begin{align*}\nx &= 1 \\\\\ny &= 2\n\\end{align*}\n$$"),
    (r"a price of \(\$5\)", r"a price of $$\$5$$"),
])
def test_every_latex_delimiter_becomes_streamlit_math(text, expected):
    assert markdown_safe(text) == expected


def test_an_unclosed_box_stays_text():
    assert markdown_safe(r"\boxed{5") == r"\\boxed\{5"


def test_the_labels_table_numbers_steps_from_1():
    import pandas as pd

    from synthqa.ui.trace_view import labels_shown

    labels = pd.DataFrame({"labelled_at": ["t1", "t2", "t3"], "who": ["a", "b", "c"],
                           "kind": ["first_error_step", "first_error_step", "step_rating"],
                           "step_index": [None, None, 0], "value": ["2", "none", "-1"],
                           "note": [None, None, None]})
    shown = labels_shown(labels)
    assert shown["value"].tolist() == ["3", "none", "-1"]
    assert shown["step"].tolist()[2] == 1 and pd.isna(shown["step"].tolist()[0])


def test_a_url_in_a_user_value_stays_text():
    from synthqa.ui.text import plain

    assert plain("see http://10.0.0.1/x and www.evil.com, a [b]") == \
        r"see `http://10.0.0.1/x` and `www.evil.com`, a \[b\]"


def test_flops_past_2_to_the_53_are_shown_as_text_in_scientific_notation():
    import pandas as pd

    from synthqa.ui.text import scientific

    shown = scientific(pd.Series([449_641_500_000_000_000.0, 3.2e8, float("nan")]))
    assert list(shown[:2]) == ["4.496e+17", "3.200e+08"] and pd.isna(shown[2])


def test_scores_as_text_sort_as_numbers_and_a_missing_one_is_a_dash():
    from synthqa.ui.text import MISSING, decimal_text

    shown = [decimal_text(v) for v in (0.5, 1.0, float("nan"), None, 0.0625)]
    assert shown == ["0.500", "1.000", MISSING, MISSING, "0.062"]
    assert sorted(shown[:2] + shown[4:]) == ["0.062", "0.500", "1.000"]
