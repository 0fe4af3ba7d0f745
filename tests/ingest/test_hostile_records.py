"""Hostile input is normal input: each bad record is named with file and line and skipped, the
rest imports, and no record is slow (issue 12, items 1 and 2)."""
import json

from synthqa.checks.answers import extract_answer
from synthqa.checks.stepcheck import check_trace
from synthqa.checks.steps import split_steps
from synthqa.cli.main import main
from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import Inbox

GOOD = {"problem": "What is 2 + 2?", "generator": "g", "gold_answer": "4",
        "solution": "2 + 2 = 4\n#### 4"}


def _line(**changes) -> str:
    record = {**GOOD, **changes}
    return json.dumps(record)


BAD_LINES = {
    "sample_index 2^31": (_line(sample_index=2 ** 31), "sample_index"),
    "sample_index 2^63": (_line(sample_index=2 ** 63), "sample_index"),
    "n_tokens 10^20": (_line(n_tokens=10 ** 20), "n_tokens"),
    "negative n_tokens": (_line(n_tokens=-1), "n_tokens"),
    "negative params": (_line(params=-5), "params"),
    "negative sample_index": (_line(sample_index=-1), "sample_index"),
    "Infinity gold": ('{"problem": "p", "generator": "g", "solution": "s", '
                      '"gold_answer": Infinity}', "Infinity is not a JSON number"),
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "nested deeper than 100 levels"),
    "4,301-digit number": ('{"problem": "p", "generator": "g", "solution": "s", '
                           '"n_tokens": ' + "9" * 4301 + "}", "invalid JSON"),
    "lone surrogate": ('{"problem": "p \\ud800", "generator": "g", "solution": "s"}',
                       "surrogate"),
}


def test_each_bad_record_is_named_and_the_rest_imports(tmp_path, capsys):
    path = tmp_path / "hostile.jsonl"
    names = list(BAD_LINES)
    lines = [_line(problem=f"good {i}?") for i in range(3)] + [BAD_LINES[n][0] for n in names]
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())  # with a BOM
    code = main(["-q", "--workspace", str(tmp_path / "ws"), "import", str(path)])
    out = capsys.readouterr()
    assert code == 3 and "Traceback" not in out.err
    assert "3 records, 3 traces, 3 new" in out.out   # the BOM line's record is kept
    for n, name in enumerate(names, start=4):
        assert f"{path}:line {n}: " in out.err, name
        line = next(x for x in out.err.splitlines() if f":line {n}: " in x)
        assert BAD_LINES[name][1] in line, (name, line)


def test_nan_in_an_optional_field_means_missing_in_jsonl_and_parquet(store, tmp_path):
    """pandas writes a missing value as NaN (to_json's default writer, Parquet floats)."""
    import pandas as pd

    jsonl = tmp_path / "nan.jsonl"
    jsonl.write_text('{"problem": "p?", "generator": "g", "solution": "s", "gold_answer": NaN, '
                     '"n_tokens": NaN, "temperature": NaN, "meta": {"x": NaN}}\n')
    parquet = tmp_path / "NAN.PARQUET"             # capitals: still Parquet
    pd.DataFrame({"problem": ["q?"], "generator": ["g"], "solution": ["s"],
                  "n_tokens": [float("nan")], "temperature": [float("nan")]}
                 ).to_parquet(parquet)
    for path in (jsonl, parquet):
        result = import_file(store, path)
        assert (result.n_traces_new, result.n_errors) == (1, 0), result.errors
    assert store.scalar("SELECT count(*) FROM traces WHERE n_tokens IS NOT NULL") == 2  # estimated
    assert store.scalar("SELECT count(*) FROM problems WHERE gold_answer IS NULL") == 2


def test_a_json_array_with_a_deep_record_skips_only_it(store, tmp_path):
    path = tmp_path / "array.json"
    path.write_text("\ufeff[" + json.dumps(GOOD) + ",\n" + "[" * 100_000 + "]" * 100_000
                    + ",\n" + json.dumps({**GOOD, "problem": "What is 3 + 1?"}) + "]")
    result = import_file(store, path)
    assert result.n_traces == 2 and result.n_errors == 1
    assert result.errors == [f"{path}:line 2: invalid JSON: nested deeper than 100 levels"]


def test_texts_that_were_slow_give_plain_results():
    """Each took seconds before (the times are in bench/hostile_records.py, not asserted)."""
    steps, _ = split_steps("x" + "\n" * 20_000 + "y")
    assert steps == ["x y"]  # two paragraphs, each too short to stand alone
    assert extract_answer("The answer is 5" + " \t" * 10_000 + ".") == ("5", "answer-is")
    assert check_trace(split_steps(". " * 20_000)[0]).first_failed is None
    tower = check_trace(["(((9^64)^64)^64)^64 = 1"])   # too large to check: not a verdict
    assert tower.first_failed is None and tower.steps[0].status == "none"
    huge = check_trace(["9" * 100_000 + " = 1"])       # past Python's int-to-text limit
    assert huge.first_failed is None


