import pytest

from synthqa.ingest.commit import import_file
from synthqa.labels.review import verdict_labels
from synthqa.store.filters import TraceFilter
from tests.conftest import EXAMPLE


@pytest.fixture
def loaded(store):
    import_file(store, EXAMPLE)
    return store


def count(store, **kwargs):
    return store.traces.count(*TraceFilter(**kwargs).where())


def test_default_filter_selects_everything(loaded):
    assert count(loaded) == 5


@pytest.mark.parametrize("kwargs, expected", [
    ({"generators": ("wc-2b",)}, 3),
    ({"splits": ("test",)}, 1),
    ({"runs": ("se-16b:t0.7",)}, 2),
    ({"correctness": "wrong"}, 1),
    ({"correctness": "correct"}, 4),
    ({"suspect": "suspects"}, 1),
    ({"suspect": "clean"}, 4),
    ({"steps": (3, 3)}, 4),
    ({"tokens": (0, 40)}, 3),         # 38 given, 39 and 27 estimated
    ({"text": "FRAC"}, 1),           # any case, problem or solution
    ({"text": "100%_"}, 0),          # LIKE wildcards are literal
    ({"label_state": "labelled"}, 3),
    ({"label_state": "unlabelled"}, 2),
])
def test_each_filter_narrows_the_traces(loaded, kwargs, expected):
    assert count(loaded, **kwargs) == expected


def test_disagreement_needs_two_reviewers_with_different_verdicts(loaded):
    t = loaded.scalar("SELECT trace_id FROM traces WHERE generator = 'wc-2b' AND is_correct "
                      "ORDER BY trace_id LIMIT 1")
    loaded.labels.add_many(verdict_labels(t, "alice", "correct", None))
    assert count(loaded, label_state="disagreement") == 0
    loaded.labels.add_many(verdict_labels(t, "bob", "false_positive", 0))
    assert count(loaded, label_state="disagreement") == 1


def test_pages_are_stable_and_disjoint(loaded):
    where, params = TraceFilter().where()
    first, second = (loaded.traces.page(where, params, 3, 0), loaded.traces.page(where, params, 3, 3))
    assert len(first) == 3 and len(second) == 2
    assert not set(first.trace_id) & set(second.trace_id)


def test_a_reviewers_answer_label_moves_a_trace_between_correctness_filters(loaded):
    from datetime import datetime

    trace_id = loaded.scalar("SELECT trace_id FROM traces WHERE is_correct LIMIT 1")
    loaded.labels.add({"label_id": "o-1", "trace_id": trace_id, "kind": "answer_correct",
                      "value": "false", "who": "alice", "origin": "human",
                      "labelled_at": datetime(2026, 1, 1)})
    assert count(loaded, correctness="wrong") == 2 and count(loaded, correctness="correct") == 3
    where, params = loaded.traces.where(TraceFilter(correctness="wrong"))
    page = loaded.traces.page(where, params, 10, 0)
    assert trace_id in set(page.trace_id) and not page.correct.any()


@pytest.fixture
def twelve(store, tmp_path):
    """Twelve problems' traces of three steps each, one of them twice in the file."""
    import json

    rows = [{"problem": f"Problem {i}: what is {i} + {i}?", "gold_answer": str(2 * i),
             "generator": "g", "solution": f"Add {i} and {i}.\nThat is {2 * i}.\n#### {2 * i}"}
            for i in range(12)]
    path = tmp_path / "twelve.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*rows, rows[3]]))
    import_file(store, path)
    return store


@pytest.mark.parametrize("flt", [TraceFilter(), TraceFilter(correctness="correct")])
def test_pages_list_traces_in_import_order(twelve, flt):
    from datetime import datetime

    import_file(twelve, EXAMPLE)
    twelve.labels.add({"label_id": "o-1", "trace_id": twelve.scalar(
        "SELECT trace_id FROM traces WHERE generator = 'g' LIMIT 1"), "kind": "answer_correct",
        "value": "true", "who": "alice", "origin": "human", "labelled_at": datetime(2026, 1, 1)})
    where, params = twelve.traces.where(flt)
    joined = flt.correctness != "any"               # a reviewer's answer label can matter
    assert twelve.traces._source(where) == ("traces_effective" if joined else "traces_auto")
    pages = [twelve.traces.page(where, params, 5, offset) for offset in range(0, 20, 5)]
    generators = [g for page in pages for g in page.generator]
    ours = twelve.scalar("SELECT count(*) FROM traces WHERE generator = 'g'")   # 13: a repeat
    assert generators[:ours] == ["g"] * ours and "g" not in generators[ours:]     # is a sample
    assert len(generators) == twelve.traces.count(where, params)


@pytest.mark.parametrize("window", [12_000, 0, -10 ** 9])   # near; missing: the whole table
def test_a_traces_steps_are_found_near_their_place_or_by_a_scan(twelve, monkeypatch, window):
    from synthqa.ingest.staging import CHUNK_RECORDS
    from synthqa.store import traces

    assert traces.STEP_WINDOW >= CHUNK_RECORDS
    monkeypatch.setattr(traces, "STEP_WINDOW", window)
    for trace_id in twelve.df("SELECT trace_id FROM traces").trace_id:
        steps = twelve.traces.steps_of(trace_id)
        assert list(steps.step_index) == [0, 1, 2] and set(steps.trace_id) == {trace_id}
        assert steps.text.iloc[2].startswith("####")
