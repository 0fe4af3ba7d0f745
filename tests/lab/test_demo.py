"""A reduced demo, end to end, with the shipped lab models."""
import pytest

from synthqa.lab.demo import available, build_demo

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


def test_a_reduced_demo_samples_both_models_at_matched_compute(workspace):
    result = build_demo(workspace, n_problems=40, se_samples=1, say=lambda _: None)
    plan = result.plan
    assert plan.wc_samples == round(plan.se.params / plan.wc.params)  # S_WC = (P_SE/P_WC)·S_SE
    assert result.ingested and result.traces == 40 * (plan.se_samples + plan.wc_samples)
    store = workspace.open_store()
    runs = store.df("SELECT r.*, g.params FROM runs r JOIN generators g ON g.name = r.generator")
    for run in runs.itertuples():
        assert run.flops == 2 * run.params * run.tokens > 0   # recorded from real token counts
    assert store.scalar("SELECT count(*) FROM problems") == 40
    store.close()
    se, wc = result.summary
    assert se["accuracy per sample"] > wc["accuracy per sample"]
    assert 0 < wc[f"coverage@{plan.wc_samples}"] <= 1     # WC coverage at matched compute
