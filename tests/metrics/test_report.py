"""The metrics report on a hand-built workspace whose every number is known."""
import json

import pandas as pd
import pytest

from synthqa.labels.review import verdict_labels
from synthqa.metrics import report
from tests.toy import PARAMS, SAMPLES, TOKENS, fill


@pytest.fixture
def filled(store, tmp_path):
    return fill(store, tmp_path)


def _curve(rep, gen, k):
    row = rep.curves[(rep.curves["generator"] == gen) & (rep.curves["k"] == k)]
    return row.iloc[0]


def test_curves_follow_the_closed_forms(filled):
    rep = report.compute(filled)
    # WC: P1 3 of 4 correct (signatures 20+6 twice, 13*2 once), P2 1 of 4, P3 none.
    assert _curve(rep, "wc", 1)["coverage"] == pytest.approx((3 / 4 + 1 / 4 + 0) / 3)
    assert _curve(rep, "wc", 4)["coverage"] == pytest.approx(2 / 3)
    assert _curve(rep, "wc", 4)["diversity"] == pytest.approx((2 + 1 + 0) / 3)
    # diversity@2 for P1 = pass@2(4, 2) + pass@2(4, 1) = 5/6 + 1/2; P2 = pass@2(4, 1) = 1/2
    assert _curve(rep, "wc", 2)["diversity"] == pytest.approx((5 / 6 + 1 / 2 + 1 / 2) / 3)
    assert _curve(rep, "wc", 4)["maj"] == pytest.approx((1 + 0 + 0) / 3)   # P2: 15 wins
    assert _curve(rep, "se", 1)["coverage"] == pytest.approx(2 / 3)
    assert set(rep.curves[rep.curves["generator"] == "se"]["k"]) == {1}
    # FLOPs = 2·params·tokens per sample, times k samples of 3 problems
    assert _curve(rep, "wc", 4)["flops"] == pytest.approx(2 * PARAMS["wc"] * TOKENS * 4 * 3)
    assert _curve(rep, "se", 1)["flops"] == pytest.approx(2 * PARAMS["se"] * TOKENS * 1 * 3)


def test_matched_compute_pairs_one_se_sample_with_four_wc_samples(filled):
    rep = report.compute(filled)
    assert report.default_pair(rep.generators) == ("se", "wc")
    row = report.matched(rep.curves, "se", "wc").iloc[0]
    assert (row["SE k"], row["WC k"]) == (1, 4)                 # P_SE / P_WC = 4
    assert row["coverage Δ%"] == pytest.approx(0.0)             # 2/3 vs 2/3
    assert row["diversity Δ%"] == pytest.approx(100 * (1 - 2 / 3) / (2 / 3))


def test_human_fpr_and_quality_per_generator(filled):
    wc_correct = filled.df("SELECT trace_id FROM traces_effective WHERE generator = 'wc' AND "
                           "correct ORDER BY trace_id")["trace_id"].tolist()
    assert len(wc_correct) == 4
    filled.labels.add_many(verdict_labels(wc_correct[0], "alice", "false_positive", 0))
    filled.labels.add_many(verdict_labels(wc_correct[1], "alice", "correct", None))
    rep = report.compute(filled)
    wc = rep.generators.set_index("generator").loc["wc"]
    assert wc["accuracy"] == pytest.approx(4 / 12)
    assert wc["fpr_human"] == pytest.approx(0.5) and wc["fpr_n"] == 2
    assert 0 < wc["fpr_low"] < 0.5 < wc["fpr_high"] < 1            # Wilson, n = 2
    assert wc["unique_correct"] == pytest.approx(1.0)
    assert wc["operations"] == pytest.approx(1.0) and wc["steps"] == pytest.approx(2.0)
    levels = rep.slices[(rep.slices["slice"] == "level") & (rep.slices["generator"] == "wc")]
    assert levels.set_index("value").loc["1", "accuracy"] == pytest.approx(3 / 4)
    assert levels.set_index("value").loc["2", "coverage"] == pytest.approx(1 / 2)


def test_the_cache_round_trips_and_knows_when_it_is_stale(filled):
    assert report.cached(filled) == (None, True)
    fresh = report.recompute(filled)
    cached, stale = report.cached(filled)
    assert not stale
    pd.testing.assert_frame_equal(cached.curves, fresh.curves, check_dtype=False)
    pd.testing.assert_frame_equal(cached.slices, fresh.slices, check_dtype=False)
    assert len(cached.map) == len(SAMPLES)                       # every solution is on the map
    wc = cached.generators.set_index("generator").loc["wc"]
    merged = [wc[report.near_duplicate_column(t)] for t in report.NEAR_DUPLICATES]
    # merging near-duplicates can only lower the count, never below one per solved problem
    assert wc["unique_correct"] >= merged[0] >= merged[1] >= merged[2] >= 2 / 3 - 1e-9
    assert set(cached.map.columns) >= {"trace_id", "pca_x", "tsne_y", "generator", "label"}
    some = filled.df("SELECT trace_id FROM traces LIMIT 1")["trace_id"].iloc[0]
    filled.labels.add_many(verdict_labels(some, "bob", "unsure", None))
    assert report.cached(filled)[1]                               # a new label: stale


