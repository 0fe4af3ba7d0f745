"""AppTest for the review page: a verdict lands with reviewer and time, undo, the FPR text."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from synthqa.ingest.commit import import_file
from synthqa.labels.estimate import Stratum, fpr_estimate
from synthqa.ui import reviewing
from tests.conftest import REPO


@pytest.fixture
def review_at(store, tmp_path):
    rows = [{"problem": f"What is {i} + 3?", "gold_answer": str(i + 3), "generator": "g",
             "solution": f"{i} + 3 = {i + 3}\nThe answer is {i + 3}."} for i in range(6)]
    path = tmp_path / "g.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(store, path)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/review.py")
    return at.run()


def start(at, name="alice"):
    at.text_input(key="reviewer_name").input(name)
    at.button[0].click().run()  # the form's submit button
    return at


def test_the_reviewer_is_asked_once(review_at):
    assert review_at.text_input(key="reviewer_name").label.startswith("Your name")
    start(review_at)
    assert "Reviewer: **alice**" in [c.value for c in review_at.caption]


def test_a_false_positive_with_its_first_bad_step_lands_in_the_store(review_at, store):
    start(review_at)
    first = review_at.session_state["review_trace"]
    review_at.button(key="mark_1").click().run()
    assert review_at.session_state["first_bad"] == 1
    review_at.text_input(key="review_note").input("the sum is right by luck")
    next(b for b in review_at.button if b.label == "False positive").click().run()
    labels = store.labels.of_trace(first)
    assert labels[["kind", "value", "who"]].values.tolist() == [
        ["reasoning", "false_positive", "alice"], ["first_error_step", "1", "alice"]]
    assert labels.note.iloc[0] == "the sum is right by luck"
    assert labels.labelled_at.notna().all()
    assert review_at.session_state["review_trace"] != first       # the next trace at once
    assert review_at.session_state["review_note"] == ""


def test_undo_removes_the_last_verdict_and_brings_the_trace_back(review_at, store):
    start(review_at)
    first = review_at.session_state["review_trace"]
    next(b for b in review_at.button if b.label == "Reasoning correct").click().run()
    assert len(store.labels.of_trace(first)) == 2
    next(b for b in review_at.button if b.label == "Undo last label").click().run()
    assert store.labels.of_trace(first).empty and review_at.session_state["review_trace"] == first


def test_the_fpr_estimate_and_interval_match_a_hand_computation(review_at):
    start(review_at)
    for verdict in ["False positive", "Reasoning correct", "Reasoning correct", "Unsure"]:
        if verdict == "False positive":  # a false positive needs its first bad step
            review_at.button(key="mark_0").click().run()
        next(b for b in review_at.button if b.label == verdict).click().run()
    # 6 answer-correct traces, none a suspect: one stratum, 1 FP of 3 decisive verdicts
    expected = fpr_estimate([Stratum(6, 3, 1)])
    assert expected.text() == "33.3% (95% CI 6.1%–79.2%, n = 3)"
    assert expected.text() in [c.value for c in review_at.caption]
    assert review_at.metric[0].value == "33.3%"


def test_a_false_positive_without_its_step_asks_for_it_or_cannot_locate(review_at, store):
    start(review_at)
    first = review_at.session_state["review_trace"]
    next(b for b in review_at.button if b.label == "False positive").click().run()
    assert store.labels.of_trace(first).empty and review_at.session_state["review_trace"] == first
    assert any("Where does the reasoning first go wrong" in w.value for w in review_at.warning)
    review_at.button(key="fp_cannot_locate").click().run()
    labels = store.labels.of_trace(first)
    assert labels[["kind", "value"]].values.tolist() == [["reasoning", "false_positive"]]
    assert labels.note.iloc[0] == "the first bad step cannot be located"
    assert review_at.session_state["review_trace"] != first
    next(b for b in review_at.button if b.label == "Undo last label").click().run()
    assert any("your last verdict is removed" in t.value for t in review_at.toast)


def test_the_page_counts_what_is_reviewed_and_left_and_the_url_keeps_the_name(review_at):
    start(review_at)
    next(b for b in review_at.button if b.label == "Reasoning correct").click().run()
    assert "1 of 6 answer-correct traces reviewed · 5 left" in [c.value for c in
                                                               review_at.caption]
    assert review_at.query_params["reviewer"] == "alice"
    again = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    again.query_params["reviewer"] = "alice"
    again.run()
    again.switch_page("pages/review.py")
    again.run()
    assert "Reviewer: **alice**" in [c.value for c in again.caption]  # no name form again


def test_once_every_trace_has_a_verdict_the_next_is_a_second_opinion(review_at):
    start(review_at)
    for _ in range(6):
        next(b for b in review_at.button if b.label == "Reasoning correct").click().run()
    assert review_at.session_state["review_trace"] is None      # alice has judged them all
    bob = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    bob.switch_page("pages/review.py")
    try:
        start(bob.run(), "bob")
    finally:   # the process's queue would keep bob's claim into the next test
        reviewing.queue().release("bob")
    captions = [c.value for c in bob.caption]
    assert "6 of 6 answer-correct traces reviewed · 0 left" in captions
    assert bob.session_state["review_trace"] is not None and any(
        c.startswith("Every answer-correct trace has a verdict") for c in captions)
    assert not any(c.value.startswith("Every answer-correct trace has a verdict")
                   for c in review_at.caption)


def test_a_click_meant_for_a_trace_no_longer_shown_labels_nothing(review_at, store):
    """A double click: the second click still carries the trace it was shown with; by the
    time it runs the queue has moved on (here: another trace is current), so it is dropped
    instead of labelling a trace the reviewer never saw."""
    start(review_at)
    shown = review_at.session_state["review_trace"]
    other = next(t for t in store.df("SELECT trace_id FROM traces")["trace_id"] if t != shown)
    review_at.session_state["review_trace"] = other        # the first click moved the queue
    next(b for b in review_at.button if b.label == "Reasoning correct").click().run()
    assert store.labels.of_trace(other).empty and store.labels.of_trace(shown).empty
    assert review_at.session_state["review_trace"] == other     # still waiting for a verdict
    next(b for b in review_at.button if b.label == "Reasoning correct").click().run()
    assert len(store.labels.of_trace(other)) == 2                     # now shown: it counts


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_a_skipped_trace_stays_skipped_after_the_next_verdicts(review_at, store):
    start(review_at)
    skipped = review_at.session_state["review_trace"]
    button(review_at, "Skip").click().run()
    shown = []
    for _ in range(5):       # the other five traces, one verdict each
        shown.append(review_at.session_state["review_trace"])
        button(review_at, "Reasoning correct").click().run()
    assert skipped not in shown and len(set(shown)) == 5
    assert review_at.session_state["review_trace"] is None       # only the skipped one left


def test_an_answer_correct_trace_can_be_marked_answer_wrong_and_leaves_the_queue(review_at,
                                                                                 store):
    start(review_at)
    first = review_at.session_state["review_trace"]
    button(review_at, "Answer is actually wrong").click().run()
    assert store.scalar("SELECT correct FROM traces_effective WHERE trace_id = ?",
                        [first]) is False
    assert review_at.session_state["review_trace"] != first
    assert "5 answer-correct traces" in " ".join(c.value for c in review_at.caption)
