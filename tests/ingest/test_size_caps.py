"""Size and depth caps every format shares, checked before a record becomes Python objects
(issue 27, items 3 and 7)."""
import json
from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq

from synthqa.config import Settings
from synthqa.ingest import readers, staging
from synthqa.ingest.commit import import_file
from synthqa.ingest.records import MAX_DEPTH


def _good(i: int) -> dict:
    return {"problem": f"What is {i} + 1?", "generator": "g", "gold_answer": str(i + 1),
            "solution": f"{i} + 1 = {i + 1}. The answer is {i + 1}."}


def _deep(depth: int):
    value: object = "bottom"
    for _ in range(depth - 1):
        value = {"down": value}
    return value


def test_a_compression_bomb_in_parquet_is_refused_from_its_metadata(store, tmp_path):
    rows = [_good(i) for i in range(4)]
    rows.insert(2, {**_good(9), "solution": "1 + " * (40 * 2**20 // 4)})   # 40 MB of one string
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, compression="zstd")
    assert path.stat().st_size < 100_000

    result = import_file(store, path)
    assert result.n_traces == 0 and result.n_errors == 1
    assert "rows 1-5: row group 1: column 'solution' expands from" in result.errors[0]
    assert "compression bomb" in result.errors[0]


def test_a_parquet_row_over_the_cap_is_named_and_the_rest_imports(store, tmp_path, monkeypatch):
    """A long cell in an ordinary file (text compresses ~3x): only its row is left out."""
    import random
    import string

    rows = [_good(i) for i in range(4)]
    noise = "".join(random.Random(0).choices(string.ascii_letters + " ", k=300_000))
    rows.insert(1, {**_good(9), "solution": noise})
    path = tmp_path / "long.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    monkeypatch.setenv("SYNTHQA_MAX_LINE_BYTES", str(2**18))

    result = import_file(store, path, settings=Settings.from_env())
    assert result.n_traces == 4 and result.n_errors == 1
    assert "long.parquet:row 2: row holds" in result.errors[0]
    assert "over 262,144 (SYNTHQA_MAX_LINE_BYTES)" in result.errors[0]


def test_a_json_array_record_over_the_line_cap_is_named(store, tmp_path, monkeypatch):
    records = [_good(0), {**_good(1), "solution": "x" * 300_000}, _good(2)]
    path = tmp_path / "array.json"
    path.write_text(json.dumps(records, indent=1))
    monkeypatch.setenv("SYNTHQA_MAX_LINE_BYTES", str(2**18))

    result = import_file(store, path, settings=Settings.from_env())
    assert result.n_traces == 2 and result.n_errors == 1
    assert "record is longer than 262,144 bytes" in result.errors[0]


def test_a_json_array_too_large_to_read_at_once_says_how_to_convert_it(store, tmp_path,
                                                                       monkeypatch):
    path = tmp_path / "big.json"
    path.write_text(json.dumps([_good(i) for i in range(50)]))
    monkeypatch.setattr(readers, "MAX_JSON_ARRAY_BYTES", 1000)
    result = import_file(store, path)
    assert result.n_traces == 0 and "write it as JSON Lines" in result.errors[0]


def _deep_file(tmp_path, depth: int):
    lines = [_good(0), {**_good(1), "meta": {"tree": _deep(depth)}}, _good(2)]
    path = tmp_path / f"deep{depth}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


def test_deep_meta_is_refused_alike_in_one_process_and_in_worker_processes(tmp_path,
                                                                           monkeypatch):
    """900 deep: json reads it, but pickling it to a worker process failed, and with it the
    whole file; now both paths name that record and import the rest."""
    from synthqa.workspace import Workspace

    path, outcomes = _deep_file(tmp_path, 900), []
    for workers in (1, 2):
        monkeypatch.setattr(staging, "PARALLEL_MIN_BYTES", 0 if workers > 1 else 2**40)
        settings = replace(Settings.from_env(), import_workers=workers)
        store = Workspace(tmp_path / f"ws{workers}").init().open_store()
        try:
            result = import_file(store, path, settings=settings, name="deep.jsonl")
            outcomes.append((result.n_traces, result.errors, store.count("traces")))
        finally:
            store.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] == (2, [f"deep.jsonl:line 2: invalid JSON: nested deeper than "
                               f"{MAX_DEPTH} levels"], 2)


def test_meta_just_under_the_depth_cap_imports_through_worker_processes(store, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr(staging, "PARALLEL_MIN_BYTES", 0)
    settings = replace(Settings.from_env(), import_workers=2)
    result = import_file(store, _deep_file(tmp_path, MAX_DEPTH - 2), settings=settings)
    assert result.n_errors == 0 and result.n_traces == 3


def test_a_record_past_its_time_budget_is_kept_unchecked_and_named(store, tmp_path,
                                                                   monkeypatch):
    """Whatever a text makes the checks do, one record gets SYNTHQA_RECORD_SECONDS; here a
    splitter that never returns stands in for a text no one has found yet (issue 27, item 8)."""
    from synthqa.ingest import rows

    real_split = rows.split_steps

    def split(text):
        while "forever" in text:
            pass
        return real_split(text)

    monkeypatch.setattr(rows, "split_steps", split)
    monkeypatch.setenv("SYNTHQA_RECORD_SECONDS", "0.2")
    path = tmp_path / "slow.jsonl"
    records = [_good(0), {**_good(1), "solution": "2 + 3 = 6. It runs forever. The answer is 2."},
               _good(2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))

    result = import_file(store, path, settings=Settings.from_env(), name="slow.jsonl")
    assert result.n_traces == 3 and result.n_errors == 0
    assert result.notes == ["slow.jsonl:line 2: its steps and answer took over 0.2 s to check "
                            "(SYNTHQA_RECORD_SECONDS); kept unchecked"]
    kept = store.df("SELECT n_steps, answer_method, first_failed_step IS NULL AS no_error "
                    "FROM traces WHERE text LIKE '%forever%'").iloc[0]
    assert (kept.n_steps, kept.answer_method, kept.no_error) == (1, "unchecked", True)
    assert store.scalar("SELECT count(*) FROM traces WHERE is_correct") == 2
