import pytest

from synthqa.ui.text import markdown_safe


@pytest.mark.parametrize("text, expected", [
    ("She sells them for $2 each, so $18 a day", r"She sells them for \$2 each, so \$18 a day"),
    ("3 * 12 = <<3*12=36>>36", r"3 \* 12 = \<\<3\*12=36\>\>36"),
    (r"We get $\frac{3}{4} \times 20 = 15$.", r"We get $\frac{3}{4} \times 20 = 15$\."),
    (r"$$x^2 = 4$$ so $x = 2$", r"$$x^2 = 4$$ so $x = 2$"),
    ("#### 18", r"\#\#\#\# 18"),
    ("a_b and c_d", r"a\_b and c\_d"),
    ("goats is 3*$500=$<<3*500=1500>>1500", r"goats is 3\*\$500=\$\<\<3\*500=1500\>\>1500"),
    ("$5+$3=$8", r"\$5\+\$3=\$8"),
    ("so $x+1=$ 4", r"so \$x\+1=\$ 4"),
])
def test_markdown_keeps_math_and_escapes_the_rest(text, expected):
    assert markdown_safe(text) == expected
