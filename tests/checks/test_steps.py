import pytest

from synthqa.checks.steps import SplitConfig, detect_style, split_steps, splitter_name


def test_gsm8k_solution_splits_one_step_per_line():
    text = "She has 16 - 3 = <<16-3=13>>13 eggs.\nShe makes 13 * 2 = $<<13*2=26>>26\n#### 26"
    steps, style = split_steps(text)
    assert style == "lines"
    assert steps == ["She has 16 - 3 = <<16-3=13>>13 eggs.", "She makes 13 * 2 = $<<13*2=26>>26",
                     "#### 26"]


def test_step_k_markers_split_and_drop_the_marker():
    text = "Step 1: Add 2 and 3 to get 5.\nStep 2: Double it: 10.\nStep 3: The answer is 10."
    steps, style = split_steps(text)
    assert style == "step-k"
    assert steps == ["Add 2 and 3 to get 5.", "Double it: 10.", "The answer is 10."]


def test_step_k_markers_inline_without_newlines():
    steps, _ = split_steps("Step 1: x is 2. Step 2: y is 3. Step 3: so 5.", SplitConfig("step-k"))
    assert steps == ["x is 2.", "y is 3.", "so 5."]


def test_math_paragraphs_are_steps():
    text = "First we note that $x^2 = 4$.\n\nSo $x = \\pm 2$.\n\nThe sum is $\\boxed{0}$."
    steps, style = split_steps(text)
    assert style == "paragraphs"
    assert len(steps) == 3 and steps[2] == "The sum is $\\boxed{0}$."


def test_single_paragraph_falls_back_to_sentences_and_merges_short_fragments():
    text = ("We have 2.5 apples per box. Multiply by 4 boxes to get 10 apples. So. "
            "The answer is 10.")
    steps, _ = split_steps(text)
    # "2.5" is not a sentence end; the 3-character fragment "So." is merged into its neighbour
    assert steps == ["We have 2.5 apples per box.",
                     "Multiply by 4 boxes to get 10 apples. So.", "The answer is 10."]


def test_sentence_split_never_cuts_display_math():
    text = "Expand the square. $$a = 1. B = 2.$$ Then add them up to finish."
    steps, _ = split_steps(text, SplitConfig("paragraphs", min_chars=1))
    assert "$$a = 1. B = 2.$$" in steps[1]


def test_auto_style_detection():
    assert detect_style("Step 1: a\nStep 2: b") == "step-k"
    assert detect_style("a\n\nb") == "paragraphs"
    assert detect_style("a\nb") == "lines"


def test_splitter_name_records_style_and_version():
    assert splitter_name("lines").startswith("lines@")


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown split style"):
        SplitConfig("words")
