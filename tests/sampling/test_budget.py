import pytest

from synthqa.sampling.budget import Generator, match, sampling_flops

GEMMA_27B, GEMMA_9B = Generator("gemma2-27b", 27_000_000_000), Generator("gemma2-9b",
                                                                         9_000_000_000)


def test_flops_are_two_per_parameter_per_token():
    assert sampling_flops(9_000_000_000, 1000) == 1.8e13


@pytest.mark.parametrize("se_samples, wc_samples", [(1, 3), (10, 30)])  # the paper's pairs
def test_matched_samples_follow_the_parameter_ratio(se_samples, wc_samples):
    plan = match(GEMMA_27B, GEMMA_9B, n_problems=100, mean_tokens=300, se_samples=se_samples)
    assert (plan.se_samples, plan.wc_samples) == (se_samples, wc_samples)
    assert plan.flops("se") == pytest.approx(plan.flops("wc"))


def test_a_flops_budget_buys_samples_for_both():
    budget = sampling_flops(27_000_000_000, 10 * 100 * 300)  # 10 SE samples for 100 problems
    plan = match(GEMMA_27B, GEMMA_9B, 100, 300, budget=budget)
    assert (plan.se_samples, plan.wc_samples) == (10, 30)
    assert plan.rows()[1]["expected FLOPs"] == pytest.approx(budget)


def test_price_matching_uses_price_per_token():
    pro, flash = Generator("pro", 1, 3.5e-6), Generator("flash", 1, 1e-7)
    assert match(pro, flash, 10, 100, se_samples=1, basis="price").wc_samples == 35
    with pytest.raises(ValueError, match="price per token"):
        match(GEMMA_27B, GEMMA_9B, 10, 100, se_samples=1, basis="price")


def test_a_budget_too_small_is_refused():
    with pytest.raises(ValueError, match="does not buy one SE sample"):
        match(GEMMA_27B, GEMMA_9B, 100, 300, budget=1e9)
    with pytest.raises(ValueError, match="exactly one"):
        match(GEMMA_27B, GEMMA_9B, 100, 300)


def test_a_fractional_ratio_rounds_to_the_nearest_sample_count():
    se, wc = Generator("se", 4_725_888), Generator("wc", 592_704)  # the lab models, 7.97x
    assert match(se, wc, 10, 30, se_samples=1).wc_samples == 8
    assert match(se, wc, 10, 30, se_samples=2).wc_samples == 16