def test_a_step_longer_than_the_cap_is_kept_unchecked():
    from synthqa.checks.stepcheck import MAX_STEP_CHARS

    long_step = "1 + 1 = 3 " * (MAX_STEP_CHARS // 10 + 1)
    check = check_trace([long_step, "2 + 2 = 5"])
    assert check.steps[0].status == "unchecked" and check.steps[1].status == "wrong"


MORE_BAD_LINES = {  # what else a hand-made or converted file holds
    "a number, not a record": ("42", "must be a JSON object"),
    "null": ("null", "must be a JSON object"),
    "no problem": (json.dumps({"generator": "g", "solution": "s"}), "missing required field"),
    "solution as a list": (_line(solution=["a", "b"]), "'solution' must be str"),
    "empty generator": (_line(generator=""), "'generator' is empty"),
    "invalid UTF-8": ("\udcff\udcfe garbage", "invalid UTF-8"),
    "gold as an object": (_line(gold_answer={"a": 1}), "'gold_answer' must be str"),
    "params 10^30": (_line(params=10 ** 30), "out of range"),
    "steps of numbers": (_line(steps=[1, 2]), "list of strings"),
    "fractional sample_index": (_line(sample_index=1.5), "must be int"),
    "bad label kind": (_line(labels=[{"step": "x"}]), "'kind' must be one of"),
    "bad step label": (_line(step_labels=[5, "bad"]), "step_labels"),
    "over the line cap": (_line(solution="x" * 300_000), "longer than 262,144 bytes"),
}


def test_the_bad_input_corpus_through_the_dashboards_worker(tmp_path, monkeypatch):
    """Every bad record of both tables, CRLF line ends, through the server's worker process:
    each named, no traceback, the good records intact (their steps and answers too)."""
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.workspace import Workspace
    monkeypatch.setenv("SYNTHQA_MAX_LINE_BYTES", str(2 ** 18))
    corpus = {**BAD_LINES, **MORE_BAD_LINES}
    lines = [_line(problem=f"good {i}?") for i in range(3)] + [v[0] for v in corpus.values()]
    path = tmp_path / "corpus.jsonl"
    path.write_bytes("\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n")
    workspace = Workspace(tmp_path / "ws").init()
    Inbox(workspace).drop_file(path, "auto")
    store = workspace.open_store()
    (result,) = ingest_inbox(store, workspace, worker=True)
    assert result.n_traces == 3 and result.n_errors == len(corpus)
    for n, (name, (_, why)) in enumerate(corpus.items(), start=4):
        line = next(e for e in result.errors if e.startswith(f"corpus.jsonl:line {n}: "))
        assert why in line and "Traceback" not in line, (name, line)
    assert store.count("traces") == 3 and store.count("steps") == 6
    assert store.scalar("SELECT count(*) FROM traces_effective WHERE correct") == 3
    store.close()


def test_bad_files_are_named_and_nothing_is_kept(tmp_path, capsys):
    """File-level damage: each file's one error names it; the store stays empty."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = {"empty.jsonl": (b"", "empty file"),
             "number.json": (b"42", "expected a JSON array"),
             "cut.parquet": (b"PAR1\x00\x01garbage", "not a readable Parquet file")}
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
    pq.write_table(pa.table({"problem": ["a"], "generator": ["g"], "solution": [b"x"]}),
                   tmp_path / "bytes.parquet")
    files["bytes.parquet"] = (None, "bytes.parquet:row 1: field 'solution' must be str")
    ws = tmp_path / "ws"
    for name, (_, why) in files.items():
        code = main(["-q", "--workspace", str(ws), "import", str(tmp_path / name)])
        err = capsys.readouterr().err
        assert code == 1 and why in err and "Traceback" not in err, (name, err)
    from synthqa.workspace import Workspace

    store = Workspace(ws).open_store()
    assert store.count("traces") == 0 and store.count("imports") == 0
    store.close()


def test_an_uploaded_parquet_file_in_capitals_is_read_as_parquet(workspace, tmp_path):
    import pandas as pd

    from synthqa.ingest.inbox import Inbox, ingest_inbox

    path = tmp_path / "UP.PARQUET"
    pd.DataFrame({"problem": ["q?"], "generator": ["g"], "solution": ["s"]}).to_parquet(path)
    dropped = Inbox(workspace).drop_bytes(path.read_bytes(), "UP.PARQUET", "auto")
    assert dropped.suffix == ".parquet"
    store = workspace.open_store()
    (result,) = ingest_inbox(store, workspace)
    assert (result.n_traces_new, result.errors) == (1, [])
    store.close()
