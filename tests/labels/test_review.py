import json

import pytest

from synthqa.ingest.commit import import_file
from synthqa.labels.estimate import wilson
from synthqa.labels.fpr import human as fpr
from synthqa.labels.review import ReviewQueue, reviewer_agreement, verdict_labels


@pytest.fixture
def reviewed(store, tmp_path):
    """10 answer-correct traces of generator g (2 of them suspects) and 5 wrong ones."""
    rows = []
    for i in range(15):
        wrong_step = i in (0, 1)          # right answer, wrong arithmetic: suspects
        answer = i + 3 if i < 10 else i + 4
        shown = i + 4 if wrong_step else i + 3
        rows.append({"problem": f"What is {i} + 3?", "gold_answer": str(i + 3), "generator": "g",
                     "solution": f"{i} + 3 = {shown}\nThe answer is {answer}."})
    path = tmp_path / "g.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(store, path)
    return store


def review(store, trace_id, who, verdict, step=None, note=""):
    labels = verdict_labels(trace_id, who, verdict, step, note)
    store.labels.add_many(labels)
    return [label["label_id"] for label in labels]


def test_a_false_positive_verdict_writes_the_verdict_and_the_first_bad_step():
    labels = verdict_labels("t1", "alice", "false_positive", 2, "3 * 4 is not 13")
    assert [(l["kind"], l["value"]) for l in labels] == [("reasoning", "false_positive"),
                                                        ("first_error_step", "2")]
    assert labels[0]["note"] == "3 * 4 is not 13" and labels[0]["who"] == "alice"
    assert verdict_labels("t1", "bob", "correct", None)[1]["value"] == "none"
    with pytest.raises(ValueError):
        verdict_labels("t1", " ", "correct", None)


def test_two_reviewers_get_different_traces_then_overlap(reviewed):
    queue = ReviewQueue()
    a = queue.next_trace(reviewed, "g", "alice", "random sample")
    b = queue.next_trace(reviewed, "g", "bob", "random sample")
    assert a and b and a != b
    review(reviewed, a, "alice", "correct")
    seen = {a}
    for _ in range(8):  # the 8 other answer-correct traces; bob's claim keeps b from alice
        nxt = queue.next_trace(reviewed, "g", "alice", "random sample")
        assert nxt not in seen | {b}
        review(reviewed, nxt, "alice", "correct")
        seen.add(nxt)
    assert queue.next_trace(reviewed, "g", "alice", "random sample") is None
    review(reviewed, b, "bob", "false_positive", 0)
    queue.release("bob")
    # nothing unjudged is left, so alice overlaps with bob: both verdicts are kept
    assert queue.next_trace(reviewed, "g", "alice", "random sample") == b


def test_suspects_first_puts_step_check_suspects_ahead(reviewed):
    queue = ReviewQueue()
    first = [queue.next_trace(reviewed, "g", f"r{i}", "suspects first") for i in range(2)]
    assert all(reviewed.traces.get(t)["suspect"] for t in first)


def test_fpr_matches_a_hand_computation(reviewed):
    suspects = reviewed.df("SELECT trace_id FROM traces_effective WHERE suspect").trace_id
    clean = reviewed.df("SELECT trace_id FROM traces_effective WHERE correct AND NOT suspect "
                        "ORDER BY trace_id").trace_id
    for t in suspects:
        review(reviewed, t, "alice", "false_positive", 0)
    for t in clean[:4]:
        review(reviewed, t, "alice", "correct")
    review(reviewed, clean[4], "alice", "false_positive", 1)
    review(reviewed, clean[5], "alice", "unsure")   # not decisive: not counted
    est = fpr(reviewed, "g")
    # strata: suspects 2 traces, 2 judged, 2 FP; clean 8 traces, 5 judged, 1 FP
    assert est.rate == pytest.approx(0.2 * 1.0 + 0.8 * 0.2)
    assert est.low == pytest.approx(0.2 * wilson(2, 2)[0] + 0.8 * wilson(1, 5)[0])
    assert est.high == pytest.approx(0.2 * wilson(2, 2)[1] + 0.8 * wilson(1, 5)[1])
    assert est.reviewed == 7


def test_changing_a_verdict_keeps_history_and_the_latest_wins(reviewed):
    t = reviewed.scalar("SELECT min(trace_id) FROM traces_effective WHERE correct")
    review(reviewed, t, "alice", "correct")
    review(reviewed, t, "alice", "false_positive", 0)
    history = reviewed.labels.of_trace(t)
    assert history[history.kind == "reasoning"].value.tolist() == ["correct", "false_positive"]
    assert fpr(reviewed, "g").reviewed == 1 and fpr(reviewed, "g").rate > 0


def test_undo_removes_only_the_reviewers_own_labels(reviewed):
    t = reviewed.scalar("SELECT min(trace_id) FROM traces_effective WHERE correct")
    bobs = review(reviewed, t, "bob", "correct")
    assert reviewed.labels.delete(bobs, "alice") == 0
    assert reviewed.labels.delete(bobs, "bob") == 2
    assert reviewed.labels.of_trace(t).empty


def test_agreement_reports_cohens_kappa_for_overlapping_reviewers(reviewed):
    traces = reviewed.df("SELECT trace_id FROM traces_effective WHERE correct "
                         "ORDER BY trace_id").trace_id[:4]
    for t, a, b in zip(traces, ["correct", "correct", "false_positive", "false_positive"],
                       ["correct", "false_positive", "false_positive", "false_positive"]):
        review(reviewed, t, "alice", a, 0)
        review(reviewed, t, "bob", b, 0)
    (pair,) = reviewer_agreement(reviewed, "g")
    # 2x2 table: po = 3/4, pe = (2/4 * 1/4) + (2/4 * 3/4) = 0.5, kappa = (0.75 - 0.5) / 0.5
    assert pair.reviewers == ("alice", "bob") and pair.overlap == 4 and pair.agree == 3
    assert pair.kappa == pytest.approx(0.5)


def test_prm_export_truncates_at_the_first_bad_step(reviewed):
    from synthqa.export import prm_records

    t1, t2 = reviewed.df("SELECT trace_id FROM traces WHERE n_steps = 2 ORDER BY trace_id "
                         "LIMIT 2").trace_id
    review(reviewed, t1, "alice", "false_positive", 1)
    review(reviewed, t2, "alice", "correct")
    records = {tuple(r["labels"]) for r in prm_records(reviewed)}
    assert records == {(True, False), (True, True)}
