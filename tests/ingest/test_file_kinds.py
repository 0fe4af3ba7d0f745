"""Files that are not what their name says: compressed, UTF-16, pretty-printed, JSON Lines named
.json, a key or column given twice (issue 27, item 12)."""
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthqa.ingest.commit import import_file


def _record(i: int) -> dict:
    return {"problem": f"What is {i} + 1?", "generator": "g", "gold_answer": str(i + 1),
            "solution": f"{i} + 1 = {i + 1}. The answer is {i + 1}."}


def _jsonl(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


@pytest.mark.parametrize("name, data, hint", [
    ("traces.jsonl", gzip.compress(_jsonl([_record(0)]).encode()), "gunzip FILE"),
    ("traces.jsonl", _jsonl([_record(0)]).encode("utf-16"), "iconv -f UTF-16 -t UTF-8"),
    ("traces.jsonl", _jsonl([_record(0)]).encode("utf-16-le"), "iconv -f UTF-16LE -t UTF-8"),
    ("traces.json", json.dumps([_record(0)]).encode("utf-16-be"), "iconv -f UTF-16BE"),
])
def test_a_compressed_or_utf16_file_gets_one_error_that_says_what_to_do(
        store, tmp_path, name, data, hint):
    path = tmp_path / name
    path.write_bytes(data)
    result = import_file(store, path, name=name)
    assert result.n_traces == 0 and result.n_errors == 1
    assert result.errors[0].startswith(f"{name}:file: this is ") and hint in result.errors[0]


def test_pretty_printed_records_in_a_jsonl_file_get_one_hint(store, tmp_path):
    path = tmp_path / "pretty.jsonl"
    path.write_text("".join(json.dumps(r, indent=2) + "\n" for r in [_record(0), _record(1)]))
    result = import_file(store, path, name="pretty.jsonl")
    assert result.n_errors == 1 and "pretty-printed JSON" in result.errors[0]
    assert "jq -c . FILE" in result.errors[0]


def test_a_pretty_printed_array_named_jsonl_and_json_lines_named_json_are_read(store, tmp_path):
    array = tmp_path / "array.jsonl"
    array.write_text(json.dumps([_record(0), _record(1)], indent=2))
    lines = tmp_path / "lines.json"       # what Hugging Face datasets' to_json writes
    lines.write_text(_jsonl([_record(2), _record(3)]))
    assert import_file(store, array).n_traces == 2
    assert import_file(store, lines).n_traces == 2
    assert store.scalar("SELECT count(*) FROM traces_effective WHERE correct") == 4


def test_a_key_given_twice_is_named_not_the_last_taken(store, tmp_path):
    path = tmp_path / "twice.jsonl"
    path.write_text(_jsonl([_record(0)]) + '{"problem": "What is 1 + 1?", "generator": "g", '
                    '"solution": "The answer is 2.", "gold_answer": "3", "gold_answer": "2"}\n')
    result = import_file(store, path, name="twice.jsonl")
    assert result.n_traces == 1
    assert result.errors == ["twice.jsonl:line 2: invalid JSON: key 'gold_answer' appears "
                             "twice in one object"]


def test_a_parquet_column_given_twice_is_named(store, tmp_path):
    table = pa.table([["What is 1 + 1?"], ["g"], ["The answer is 2."], ["3"], ["2"]],
                     names=["problem", "generator", "solution", "gold_answer", "gold_answer"])
    path = tmp_path / "twice.parquet"
    pq.write_table(table, path)
    result = import_file(store, path, name="twice.parquet")
    assert result.n_traces == 0
    assert result.errors == ["twice.parquet:file: column 'gold_answer' appears twice; give "
                             "each column one name"]
