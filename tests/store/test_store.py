import threading
from datetime import datetime

import pytest

from synthqa.ingest.commit import import_file
from synthqa.schema import MIGRATIONS
from synthqa.store import Store, StoreBusy
from tests.conftest import EXAMPLE


def test_new_store_is_at_the_latest_schema_version(store):
    assert store.schema_version() == len(MIGRATIONS)


def test_migrations_apply_once_and_in_order(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path, MIGRATIONS).close()
    extra = [*MIGRATIONS, ["ALTER TABLE problems ADD COLUMN difficulty DOUBLE"]]
    store = Store(path, extra)
    assert store.schema_version() == len(MIGRATIONS) + 1
    assert "difficulty" in store.df("SELECT * FROM problems LIMIT 0").columns
    store.close()
    Store(path, extra).close()  # re-opening does not re-run the ALTER (it would fail)


def test_a_second_process_gets_store_busy(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "s.duckdb"
    Store(path).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
        " time.sleep(60)"), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy, match=f"held by process {holder.pid}"):
            Store(path)
    finally:
        holder.kill()
        holder.wait()


def test_many_threads_read_and_write_through_one_store(store):
    import_file(store, EXAMPLE)
    trace_id = store.scalar("SELECT min(trace_id) FROM traces")
    errors = []

    def work(i):
        try:
            for j in range(10):
                store.labels.add({"label_id": f"{i}-{j}", "trace_id": trace_id, "kind": "note",
                                 "value": str(j), "who": f"t{i}", "origin": "human",
                                 "labelled_at": datetime.now()})
                assert store.count("traces") == 5
        except Exception as exc:  # collected: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.scalar("SELECT count(*) FROM labels WHERE kind = 'note'") == 80


def test_human_override_of_correctness_wins_and_latest_label_wins(store):
    import_file(store, EXAMPLE)
    trace_id = store.scalar("SELECT trace_id FROM traces WHERE is_correct LIMIT 1")

    def override(value, when):
        store.labels.add({"label_id": f"o-{when}", "trace_id": trace_id, "kind": "answer_correct",
                         "value": value, "who": "alice", "origin": "human",
                         "labelled_at": datetime(2026, 1, when)})

    override("false", 1)
    assert store.traces.get(trace_id)["correct"] is False
    override("true", 2)
    assert store.traces.get(trace_id)["correct"] is True
    history = store.labels.of_trace(trace_id)
    assert history[history.kind == "answer_correct"].value.tolist() == ["false", "true"]


def test_shared_problems_are_counted_once_per_version_of_the_traces(store, tmp_path):
    import json

    import_file(store, EXAMPLE)
    first = store.summaries.shared_problems()
    assert first.to_dict("records") == [{"a": "se-16b", "b": "wc-2b", "problems": 1}]
    cached = store.cache.get("shared_problems")
    assert cached and json.loads(cached[0]) == first.to_dict("records")
    problem = ("Tom has 3 boxes of 12 pencils. He gives away 10 pencils. How many pencils "
               "does he have left?")                       # answered by se-16b and wc-2b
    path = tmp_path / "third.jsonl"
    path.write_text(json.dumps({"problem": problem, "gold_answer": "26", "generator": "third",
                                "source": "example", "split": "train",
                                "solution": "3 * 12 - 10 = 26\n#### 26"}) + "\n")
    import_file(store, path)
    after = store.summaries.shared_problems().to_dict("records")
    assert {"a": "se-16b", "b": "third", "problems": 1} in after and len(after) == 3


def test_the_inputs_version_is_read_once_per_committed_write(store, monkeypatch):
    import_file(store, EXAMPLE)
    before = store.cache.inputs_version()
    real = store.cache.cursor
    monkeypatch.setattr(store.cache, "cursor", lambda: pytest.fail("read again, no write"))
    assert store.cache.inputs_version() == before
    monkeypatch.setattr(store.cache, "cursor", real)
    trace_id = store.scalar("SELECT min(trace_id) FROM traces")
    store.labels.add({"label_id": "n-1", "trace_id": trace_id, "kind": "note", "value": "x",
                     "who": "alice", "origin": "human", "labelled_at": datetime(2026, 1, 1)})
    assert store.cache.inputs_version() != before


def test_a_verdict_delivered_twice_is_written_once_even_from_many_threads(store):
    """A click resent under load (or by a reconnected tab) gives the same labels with new ids:
    one row per reviewer, trace and verdict; a changed verdict or note is a new row (issue 27,
    item 13)."""
    from synthqa.labels.review import verdict_labels

    import_file(store, EXAMPLE)
    trace_id = store.scalar("SELECT min(trace_id) FROM traces")
    held = []

    def click():
        held.append(store.labels.add_many(verdict_labels(trace_id, "dave", "false_positive", 1)))

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = store.df("SELECT label_id, kind, value FROM labels WHERE who = 'dave' ORDER BY kind")
    assert rows[["kind", "value"]].values.tolist() == [["first_error_step", "1"],
                                                       ["reasoning", "false_positive"]]
    assert all(sorted(ids) == sorted(rows.label_id) for ids in held)   # what undo removes
    store.labels.add_many(verdict_labels(trace_id, "dave", "false_positive", 1, note="why"))
    store.labels.add_many(verdict_labels(trace_id, "dave", "correct", None))
    store.labels.add_many(verdict_labels(trace_id, "erin", "correct", None))
    assert store.scalar("SELECT count(*) FROM labels WHERE who = 'dave'") == 5
    assert store.scalar("SELECT count(*) FROM labels WHERE who = 'erin'") == 2


def test_a_domains_generator_is_not_a_trained_models_evaluation(store, tmp_path):
    """The Training page's "Traces of" default: the lab's own samples, not the 8 samples a
    problem of a model trained on them (more traces, every run an evaluation)."""
    import json

    from synthqa.train.common import EVALUATION_RUNS

    path = tmp_path / "lab.jsonl"
    rows = [("lab", "lab-wc", "lab-wc:demo-t0.8", i) for i in range(2)] + \
        [("lab", "lab-wc-sft:k8", "lab-wc-sft:eval-k8", i) for i in range(5)] + \
        [("sets", "lab-wc-sft", "lab-wc-sft:eval-greedy", i) for i in range(5, 7)]
    path.write_text("".join(json.dumps({
        "problem": f"What is {i} + 1?", "problem_id": f"L{i}", "gold_answer": str(i + 1),
        "source": source, "generator": gen, "run": run, "solution": f"#### {i + 1}"}) + "\n"
        for source, gen, run, i in rows))
    assert import_file(store, path).n_errors == 0
    assert store.summaries.generator_of_source("lab") == "lab-wc-sft:k8"   # the most traces
    assert store.summaries.generator_of_source("lab", EVALUATION_RUNS) == "lab-wc"
    assert store.summaries.generator_of_source("sets", EVALUATION_RUNS) == "lab-wc-sft"  # alone
    assert store.summaries.generator_of_source("toy", EVALUATION_RUNS) is None
