import json

import pandas as pd
import pytest

from synthqa.ingest.commit import import_file
from tests.conftest import EXAMPLE

GOOD = {"problem": "What is 2 + 3?", "gold_answer": "5", "generator": "g",
        "solution": "2 + 3 = 5\nThe answer is 5."}


def write_lines(path, lines: list[bytes]):
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def good_line(i: int) -> bytes:
    return json.dumps({**GOOD, "problem": f"What is {i} + 3?", "gold_answer": str(i + 3),
                       "solution": f"{i} + 3 = {i + 3}\nThe answer is {i + 3}."}).encode()


def test_example_file_imports_with_labels_and_verdicts(store):
    result = import_file(store, EXAMPLE)
    assert result.ok and result.fmt == "generic" and result.n_traces == 5
    traces = store.df("SELECT generator, answer_raw, is_correct, first_failed_step, error_kind, "
                      "n_tokens, tokens_estimated FROM traces_effective ORDER BY generator, "
                      "trace_id")
    assert sorted(traces.is_correct.tolist()) == [False, True, True, True, True]
    assert set(traces.generator) == {"wc-2b", "se-16b"}
    labels = store.df("SELECT kind, value, who, step_index FROM labels ORDER BY kind, value")
    assert labels[labels.kind == "first_error_step"].value.tolist() == ["0", "0"]
    assert (labels.kind == "step_rating").sum() == 3
    assert store.scalar("SELECT count(*) FROM steps WHERE splitter = 'given'") == 3
    # the static error in the second record: 3 * 12 written as 38, answer still right
    suspect = store.df("SELECT error_kind FROM traces_effective WHERE suspect")
    assert suspect.error_kind.tolist() == ["static"]


def test_runs_record_tokens_and_flops(store):
    import_file(store, EXAMPLE)
    run = store.df("SELECT * FROM runs WHERE run_id = 'wc-2b:t0.7'").iloc[0]
    tokens = store.scalar("SELECT sum(n_tokens) FROM traces WHERE run_id = 'wc-2b:t0.7'")
    assert run.n_traces == 3 and run.tokens == tokens > 82  # 41 + 41 + an estimated count
    assert run.flops == 2 * 2_000_000_000 * tokens  # FLOPs = 2 · params · tokens
    assert run.samples_per_problem == 2 and run.temperature == 0.7


def test_reimporting_the_same_file_adds_nothing(store, tmp_path):
    first = import_file(store, EXAMPLE)
    again = import_file(store, EXAMPLE)
    assert again.skipped and store.count("traces") == first.n_traces_new
    copy = tmp_path / "copy.jsonl"  # same records, different bytes: still no duplicates
    copy.write_text(EXAMPLE.read_text() + "\n")
    assert import_file(store, copy).n_traces_new == 0
    assert store.count("traces") == 5 and store.count("labels") == 5


def test_identical_samples_are_kept_as_separate_samples(store, tmp_path):
    path = write_lines(tmp_path / "dup.jsonl", [json.dumps(GOOD).encode()] * 3)
    assert import_file(store, path).n_traces_new == 3
    assert store.df("SELECT sample_index FROM traces ORDER BY 1").sample_index.tolist() == [0, 1, 2]


@pytest.mark.parametrize("bad, message", [
    (b'{"problem": "What is 2 + 3?", "generator": "g", "solu', "invalid JSON"),      # truncated
    (json.dumps({**GOOD, "generator": 7}).encode(), "field 'generator' must be str"),
    (json.dumps({**GOOD, "steps": "one"}).encode(), "'steps' must be a list of strings"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "problem"}).encode(),
     "missing required field 'problem'"),
    (b'{"problem": "caf\xe9", "generator": "g", "solution": "1"}', "invalid UTF-8 at byte"),
    (b"[1, 2]", "must be a JSON object"),
])
def test_a_bad_line_is_named_and_the_rest_imports(store, tmp_path, bad, message):
    path = write_lines(tmp_path / "mixed.jsonl", [good_line(1), bad, good_line(2)])
    result = import_file(store, path)
    assert result.n_errors == 1 and result.n_traces == 2 and store.count("traces") == 2
    assert result.errors[0].startswith(f"{path}:line 2: ") and message in result.errors[0]


