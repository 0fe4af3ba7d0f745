"""AppTest: while the metrics report is stale, both metric pages show at once what needs no
embeddings, the human FPR from imported labels among it."""
import json

from streamlit.testing.v1 import AppTest

from synthqa.ingest.commit import import_file
from synthqa.metrics import report
from tests.conftest import REPO
from tests.toy import fill


def test_labels_imported_after_the_report_show_at_once(store, tmp_path):
    fill(store, tmp_path)
    report.recompute(store)
    rows = [{"problem": f"What is {a} + 1?", "generator": "ext", "gold_answer": str(a + 1),
             "labeller": "ann", "first_error_step": 0 if a < 2 else -1,
             "steps": [f"{a} + 1 = {a + 1}", f"#### {a + 1}"]} for a in range(8)]
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(store, path)
    for page in ("pages/quality.py", "pages/compare.py"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
        at.switch_page(page)
        at.run()
        assert not at.exception
        quick = next(d.value for d in at.dataframe if "fpr_by" in d.value.columns)
        ext = quick.set_index("generator").loc["ext"]
        assert ext["fpr_human"] == " 25.0%" and ext["fpr_n"] == 8
        assert not quick[["fpr_human", "fpr_ci", "fpr_by"]].isna().any().any()
        assert "—" in set(quick["fpr_human"])        # a generator without labels: no None
        assert ext["fpr_by"] == "labels only, by ann (8)" and ext["traces"] == 8
