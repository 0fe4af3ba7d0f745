"""AppTest for the Data quality and SE vs WC pages on the toy workspace of tests/toy.py."""
import pytest
from streamlit.testing.v1 import AppTest

from synthqa.labels.review import verdict_labels
from synthqa.metrics import report
from tests.conftest import REPO
from tests.toy import fill


@pytest.fixture
def toy(store, tmp_path):
    fill(store, tmp_path)
    report.recompute(store)
    return store


def open_page(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page(page)
    return at.run()


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


def test_quality_page_shows_the_data_sets_figures(toy):
    at = open_page("pages/quality.py")
    assert not at.exception
    assert "up to date" in at.caption[0].value
    at.selectbox(key="dataset").set_value("wc").run()
    assert metric(at, "Accuracy").value == "33.3%"                 # 4 of 12
    assert metric(at, "Unique correct / problem").value == "1.00"  # (2 + 1 + 0) / 3
    assert metric(at, "Operations / trace").value == "1.00"
    assert metric(at, "FPR · human review").value == "—"          # nobody reviewed yet
    assert len(at.get("plotly_chart")) >= 2                       # trade-off and map


def test_a_new_review_makes_the_metrics_stale_until_recomputed(toy):
    trace = toy.scalar("SELECT trace_id FROM traces_effective WHERE generator = 'wc' "
                       "AND correct ORDER BY trace_id")
    toy.labels.add_many(verdict_labels(trace, "alice", "false_positive", 0))
    at = open_page("pages/quality.py", dataset="wc")
    assert "data changed" in at.warning[0].value
    at.button(key="recompute").click().run()
    from synthqa.ui import metrics
    metrics._task(str(toy.path.parent), "static").wait(60)
    at = open_page("pages/quality.py", dataset="wc")
    assert not at.warning
    assert metric(at, "FPR · human review").value == "100.0%"     # 1 of 1 reviewed
    assert "n = 1" in metric(at, "FPR · human review").delta


def test_compare_page_matches_one_se_sample_with_four_wc_samples(toy):
    at = open_page("pages/compare.py")
    assert not at.exception
    assert at.selectbox(key="se").value == "se" and at.selectbox(key="wc").value == "wc"
    matched = at.dataframe[0].value
    assert matched[["SE k", "WC k"]].iloc[0].tolist() == [1, 4]
    assert matched["diversity Δ%"].iloc[0] == pytest.approx(50.0)
    slices = at.dataframe[1].value
    assert list(slices.columns) == ["se", "wc"]
    csv = at.get("download_button")[0]
    assert csv.proto.label.startswith("Download all slice metrics")


def test_a_map_selection_opens_the_trace(toy):
    at = open_page("pages/compare.py")
    trace = toy.scalar("SELECT trace_id FROM traces WHERE generator = 'se' ORDER BY trace_id")
    at.session_state["compare_map_trace"] = trace
    at.run()
    assert any("se · sample 0" in s.value for s in at.subheader)


def test_the_first_visit_computes_the_report_in_the_background(store, tmp_path):
    fill(store, tmp_path)
    at = open_page("pages/compare.py")
    from synthqa.ui import metrics
    task = metrics._task(str(store.path.parent), "static")
    assert task.started_at is not None                            # started by the visit
    # meanwhile the matched-compute table is already there: curves need no embeddings
    matched = next(d.value for d in at.dataframe if "SE k" in d.value.columns)
    assert matched[["SE k", "WC k"]].iloc[0].tolist() == [1, 4]
    assert any("appear when the report is computed" in c.value for c in at.caption)
    task.wait(120)
    assert task.error is None and report.cached(store)[0] is not None
    at = open_page("pages/compare.py")
    assert at.dataframe[0].value[["SE k", "WC k"]].iloc[0].tolist() == [1, 4]


def test_an_empty_workspace_says_so(store):
    at = open_page("pages/compare.py")
    assert not at.exception and "No traces yet" in at.info[0].value


def test_quality_page_explains_vendi_and_charts_each_slice_kind_apart(toy):
    at = open_page("pages/quality.py", dataset="wc")
    vendi = metric(at, "Vendi score")
    assert vendi.delta and "1 when a problem has a single correct solution" in vendi.help
    kinds = set(toy_slices(toy)["slice"])
    assert {t.label for t in at.tabs} >= kinds and len(kinds) > 1  # one chart per kind


def toy_slices(store):
    return report.cached(store)[0].slices


def test_vendi_notes_say_why_a_score_is_one():
    from synthqa.metrics.diversity import vendi_note

    assert vendi_note(1.0, 1, 1.0).startswith("1 by definition")
    assert "≤ 1 correct per problem" in vendi_note(1.0, 4, 1.0)
    assert "near-copies" in vendi_note(1.001, 4, 2.5)
    assert vendi_note(float("nan"), 4, 2.0) == "needs embeddings"


def test_choosing_minilm_asks_for_a_report_of_its_own(toy):
    at = open_page("pages/quality.py", dataset="wc")
    assert not at.info                                            # the static report fits
    at.session_state["embedder"] = "minilm"                        # the sidebar's choice
    at.run()
    assert "computed with other embeddings than all-MiniLM-L6-v2" in at.info[0].value
    assert at.button(key="recompute")                             # one click makes it


def test_a_large_workspace_waits_for_the_report_instead_of_computing_curves_in_the_page(
        store, tmp_path, monkeypatch):
    from synthqa.ui import metrics

    fill(store, tmp_path)
    monkeypatch.setattr(metrics, "QUICK_CURVES_MAX", 5)      # the toy's 15 traces count as big
    at = open_page("pages/compare.py")
    assert not at.exception
    assert not [d for d in at.dataframe if "SE k" in d.value.columns]
    assert any("appear with the report" in c.value for c in at.caption)
    metrics._task(str(store.path.parent), "static").wait(120)