def test_a_50mb_line_is_refused_without_losing_the_others(store, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHQA_MAX_LINE_BYTES", str(16 * 2**20))
    huge = json.dumps({**GOOD, "solution": "x" * (50 * 2**20)}).encode()
    path = write_lines(tmp_path / "huge.jsonl", [good_line(1), huge, good_line(2)])
    result = import_file(store, path)
    assert result.n_traces == 2 and result.n_errors == 1
    assert "line 2: line is longer than 16,777,216 bytes" in result.errors[0]


def test_an_empty_file_is_an_error_and_writes_nothing(store, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    result = import_file(store, path)
    assert not result.ok and "empty file" in result.errors[0]
    assert store.count("imports") == 0 and store.count("traces") == 0


def test_all_bad_records_write_nothing(store, tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", [b"{", b"not json"])
    result = import_file(store, path)
    assert result.n_errors == 2 and result.n_traces == 0 and store.count("imports") == 0


def test_parquet_generic_records(store, tmp_path):
    path = tmp_path / "traces.parquet"
    pd.DataFrame([json.loads(good_line(i)) for i in range(4)]).to_parquet(path)
    result = import_file(store, path)
    assert result.fmt == "generic" and result.n_traces_new == 4
    assert store.scalar("SELECT count(*) FROM traces WHERE is_correct") == 4


def test_step_labels_must_match_the_steps(store, tmp_path):
    rec = {**GOOD, "steps": ["a", "b"], "step_labels": [1]}
    path = write_lines(tmp_path / "l.jsonl", [json.dumps(rec).encode()])
    assert "1 labels for 2 steps" in import_file(store, path).errors[0]


def test_unknown_format_is_refused(store):
    with pytest.raises(ValueError, match="unknown format"):
        import_file(store, EXAMPLE, "csv")


def _tables(store) -> dict:
    """Every imported row, in a stable order, without the columns an import stamps."""
    queries = {"traces": "SELECT * EXCLUDE (import_id) FROM traces ORDER BY trace_id",
               "steps": "SELECT * FROM steps ORDER BY trace_id, step_index",
               "problems": "SELECT * FROM problems ORDER BY problem_id",
               "labels": "SELECT * EXCLUDE (labelled_at) FROM labels ORDER BY label_id",
               "generators": "SELECT * FROM generators ORDER BY name",
               "runs": "SELECT run_id, generator, temperature, n_traces, tokens, flops, "
                       "samples_per_problem FROM runs ORDER BY run_id"}
    return {table: store.df(sql) for table, sql in queries.items()}


def test_worker_processes_import_exactly_what_one_process_does(tmp_path, monkeypatch):
    """A large file is built in chunks by worker processes; repeated solutions across chunk
    borders keep their sample indexes, the first parameter count wins, bad lines keep their
    numbers, and the store ends up the same as after a one-process import."""
    from synthqa.config import Settings
    from synthqa.ingest import staging
    from synthqa.store import Store
    lines = []
    for i in range(60):
        record = {**GOOD, "generator": f"g{i % 3}", "params": 10 ** 9 * (i + 1),
                  "problem": f"What is {i % 7} + 3?", "gold_answer": str(i % 7 + 3),
                  "solution": f"{i % 7} + 3 = {i % 7 + 3 + i % 2}\nThe answer is {i % 7 + 3}.",
                  "first_error_step": -1 if i % 5 == 0 else None}
        lines.append(json.dumps(record).encode())
    lines[17] = b'{"problem": "no generator"}'
    path = write_lines(tmp_path / "many.jsonl", lines)
    monkeypatch.setattr(staging, "CHUNK_RECORDS", 7)
    outcomes = {}
    for workers, min_bytes in ((1, 10 ** 12), (2, 0)):
        monkeypatch.setattr(staging, "PARALLEL_MIN_BYTES", min_bytes)
        monkeypatch.setenv("SYNTHQA_IMPORT_WORKERS", str(workers))
        store = Store(tmp_path / f"w{workers}.duckdb")
        result = import_file(store, path, settings=Settings.from_env(tmp_path))
        outcomes[workers] = result, _tables(store)
        store.close()
    (serial, serial_rows), (parallel, parallel_rows) = outcomes[1], outcomes[2]
    assert parallel.n_traces == serial.n_traces == 59 and parallel.errors == serial.errors
    assert "many.jsonl:line 18" in parallel.errors[0]
    assert serial_rows["traces"].sample_index.max() > 0  # repeats across the chunks of 7
    assert serial_rows["generators"].params.tolist() == [10 ** 9, 2 * 10 ** 9, 3 * 10 ** 9]
    for table, frame in serial_rows.items():
        pd.testing.assert_frame_equal(parallel_rows[table], frame, obj=table)
