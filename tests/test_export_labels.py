"""Labels are checked on import, and exports read whatever the store holds (issue 27, item 4)."""
import json

import pytest

from synthqa.export import export_records, prm_records
from synthqa.ingest.commit import import_file
from synthqa.ingest.records import RecordError, from_generic

BASE = {"problem": "What is 2 + 2?", "generator": "g", "gold_answer": "4",
        "steps": ["2 + 2 = 4", "The answer is 4."]}


@pytest.mark.parametrize("label, says", [
    ({"kind": "first_error_step", "value": "abc", "labeller": "x"}, "'none', -1 or a step"),
    ({"kind": "first_error_step", "value": "7", "labeller": "x"}, "'none', -1 or a step"),
    ({"kind": "reasoning", "value": "looks fine", "labeller": "x"}, "correct, false_positive"),
    ({"kind": "answer_correct", "value": "yes", "labeller": "x"}, "true, false"),
    ({"kind": "step_rating", "value": "5", "labeller": "x", "step": 0}, "-1, 0, 1"),
    ({"kind": "step_rating", "value": "1", "labeller": "x"}, "needs its 'step'"),
])
def test_a_label_value_its_kind_does_not_allow_is_named(label, says):
    with pytest.raises(RecordError, match=says):
        from_generic({**BASE, "labels": [label]})


def test_good_labels_import_and_a_bad_one_names_its_line(store, tmp_path):
    good = {**BASE, "labels": [{"kind": "first_error_step", "value": "1", "labeller": "x"}]}
    bad = {**BASE, "problem": "What is 3 + 3?", "labels": [
        {"kind": "first_error_step", "value": "abc", "labeller": "x"}]}
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    result = import_file(store, path)
    assert store.count("traces") == 1 and result.n_errors == 1
    assert "line 2" in result.errors[0] and "abc" in result.errors[0]


def test_exports_survive_a_stored_label_no_reader_can_take(store, tmp_path):
    import_file(store, _write(tmp_path, {**BASE, "first_error_step": 1, "labeller": "x"}))
    trace = store.scalar("SELECT trace_id FROM traces")
    store.labels.add({"label_id": "old", "trace_id": trace, "step_index": None,
                      "kind": "first_error_step", "value": "abc", "who": "x",
                      "origin": "human", "labelled_at": "2030-01-01", "note": None})
    (record,) = export_records(store)
    assert "first_error_step" not in record          # left out, not a crash
    assert prm_records(store) == []


def _write(tmp_path, record):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return path


def test_a_label_time_is_converted_to_utc_and_never_in_the_future():
    label = {"kind": "reasoning", "value": "correct", "labeller": "x"}
    record = from_generic({**BASE, "labels": [{**label, "at": "2026-01-01T12:00:00+02:00"}]})
    assert record.labels[0]["at"].isoformat() == "2026-01-01T10:00:00"
    with pytest.raises(RecordError, match="in the future"):
        from_generic({**BASE, "labels": [{**label, "at": "9999-12-31T00:00:00"}]})


def test_parquet_export_takes_meta_of_any_type_and_reimports_it(store, workspace, tmp_path):
    from synthqa.export import export_file
    from synthqa.store import Store

    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps({**BASE, "problem": f"What is {i}?", "meta": meta}) + "\n"
                            for i, meta in enumerate([{"id": 1}, {"id": "x-2"},
                                                      {"id": [1, {"a": None}]}])))
    import_file(store, path)
    out = tmp_path / "out.parquet"
    assert export_file(store, out) == 3              # ArrowInvalid before
    again = Store(tmp_path / "again.duckdb")
    result = import_file(again, out)
    assert (result.n_traces_new, result.n_errors) == (3, 0)
    metas = sorted(again.df("SELECT meta FROM traces").meta)
    assert metas == sorted(store.df("SELECT meta FROM traces").meta)
    again.close()
