import pandas as pd
import pytest

from synthqa.train.efficiency import PowerLaw, fit, multipliers


def test_a_power_law_is_recovered_exactly():
    law = PowerLaw(2.0, 0.5)
    sizes = [100, 200, 400, 800]
    got = fit(sizes, [law.error(n) for n in sizes])
    assert got.a == pytest.approx(2.0) and got.b == pytest.approx(0.5)
    assert got.examples_for(law.error(1600)) == pytest.approx(1600)


def test_no_fit_without_two_sizes_or_without_improvement():
    assert fit([100, 100], [0.5, 0.4]) is None
    assert fit([100, 200], [0.4, 0.5]) is None          # error grows with data


def test_the_multiplier_is_how_much_more_reference_data_matches_a_run():
    law = PowerLaw(2.0, 0.5)
    runs = pd.DataFrame({
        "kind": ["sft"] * 3 + ["step-dpo"],
        "examples": [100, 400, 1600, 100],
        "accuracy": [1 - law.error(100), 1 - law.error(400), 1 - law.error(1600),
                     1 - law.error(800)]})                # step-dpo on 100 = sft on 800
    out = multipliers(runs)
    assert out["multiplier"].iloc[0] == pytest.approx(8.0)


def test_no_multiplier_where_the_reference_fit_would_be_extrapolated_far():
    law = PowerLaw(2.0, 0.5)
    runs = pd.DataFrame({
        "kind": ["sft"] * 2 + ["dpo", "step-dpo"],
        "examples": [100, 400, 50, 100],
        "accuracy": [1 - law.error(100), 1 - law.error(400),
                     1 - law.error(5),                    # sft would need 5 < 100 / 8
                     1 - law.error(400 * 8 * 2)]})        # sft would need 2 x 8 x its largest
    out = multipliers(runs).set_index("kind")
    assert out["multiplier"].isna().all()
    assert out.loc["dpo", "note"] == "worse than sft on 12 examples"
    assert out.loc["step-dpo", "note"] == "better than sft on 3,200 examples"
