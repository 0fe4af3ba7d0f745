"""The full-text index (tantivy) behind the trace search: the same results as the ILIKE scan,
kept in step with imports, rebuilt when it is not."""
import json

import pytest

from synthqa.ingest.commit import import_file
from synthqa.store.filters import TraceFilter

PROBLEMS = ["Natalia sold clips to 48 of her friends in April.",
            "Weng earns $12 an hour for babysitting.",
            "What is 19*3+100?"]


def _import(store, tmp_path, name, n, start=0):
    rows = [{"problem": PROBLEMS[i % 3], "problem_id": f"p{i % 3}", "generator": "g",
             "gold_answer": str(i), "solution": f"Step {i}: value {i} and 1{i}.\n#### {i}"}
            for i in range(start, start + n)]
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert import_file(store, path).n_errors == 0


def _ids(store, text, indexed=True):
    flt = TraceFilter(text=text)
    where, params = store.traces.where(flt) if indexed else flt.where()
    return set(store.traces.page(where, params, 10_000, 0)["trace_id"])


@pytest.mark.parametrize("query", ["sold", "SOLD CLIPS", "clip", "value 1", "value 17 and",
                                   "19*3", "$12 an", "#### 4", "babysitting.", "value 1 and 1"])
def test_whole_word_queries_find_what_ilike_finds(store, tmp_path, query):
    _import(store, tmp_path, "a.jsonl", 120)
    assert store.search_in_sync()
    found = _ids(store, query)
    assert found == _ids(store, query, indexed=False) and found


def test_a_prefix_with_more_than_fifty_words_behind_it_finds_them_all(store, tmp_path):
    _import(store, tmp_path, "a.jsonl", 300)        # 1, 10-19, 100-199, 1000-1299 …
    assert _ids(store, "value 1") == _ids(store, "value 1", indexed=False)
    assert len(_ids(store, "value 1")) == 111        # "value 1", "value 10".."value 199"


def test_a_query_inside_a_word_is_the_documented_difference(store, tmp_path):
    _import(store, tmp_path, "a.jsonl", 30)
    assert _ids(store, "old", indexed=False)         # ILIKE finds "sold"
    assert _ids(store, "old") == set()               # the index knows words, not their middles


def test_each_import_is_indexed_and_a_stale_index_is_rebuilt(store, tmp_path):
    _import(store, tmp_path, "a.jsonl", 40)
    _import(store, tmp_path, "b.jsonl", 40, start=40)
    assert store.search.size() == store.count("traces") == 80
    store.search.clear()                             # as after a crash before indexing
    assert not store.search_in_sync()
    assert _ids(store, "value 45") == _ids(store, "value 45", indexed=False)  # scans meanwhile
    _import(store, tmp_path, "c.jsonl", 5, start=80)  # not indexed while out of step
    assert store.search.size() == 0
    assert store.rebuild_search() == 85 and store.search_in_sync()
    assert _ids(store, "value 84") == _ids(store, "value 84", indexed=False) != set()


def test_an_index_that_fails_to_follow_does_not_fail_the_import(store, tmp_path, monkeypatch):
    def broken(rows):
        raise OSError("disk full")
    monkeypatch.setattr(store.search, "add", broken)
    _import(store, tmp_path, "a.jsonl", 10)
    assert store.count("traces") == 10 and not store.search_in_sync()
    assert _ids(store, "value 7") == _ids(store, "value 7", indexed=False) != set()


def test_an_index_missing_a_segment_file_is_not_in_sync_not_a_traceback(tmp_path):
    import pandas as pd

    from synthqa.store.search import Search

    Search(tmp_path / "search").add(pd.DataFrame({"trace_id": ["t1"], "problem": ["p"],
                                                  "text": ["six apples"]}))
    for part in (tmp_path / "search").glob("*.fieldnorm"):
        part.unlink()            # what a merge removing segments under a reader looks like
    assert Search(tmp_path / "search").size() == -1
