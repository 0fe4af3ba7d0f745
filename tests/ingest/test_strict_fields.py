"""Issue 27, item 12: fields that were silently taken are named instead."""
import json
from pathlib import Path

import pytest

from synthqa.ingest.adapters import adapt_prm800k, adapt_processbench
from synthqa.ingest.records import RecordError, from_generic

FIXTURES = Path(__file__).parents[1] / "fixtures"
PRM = json.loads((FIXTURES / "prm800k_sample.jsonl").read_text().splitlines()[0])


def _prm(**step):
    record = json.loads(json.dumps(PRM))
    record["label"]["steps"][0].update(step)
    return record


@pytest.mark.parametrize("step, says", [
    ({"chosen_completion": 3}, "chosen_completion 3 is not one of its 1 completions"),
    ({"chosen_completion": True}, "chosen_completion True"),
    ({"completions": [{"text": "x", "rating": True}]}, "rating True"),
    ({"completions": [{"text": "x", "rating": 2}]}, "rating 2"),
])
def test_prm800k_steps_that_were_silently_taken_are_named(step, says):
    with pytest.raises(RecordError, match=says):
        adapt_prm800k(_prm(**step))


def test_a_prm800k_rating_written_as_a_float_is_an_integer():
    (record,) = adapt_prm800k(_prm(completions=[{"text": "x", "rating": 1.0}]))
    assert record.step_labels[0] == 1 and type(record.step_labels[0]) is int


@pytest.mark.parametrize("labels", [[5, 0], [-9, 1], [True, 0]])
def test_step_labels_are_ratings(labels):
    with pytest.raises(RecordError, match="ratings 1, 0, -1"):
        from_generic({"problem": "p", "generator": "g", "steps": ["a", "b"],
                      "step_labels": labels})


def test_all_blank_steps_are_no_solution():
    with pytest.raises(RecordError, match="only blank steps"):
        from_generic({"problem": "p", "generator": "g", "steps": [" ", "\n"]})
    with pytest.raises(RecordError, match="only blank steps"):
        adapt_processbench({"id": "x-1", "generator": "g", "problem": "p", "steps": ["", " "],
                            "final_answer_correct": True, "label": -1})


def test_a_processbench_file_with_a_junk_first_record_is_still_processbench(store, tmp_path):
    from synthqa.ingest.adapters import detect_format
    from synthqa.ingest.commit import import_file

    good = json.loads((FIXTURES / "processbench_sample.json").read_text())
    path = tmp_path / "pb.json"
    path.write_text(json.dumps([{"junk": True}, "not even an object", *good]))
    assert detect_format(path, 1 << 20) == "processbench"
    result = import_file(store, path)
    assert (result.n_traces_new, result.n_errors) == (len(good), 2)
    assert store.scalar("SELECT count(*) FROM labels WHERE who = 'ProcessBench annotators'") \
        == len(good)
