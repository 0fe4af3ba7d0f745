"""Prompt templates from forms: only the documented placeholders, never str.format (issue 12,
item 6)."""
import pytest

from synthqa.prompts import MAX_TEMPLATE_CHARS, render
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.models import ModelChoice
from synthqa.values.job import RolloutJob
from tests.conftest import REPO


@pytest.mark.parametrize("template", [
    "{problem.__class__.__mro__}", "{problem:>300000000}", "{problem!r}", "{0}", "{}",
    "{problem}" + "x" * MAX_TEMPLATE_CHARS])
def test_a_rollout_template_with_anything_but_problem_is_refused(template):
    policy = ModelChoice("lab-wc", path=str(REPO / "data" / "lab" / "wc"))
    RolloutJob("r", policy, prompt_template="{problem}\n").validate()  # the policy is fine
    with pytest.raises(ValueError, match="placeholder|longer than"):
        RolloutJob("r", policy, prompt_template=template).validate()


def test_the_problem_text_is_substituted_literally():
    spec = SamplingSpec(prompt_template="Q: {problem}\n{{braces}}\n")
    assert spec.prompt("{problem.__class__} {x}") == "Q: {problem.__class__} {x}\n{braces}\n"
    assert render("{gold} {problem}", ("problem", "gold"), problem="p") == " p"
