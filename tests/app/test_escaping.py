"""Every user value is escaped where Markdown renders it (issue 12, item 5): a generator,
answer or reviewer named like an image makes the browser fetch nothing."""
import json

from streamlit.testing.v1 import AppTest

from synthqa.ingest.commit import import_file
from synthqa.metrics import report
from tests.conftest import REPO

EVIL = "![x](http://127.0.0.1:9/{}.png)"


def _rendered(at: AppTest) -> list[str]:
    kinds = ("markdown", "caption", "subheader", "success", "info", "warning", "error")
    return [e.value for kind in kinds for e in getattr(at, kind)]


def test_names_answers_and_reviewers_are_escaped(store, tmp_path):
    gen = EVIL.format("gen")
    path = tmp_path / "evil.jsonl"
    path.write_text(json.dumps({
        "problem": "What is 2 + 2?", "generator": gen, "gold_answer": "4", "answer": "4",
        "solution": "2 + 2 = 4\n#### 4", "labeller": EVIL.format("who"),
        "first_error_step": 0, "run": EVIL.format("run")}) + "\n")
    import_file(store, path)
    report.recompute(store, embed=False)  # else the pages start computing it in a thread
    trace = store.df("SELECT trace_id FROM traces").trace_id[0]
    pages = [("pages/review.py", {"review_generator": gen}),
             ("pages/traces.py", {}), ("pages/compare.py", {})]
    for page, query in pages:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.query_params.update(query)
        at.run()
        at.switch_page(page)
        if page == "pages/traces.py":
            at.session_state["trace"] = trace  # the opened trace, as a click on its row sets
        at.run()
        assert not at.exception, page
        rendered = _rendered(at)
        if page == "pages/traces.py":  # the opened trace shows the generator and labeller
            assert any("\\!\\[x\\](`http://127.0.0.1:9/gen.png`)" in t for t in rendered)
        for text in rendered:
            assert "![" not in text.replace("\\![", ""), (page, text)
