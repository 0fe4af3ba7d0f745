import pytest

from synthqa.filters import TraceFilter
from synthqa.ingest import import_file
from synthqa.review import verdict_labels
from tests.conftest import EXAMPLE


@pytest.fixture
def loaded(store):
    import_file(store, EXAMPLE)
    return store


def count(store, **kwargs):
    return store.count_traces(*TraceFilter(**kwargs).where())


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
    loaded.add_labels(verdict_labels(t, "alice", "correct", None))
    assert count(loaded, label_state="disagreement") == 0
    loaded.add_labels(verdict_labels(t, "bob", "false_positive", 0))
    assert count(loaded, label_state="disagreement") == 1


def test_pages_are_stable_and_disjoint(loaded):
    where, params = TraceFilter().where()
    first, second = (loaded.trace_page(where, params, 3, 0), loaded.trace_page(where, params, 3, 3))
    assert len(first) == 3 and len(second) == 2
    assert not set(first.trace_id) & set(second.trace_id)
