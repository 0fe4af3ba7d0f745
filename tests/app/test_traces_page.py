"""AppTest for the traces page: filters change the rows; a seeded selection opens the trace."""
import pytest
from streamlit.testing.v1 import AppTest

from synthqa.ingest.commit import import_file
from tests.conftest import EXAMPLE, REPO


@pytest.fixture
def traces_at(store):
    import_file(store, EXAMPLE)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/traces.py")
    return at.run()


def shown(at):
    return at.dataframe[0].value


def test_all_traces_are_listed_by_default(traces_at):
    assert not traces_at.exception
    assert len(shown(traces_at)) == 5 and "**5** traces match" in traces_at.markdown[0].value


def test_filters_change_the_rows(traces_at):
    traces_at.multiselect(key="generator").set_value(["wc-2b"]).run()
    assert set(shown(traces_at).generator) == {"wc-2b"} and len(shown(traces_at)) == 3
    traces_at.selectbox(key="checks").set_value("suspects").run()
    assert len(shown(traces_at)) == 1 and shown(traces_at).error_kind.iloc[0] == "static"
    traces_at.selectbox(key="checks").set_value("any").run()
    traces_at.text_input(key="q").input("giving away").run()
    assert len(shown(traces_at)) == 2


def test_a_seeded_selection_opens_the_trace_with_checks_and_labels(traces_at, store):
    trace_id = store.scalar("SELECT trace_id FROM traces_effective WHERE suspect")
    traces_at.session_state["trace"] = trace_id
    traces_at.run()
    text = " ".join(m.value for m in traces_at.markdown)
    assert "wc-2b · sample" in traces_at.subheader[0].value
    assert "first bad step: alice" in text           # the imported human label
    assert "step check: 3\\*12 = 36, written 38 \\(static\\)" in [c.value for c in traces_at.caption]
    assert "false-positive suspect" in text
    siblings = [m.value for m in traces_at.markdown if m.value.startswith("**")]
    assert any("se-16b" in s for s in siblings)       # another generator's trace, side by side


def test_the_trace_shows_when_reviewers_disagree(traces_at, store):
    from synthqa.labels.review import verdict_labels

    trace_id = store.scalar("SELECT trace_id FROM traces_effective WHERE suspect")
    store.labels.add_many(verdict_labels(trace_id, "alice", "correct", None))
    store.labels.add_many(verdict_labels(trace_id, "bob", "false_positive", 0))
    traces_at.session_state["trace"] = trace_id
    traces_at.run()
    text = " ".join(m.value for m in traces_at.markdown)
    assert "reviewers disagree — alice: correct, bob: false positive" in text


def test_a_link_with_a_trace_opens_that_trace(store):
    import_file(store, EXAMPLE)
    trace_id = store.scalar("SELECT trace_id FROM traces_effective WHERE suspect")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["trace"] = trace_id
    at.run()
    at.switch_page("pages/traces.py")
    at.run()
    assert "wc-2b · sample" in at.subheader[0].value
    assert f"id {trace_id}" in " ".join(c.value for c in at.caption)


@pytest.fixture
def math_at(store):
    """The MATH-style fixture with one answer verdict of the source's flipped: SynthQA says
    right, the source says wrong."""
    import json

    from tests.conftest import FIXTURES

    lines = (FIXTURES / "math_style.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "is_correct": False})
    path = store.path.parent / "math.jsonl"
    path.write_text("\n".join(lines) + "\n")
    import_file(store, path)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/traces.py")
    return at.run()


def test_the_source_verdict_is_shown_and_disagreements_filter(math_at, store):
    math_at.selectbox(key="answer").set_value("source disagrees").run()
    assert len(shown(math_at)) == 1
    trace_id = store.scalar("SELECT trace_id FROM traces WHERE is_correct AND NOT "
                            "source_is_correct")
    math_at.session_state["trace"] = trace_id
    math_at.run()
    text = " ".join(m.value for m in math_at.markdown)
    assert ":green-badge[answer correct] :orange-badge[the source says answer wrong]" in text
    assert "answer **$7$**" not in text and "answer **7**" in text


def test_an_answer_wrong_trace_offers_an_answer_override_not_a_false_positive(math_at, store):
    trace_id = store.scalar("SELECT trace_id FROM traces_effective WHERE NOT correct LIMIT 1")
    math_at.session_state["trace"] = trace_id
    math_at.session_state["reviewer"] = "alice"
    math_at.run()
    labels = [b.label for b in math_at.button]
    assert "False positive" not in labels and "Answer is actually right" in labels
    next(b for b in math_at.button if b.label == "Answer is actually right").click().run()
    assert store.scalar("SELECT correct FROM traces_effective WHERE trace_id = ?", [trace_id])
    label = store.df("SELECT who, kind, value FROM labels WHERE trace_id = ? AND who = ?",
                     [trace_id, "alice"])
    assert label.to_dict("records") == [{"who": "alice", "kind": "answer_correct", "value": "true"}]
    text = " ".join(m.value for m in math_at.markdown)
    assert "answer set right by alice" in text
    labels = [b.label for b in math_at.button]
    assert "False positive" in labels and "Answer is actually wrong" in labels


def open_trace_as(store, reviewer: str) -> AppTest:
    """The Traces page on an answer-correct example trace, the reviewer named in the URL."""
    import_file(store, EXAMPLE)
    trace_id = store.scalar("SELECT trace_id FROM traces_effective WHERE correct LIMIT 1")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update({"reviewer": reviewer, "trace": trace_id})
    at.run()
    at.switch_page("pages/traces.py")
    return at.run()


def test_a_reviewer_named_in_the_url_is_not_asked_again(store):
    at = open_trace_as(store, "alice")
    assert not [t for t in at.text_input if t.key == "reviewer_name"]
    assert any(b.label == "Reasoning correct" for b in at.button)


def test_a_verdict_click_delivered_twice_writes_one_row(store):
    """Under load Streamlit can run a button's callback again (a rerun that coalesces the
    click's trigger): the same verdict on the same trace is one label row (issue 27, 13)."""
    at = open_trace_as(store, "zed")
    for _ in range(2):
        next(b for b in at.button if b.label == "Reasoning correct").click().run()
    assert not at.exception
    rows = store.df("SELECT kind, value FROM labels WHERE who = 'zed' ORDER BY kind")
    assert rows.values.tolist() == [["first_error_step", "none"], ["reasoning", "correct"]]
