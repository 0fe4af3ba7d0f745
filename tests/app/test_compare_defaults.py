"""SE vs WC for a new user (issue 12, item 8): the default pair shares the most problems, a
pair without shared problems is named as such, a missing parameter count is asked for."""
import json

from streamlit.testing.v1 import AppTest

from synthqa.ingest.commit import import_file
from synthqa.metrics import report
from tests.conftest import REPO
from tests.toy import fill


def _more(store, tmp_path):
    rows = [{"problem": f"Other {i}?", "generator": "huge", "params": 10 ** 12,
             "gold_answer": "1", "solution": "#### 1"} for i in range(3)]
    rows += [{"problem": "Problem P1", "problem_id": "P1", "generator": "noparams",
              "gold_answer": "26", "solution": "#### 26", "source": "toy"}]
    path = tmp_path / "more.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(store, path)


def open_compare(**query) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/compare.py")
    return at.run()


def test_defaults_warnings_and_a_missing_parameter_count(store, tmp_path):
    fill(store, tmp_path)
    _more(store, tmp_path)
    report.recompute(store, embed=False)
    at = open_compare()
    assert not at.exception
    # not the largest (huge, 1e12) against the smallest: the pair with shared problems
    assert (at.selectbox(key="se").value, at.selectbox(key="wc").value) == ("se", "wc")
    assert any("3 shared problems" in c.value for c in at.caption)

    at = open_compare(se="huge", wc="wc")
    assert not at.exception
    assert any("share no problems" in w.value for w in at.warning)

    at = open_compare(se="se", wc="noparams")
    assert not at.exception
    assert any("noparams has none" in w.value for w in at.warning)
    at.number_input(key="params_noparams").set_value(500_000_000).run()
    at.button(key="save_params_noparams").click().run()
    assert store.scalar("SELECT params FROM generators WHERE name = 'noparams'") == 5 * 10 ** 8
    assert report.cached(store)[1]  # the report is stale: FLOPs changed


def test_a_report_made_without_embeddings_opens_both_pages(store, tmp_path):
    fill(store, tmp_path)
    report.recompute(store, embed=False)   # python -m synthqa metrics --no-embed
    for page in ("pages/quality.py", "pages/compare.py"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
        at.switch_page(page)
        assert not at.run().exception, page


def test_step_values_and_training_default_to_the_lab_models_own_traces(store, tmp_path):
    """A workspace of GSM8K-style traces (sorted first) and lab traces: the lab policy's
    rollouts and the lab base model's training set default to the lab traces."""
    from synthqa.lab.model import LAB_SOURCE

    rows = [{"problem": f"Word problem {i}?", "generator": "a-gsm8k-model", "gold_answer": "1",
             "solution": "#### 1", "source": "gsm8k"} for i in range(5)]
    rows += [{"problem": f"{i}+1", "generator": "lab-wc", "gold_answer": str(i + 1),
              "solution": f"{i}+1={i + 1}\n#### {i + 1}", "source": LAB_SOURCE}
             for i in range(3)]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(store, path)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/values.py").run()
    assert at.selectbox(key="ro_generator").value == "lab-wc"
    at.switch_page("pages/train.py").run()
    assert at.selectbox(key="train_generator").value == "lab-wc"