def test_the_import_stores_each_traces_signature_and_the_report_fills_in_missing_ones(filled):
    """Signatures and operations come from the import's step check; where a store has none
    (an older workspace, another checker) the report computes them from the steps, keeps
    them, and the figures are the same."""
    from synthqa.checks.complexity import steps_features
    from synthqa.checks.stepcheck import CHECKER
    stored = filled.df("SELECT f.trace_id, f.signature, f.operations, f.checker, "
                       "list(s.text ORDER BY s.step_index) AS steps FROM trace_features f "
                       "JOIN steps s USING (trace_id) GROUP BY ALL")
    assert len(stored) == filled.count("traces") and set(stored["checker"]) == {CHECKER}
    assert [steps_features(list(s)) for s in stored["steps"]] == list(
        zip(stored["signature"], stored["operations"]))
    from_import = report.compute(filled)
    with filled.transaction() as cur:
        cur.execute("DELETE FROM trace_features")
    recomputed = report.compute(filled)
    assert filled.scalar("SELECT count(*) FROM trace_features") == filled.count("traces")
    for table in ("generators", "curves", "slices"):
        pd.testing.assert_frame_equal(getattr(recomputed, table), getattr(from_import, table))


def _as_cached(rep) -> dict:
    """What the pages read: the tables after the cache's JSON round trip."""
    back = report.Report.from_json(rep.to_json())
    return {t: getattr(back, t) for t in ("generators", "curves", "slices")}


def test_after_an_import_only_the_changed_generators_are_computed_again(filled, tmp_path,
                                                                        monkeypatch):
    """The incremental report equals a whole recomputation: a new generator's traces and a
    reviewer's verdict on a WC trace change only those generators' rows; SE's are kept."""
    from synthqa.ingest.commit import import_file
    first = report.recompute(filled, embed=False)
    assert filled.cache.get("shared_problems")[1] == first.inputs_version  # for SE vs WC
    new = tmp_path / "new.jsonl"
    new.write_text("".join(json.dumps({
        "problem": f"Problem {p}", "problem_id": p, "gold_answer": gold, "generator": "mid",
        "params": 2_000_000_000, "run": "mid:t1", "source": "toy", "level": "2",
        "solution": f"We compute {gold} + 0 = <<{gold}+0={gold}>>{gold}.\n#### {gold}",
        "n_tokens": 10}) + "\n" for p, gold in (("P1", "26"), ("P2", "10"), ("P3", "7"))))
    assert import_file(filled, new).n_traces_new == 3
    wc = filled.scalar("SELECT min(trace_id) FROM traces_effective WHERE generator = 'wc' "
                       "AND correct")
    filled.labels.add_many(verdict_labels(wc, "alice", "false_positive", 0))
    read = []
    real = filled.summaries.metric_inputs
    monkeypatch.setattr(filled.summaries, "metric_inputs", lambda checker, generators=None,
                        trace_ids=None: read.append(generators) or real(checker, generators,
                                                                          trace_ids))
    incremental = report.compute(filled, "v2", previous=first)
    by_generator = [g for g in read if g is not None]           # (the map reads by trace id)
    assert by_generator == [["mid"], ["wc"]]     # one at a time; SE's traces were not read again
    assert set(incremental.versions) == {"mid", "se", "wc"}
    assert incremental.versions["se"] == first.versions["se"]
    whole = report.compute(filled, "v2")
    for table, frame in _as_cached(whole).items():
        pd.testing.assert_frame_equal(_as_cached(incremental)[table], frame, obj=table)
    assert sorted(incremental.notes) == sorted(whole.notes)
    reads = len(read)
    unchanged = report.compute(filled, "v3", previous=incremental)
    assert unchanged.versions == incremental.versions and len(read) == reads  # nothing read


def test_the_default_pair_has_several_samples_per_problem_when_one_does():
    from synthqa.metrics.matching import default_pair

    generators = pd.DataFrame({"generator": ["175b", "6b", "lab-se", "lab-wc"],
                               "params": [175e9, 6e9, 1.4e9, 135e6],
                               "traces": [1319, 1319, 100, 300],   # lab-se: one sample
                               "problems": [1319, 1319, 100, 100]})
    shared = pd.DataFrame({"a": ["175b", "lab-se"], "b": ["6b", "lab-wc"],
                           "problems": [1319, 100]})
    assert default_pair(generators, shared) == ("lab-se", "lab-wc")   # not one dot each
